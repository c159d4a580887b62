import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { migrateToLatest } from './migrate';

describe('migrations', () => {
	let database: TestDatabase;
	beforeAll(async () => (database = await openTestDatabase({ migrate: false })));
	afterAll(() => database.close());

	it('create the customer-data schema once and are a no-op the second time', async () => {
		const first = await migrateToLatest(database.db);
		expect(first.applied[0]).toMatch(/^\d{4}_\d\d_\d\d_\d{4}_[a-z_]+$/);
		expect((await migrateToLatest(database.db)).applied).toEqual([]);
	});

	it('put customer_id first in the primary key of every customer-owned table', async () => {
		const { rows } = await sql<{ table_name: string; first_column: string }>`
			select tc.table_name, kcu.column_name as first_column
			from information_schema.table_constraints tc
			join information_schema.key_column_usage kcu
				on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
			where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = 'public'
				and kcu.ordinal_position = 1
				and tc.table_name in (
					select table_name from information_schema.columns
					where column_name = 'origin_customer_id' and table_schema = 'public'
				)
			order by tc.table_name
		`.execute(database.db);
		expect(rows.map((r) => r.table_name)).toEqual([
			'consent',
			'customer_order',
			'identity',
			'interaction_event',
			'program_assignment',
			'service_case',
			'survey_response'
		]);
		// identity is a lookup table keyed by its natural key (source, kind, value)
		for (const row of rows.filter((r) => r.table_name !== 'identity')) {
			expect(row.first_column, row.table_name).toBe('customer_id');
		}
	});

	it('store money as numeric and instants as timestamptz', async () => {
		const { rows } = await sql<{ name: string; data_type: string }>`
			select table_name || '.' || column_name as name, data_type
			from information_schema.columns
			where table_schema = 'public'
				and (column_name in ('amount', 'reporting_amount', 'rate', 'stated_category_spend')
					or column_name like '%\\_at' or column_name like '%\\_on' or column_name = 'day')
		`.execute(database.db);
		expect(rows.length).toBeGreaterThan(20);
		for (const { name, data_type } of rows) {
			if (/_at$/.test(name)) expect(data_type, name).toBe('timestamp with time zone');
			else if (/_on$|\.day$/.test(name)) expect(data_type, name).toBe('date');
			else expect(data_type, name).toBe('numeric');
		}
	});
});
