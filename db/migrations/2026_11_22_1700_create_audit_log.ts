import { sql, type Kysely } from 'kysely';

/**
 * Who did what to whom, without the values (PRODUCT.md §6): a target is an id such as `user:12`,
 * never an email or a name. Frozen: later changes come as new migrations. `actor_user_id` has no
 * foreign key so that the record outlives the user row it names.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('audit_log')
		.addColumn('audit_id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
		.addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('actor_user_id', 'bigint')
		.addColumn('action', 'text', (c) => c.notNull())
		.addColumn('target', 'text')
		.addColumn('detail', 'jsonb')
		.execute();
	await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('audit_log').execute();
}
