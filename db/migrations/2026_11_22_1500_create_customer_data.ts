import { sql, type Kysely } from 'kysely';

/**
 * The customer-data model (PRODUCT.md §2). Frozen: later changes come as new migrations.
 * Customer-owned tables have `customer_id` first in their primary key (the Citus distribution
 * column) and keep `origin_customer_id` as ingested; natural keys live in lookup tables.
 * Instants are timestamptz; a value the source gave as a date only is also kept as a date (`*_on`).
 */
export async function up(db: Kysely<any>): Promise<void> {
	await db.schema
		.createTable('setting')
		.addColumn('key', 'text', (c) => c.primaryKey())
		.addColumn('value', 'jsonb', (c) => c.notNull())
		.addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();

	await db.schema
		.createTable('source')
		.addColumn('source', 'text', (c) => c.primaryKey())
		.addColumn('label', 'text')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addCheckConstraint('source_name', sql`source ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$'`)
		.execute();

	await db.schema
		.createTable('customer')
		.addColumn('customer_id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('name', 'text')
		.addColumn('region', 'text')
		.addColumn('acquisition_channel', 'text')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('first_order_at', 'timestamptz')
		.addColumn('first_order_on', 'date')
		.addColumn('merged_into', 'bigint')
		.addColumn('erased_at', 'timestamptz')
		.execute();

	// identity(source, kind, value) → customer: the producer's customer_ref (kind 'ref'), emails
	// (lower case), phones (E.164) and external ids. Keyed by the natural key: a reference table.
	await db.schema
		.createTable('identity')
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('value', 'text', (c) => c.notNull())
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('origin_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('identity_pkey', ['source', 'kind', 'value'])
		.addCheckConstraint('identity_kind', sql`kind in ('ref', 'email', 'phone', 'external')`)
		.execute();
	await db.schema.createIndex('identity_value').on('identity').columns(['kind', 'value']).execute();
	await db.schema.createIndex('identity_customer').on('identity').column('customer_id').execute();

	await db.schema
		.createTable('identity_blocklist')
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('value', 'text', (c) => c.notNull())
		.addColumn('reason', 'text')
		.addPrimaryKeyConstraint('identity_blocklist_pkey', ['kind', 'value'])
		.execute();
	await db
		.insertInto('identity_blocklist')
		.values([
			{ kind: 'email', value: 'test@test.com', reason: 'test address' },
			{ kind: 'email', value: 'test@example.com', reason: 'test address' },
			{ kind: 'email', value: 'noreply@example.com', reason: 'placeholder address' },
			{ kind: 'phone', value: '+0000000000', reason: 'all-zero phone' },
			{ kind: 'phone', value: '+10000000000', reason: 'all-zero phone' }
		])
		.execute();

	// ingest_key(source, entity, ref) → row: consulted before every write so a re-sent record is
	// stored once, even after its customer was merged. `digest` tells identical re-sends apart from
	// conflicting ones.
	await db.schema
		.createTable('ingest_key')
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('entity', 'text', (c) => c.notNull())
		.addColumn('ref', 'text', (c) => c.notNull())
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('row_id', 'bigint', (c) => c.notNull())
		.addColumn('digest', 'text', (c) => c.notNull())
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('ingest_key_pkey', ['source', 'entity', 'ref'])
		.execute();

	await db.schema
		.createTable('customer_merge')
		.addColumn('merge_id', 'bigint', (c) => c.generatedByDefaultAsIdentity().primaryKey())
		.addColumn('from_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('into_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('merged_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addColumn('merged_by', 'text', (c) => c.notNull())
		.addColumn('reason', 'text')
		.addColumn('undone_at', 'timestamptz')
		.execute();
	await db.schema
		.createIndex('customer_merge_from')
		.on('customer_merge')
		.column('from_customer_id')
		.execute();

	// Units of the reporting currency per unit of `currency`, from `day` on.
	await db.schema
		.createTable('fx_rate')
		.addColumn('currency', 'char(3)', (c) => c.notNull())
		.addColumn('day', 'date', (c) => c.notNull())
		.addColumn('rate', 'numeric', (c) => c.notNull().check(sql`rate > 0`))
		.addPrimaryKeyConstraint('fx_rate_pkey', ['currency', 'day'])
		.execute();

	await db.schema
		.createTable('customer_order')
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('order_id', 'bigint', (c) => c.generatedByDefaultAsIdentity())
		.addColumn('origin_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('order_ref', 'text', (c) => c.notNull())
		.addColumn('kind', 'text', (c) => c.notNull())
		.addColumn('amount', 'numeric', (c) => c.notNull())
		.addColumn('currency', 'char(3)', (c) => c.notNull())
		.addColumn('reporting_amount', 'numeric', (c) => c.notNull())
		.addColumn('channel', 'text')
		.addColumn('refers_to', 'text')
		.addColumn('ordered_at', 'timestamptz', (c) => c.notNull())
		.addColumn('ordered_on', 'date')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('customer_order_pkey', ['customer_id', 'order_id'])
		.addCheckConstraint('customer_order_kind', sql`kind in ('order', 'refund', 'cancellation')`)
		.execute();
	await db.schema
		.createIndex('customer_order_ordered_at')
		.on('customer_order')
		.columns(['ordered_at', 'customer_id'])
		.execute();

	await db.schema
		.createTable('interaction_event')
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('event_id', 'bigint', (c) => c.generatedByDefaultAsIdentity())
		.addColumn('origin_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('event_ref', 'text', (c) => c.notNull())
		.addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
		.addColumn('occurred_on', 'date')
		.addColumn('channel', 'text', (c) => c.notNull())
		.addColumn('type', 'text', (c) => c.notNull())
		.addColumn('message_ref', 'text')
		.addColumn('message_purpose', 'text')
		.addColumn('machine_open', 'boolean')
		.addColumn('machine_click', 'boolean')
		.addColumn('user_agent', 'text')
		.addColumn('properties', 'jsonb')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('interaction_event_pkey', ['customer_id', 'event_id'])
		.addCheckConstraint(
			'interaction_event_type',
			sql`type in ('sent', 'delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'complained', 'visit', 'call', 'chat', 'portal_login', 'referral', 'review')`
		)
		.addCheckConstraint(
			'interaction_event_purpose',
			sql`message_purpose in ('marketing', 'transactional', 'service')`
		)
		.execute();
	await db.schema
		.createIndex('interaction_event_occurred_at')
		.on('interaction_event')
		.columns(['occurred_at', 'customer_id'])
		.execute();
	await db.schema
		.createIndex('interaction_event_message')
		.on('interaction_event')
		.columns(['customer_id', 'channel', 'message_ref'])
		.where(sql.ref('message_ref'), 'is not', null)
		.execute();

	await db.schema
		.createTable('service_case')
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('case_id', 'bigint', (c) => c.generatedByDefaultAsIdentity())
		.addColumn('origin_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('case_ref', 'text', (c) => c.notNull())
		.addColumn('opened_at', 'timestamptz', (c) => c.notNull())
		.addColumn('first_response_at', 'timestamptz')
		.addColumn('resolved_at', 'timestamptz')
		.addColumn('channel', 'text')
		.addColumn('contacts', 'integer', (c) =>
			c
				.notNull()
				.defaultTo(1)
				.check(sql`contacts >= 0`)
		)
		.addColumn('reopened', 'boolean', (c) => c.notNull().defaultTo(false))
		.addColumn('csat', 'smallint', (c) => c.check(sql`csat between 1 and 5`))
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('service_case_pkey', ['customer_id', 'case_id'])
		.execute();
	await db.schema
		.createIndex('service_case_opened_at')
		.on('service_case')
		.column('opened_at')
		.execute();

	await db.schema
		.createTable('survey_response')
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('response_id', 'bigint', (c) => c.generatedByDefaultAsIdentity())
		.addColumn('origin_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('response_ref', 'text', (c) => c.notNull())
		.addColumn('responded_at', 'timestamptz', (c) => c.notNull())
		.addColumn('responded_on', 'date')
		.addColumn('nps', 'smallint', (c) => c.check(sql`nps between 0 and 10`))
		.addColumn('csat', 'smallint', (c) => c.check(sql`csat between 1 and 5`))
		.addColumn('effort', 'smallint', (c) => c.check(sql`effort between 1 and 7`))
		.addColumn('stated_category_spend', 'numeric', (c) => c.check(sql`stated_category_spend >= 0`))
		.addColumn('comment', 'text')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('survey_response_pkey', ['customer_id', 'response_id'])
		.execute();
	await db.schema
		.createIndex('survey_response_responded_at')
		.on('survey_response')
		.column('responded_at')
		.execute();

	await db.schema
		.createTable('consent')
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('consent_id', 'bigint', (c) => c.generatedByDefaultAsIdentity())
		.addColumn('origin_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('channel', 'text', (c) => c.notNull())
		.addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('opted_in', 'opted_out')`))
		.addColumn('changed_at', 'timestamptz', (c) => c.notNull())
		.addColumn('changed_on', 'date')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('consent_pkey', ['customer_id', 'consent_id'])
		.execute();

	await db.schema
		.createTable('program')
		.addColumn('program', 'text', (c) => c.primaryKey())
		.addColumn('label', 'text')
		.addColumn('measurement_window_days', 'integer', (c) =>
			c
				.notNull()
				.defaultTo(14)
				.check(sql`measurement_window_days > 0`)
		)
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.execute();

	await db.schema
		.createTable('program_assignment')
		.addColumn('customer_id', 'bigint', (c) => c.notNull())
		.addColumn('program', 'text', (c) => c.notNull().references('program.program'))
		.addColumn('origin_customer_id', 'bigint', (c) => c.notNull())
		.addColumn('source', 'text', (c) => c.notNull().references('source.source'))
		.addColumn('arm', 'text', (c) => c.notNull())
		.addColumn('assigned_at', 'timestamptz', (c) => c.notNull())
		.addColumn('assigned_on', 'date')
		.addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
		.addPrimaryKeyConstraint('program_assignment_pkey', ['customer_id', 'program'])
		.execute();
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const table of [
		'program_assignment',
		'program',
		'consent',
		'survey_response',
		'service_case',
		'interaction_event',
		'customer_order',
		'fx_rate',
		'customer_merge',
		'ingest_key',
		'identity_blocklist',
		'identity',
		'customer',
		'source',
		'setting'
	]) {
		await db.schema.dropTable(table).execute();
	}
}
