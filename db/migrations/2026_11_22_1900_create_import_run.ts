import { sql, type Kysely } from 'kysely';

/**
 * One row per import (CLI now, the admin UI and API later): what, when, how it ended and the counts,
 * so that boards can say when data last came in. No row contents. Frozen: later changes come as new
 * migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('import_run')
		.addColumn('import_id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('file_name', 'text')
		.addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('finished_at', 'timestamptz')
		.addColumn('status', 'text', (c) =>
			c
				.notNull()
				.defaultTo('running')
				.check(sql`status in ('running', 'done', 'failed')`)
		)
		.addColumn('rows_read', 'integer')
		.addColumn('stored', 'integer')
		.addColumn('skipped', 'integer')
		.addColumn('rejected', 'integer')
		.execute();
	await db.schema
		.createIndex('import_run_finished')
		.on('import_run')
		.column('finished_at')
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('import_run').execute();
}
