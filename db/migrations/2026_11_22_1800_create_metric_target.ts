import { sql, type Kysely } from 'kysely';

/**
 * Targets set by admins per metric and month (PRODUCT.md §3 "Status": a period's target is the
 * target of the month containing its last day). `month` is the month's first day. `demo` marks the
 * targets the demo company set, removed with it. Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('metric_target')
		.addColumn('metric_id', 'text', (c) => c.notNull())
		.addColumn('month', 'date', (c) => c.notNull())
		.addColumn('target', 'numeric', (c) => c.notNull())
		.addColumn('demo', 'boolean', (c) => c.notNull().defaultTo(false))
		.addColumn('updated_by', 'bigint')
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('metric_target_pkey', ['metric_id', 'month'])
		.addCheckConstraint('metric_target_month', sql`extract(day from month) = 1`)
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('metric_target').execute();
}
