import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Worked by hand, UTC.
//   A  created 1 Mar 2026; shop identity 1 Mar, CRM identity 10 Mar   → complete from 10 Mar
//   B  created 5 Mar; an e-mail and a reference, both from the shop    → one source: not complete
//   C  created 1 Apr                                                   → not known in March
//   D  created 1 Feb, merged into A                                    → left out
// 31 Mar: 1 of 2 complete; 5 Mar: 0 of 2.
describe('scv-completeness', () => {
	let database: TestDatabase;
	const now = new Date('2026-05-01T12:00:00Z');
	const range = (from: string, to: string) =>
		evaluateMetric(database.db, { id: 'scv-completeness', from, to, now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC' });
		await sql`insert into source (source) values ('shop'), ('crm') on conflict do nothing`.execute(
			db
		);
		const customer = async (created: string) =>
			(
				await db
					.insertInto('customer')
					.values({ source: 'shop', created_at: `${created}T12:00:00Z` })
					.returning('customer_id')
					.executeTakeFirstOrThrow()
			).customer_id;
		const identity = (id: number, source: string, kind: 'ref' | 'email', at: string) =>
			db
				.insertInto('identity')
				.values({
					source,
					kind,
					value: `${source}-${kind}-${id}`,
					customer_id: id,
					origin_customer_id: id,
					created_at: `${at}T12:00:00Z`
				})
				.execute();
		const a = await customer('2026-03-01');
		await identity(a, 'shop', 'ref', '2026-03-01');
		await identity(a, 'crm', 'ref', '2026-03-10');
		const b = await customer('2026-03-05');
		await identity(b, 'shop', 'ref', '2026-03-05');
		await identity(b, 'shop', 'email', '2026-03-05');
		await customer('2026-04-01');
		const d = await customer('2026-02-01');
		await db.updateTable('customer').set({ merged_into: a }).where('customer_id', '=', d).execute();
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts the customers known by the day with identities from two sources', async () => {
		expect(await range('2026-03-01', '2026-03-31')).toMatchObject({
			numerator: 1,
			denominator: 2,
			value: 0.5
		});
		expect(await range('2026-03-05', '2026-03-05')).toMatchObject({ numerator: 0, denominator: 2 });
	});
});
