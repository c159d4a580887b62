import { sql, type Kysely } from 'kysely';

/**
 * People who sign in, and their sessions (PRODUCT.md §6). Frozen: later changes come as new
 * migrations. Sessions follow the Lucia guide: the row's id is hex(SHA-256(token)), so a copy of
 * this table does not let anyone sign in.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('app_user')
		.addColumn('user_id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
		.addColumn('email', 'text', (c) => c.notNull().unique())
		.addColumn('name', 'text')
		.addColumn('role', 'text', (c) => c.notNull())
		.addColumn('password_hash', 'text', (c) => c.notNull())
		.addColumn('must_change_password', 'boolean', (c) => c.notNull().defaultTo(false))
		.addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addCheckConstraint('app_user_role', sql`role in ('admin', 'executive', 'cx_lead', 'viewer')`)
		// uniqueness is case-insensitive only if every stored address is already normalised
		.addCheckConstraint('app_user_email_normalised', sql`email = lower(btrim(email))`)
		.execute();

	await db.schema
		.createTable('user_session')
		.addColumn('id', 'text', (c) => c.primaryKey())
		.addColumn('user_id', 'bigint', (c) =>
			c.notNull().references('app_user.user_id').onDelete('cascade')
		)
		.addColumn('created_at', 'timestamptz', (c) => c.notNull())
		.addColumn('expires_at', 'timestamptz', (c) => c.notNull())
		.addColumn('absolute_expires_at', 'timestamptz', (c) => c.notNull())
		.execute();
	await db.schema.createIndex('user_session_user').on('user_session').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	await db.schema.dropTable('user_session').execute();
	await db.schema.dropTable('app_user').execute();
}
