import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Worked by hand, in UTC. A statement's share: net revenue in the 365 days up to it / stated spend.
//   A  orders 100 (1 Jun 2025), 50 (10 Jan 2026); states 600 on 1 Feb 2026        → 150/600 = 25%
//   B  order 300 (15 Jan 2026); states 200 on 10 Feb (150%: capped, inconsistent),
//      then 1,000 on 5 Mar                                                        → 30%
//   C  order 10 (1 Mar 2025); states 100 on 20 Mar 2025 → 10%, current until 19 Mar 2026
//   D  states 0: left out
// February 2026 (28 Feb): 10%, 25%, 100% → the 2nd of 3 is in the 25% bin; one inconsistent.
// March 2026 (31 Mar): C's statement is older than 365 days: 25%, 30% → the 1st of 2: 25%.
describe('share-of-wallet', () => {
	let database: TestDatabase;
	const now = new Date('2026-05-01T12:00:00Z');
	const month = (from: string, to: string) =>
		evaluateMetric(database.db, { id: 'share-of-wallet', from, to, now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC' });
		const state = async (customer: number, at: string, spend: string) =>
			sql`insert into survey_response (customer_id, origin_customer_id, source, response_ref,
				responded_at, stated_category_spend)
				values (${customer}, ${customer}, 'fixture', ${`w-${customer}-${at}`}, ${at}, ${spend})`.execute(
				db
			);
		const [a, b, c, d] = [
			await addCustomer(db),
			await addCustomer(db),
			await addCustomer(db),
			await addCustomer(db)
		];
		await addOrder(db, a, '2025-06-01T12:00:00Z', { amount: '100' });
		await addOrder(db, a, '2026-01-10T12:00:00Z', { amount: '50' });
		await state(a, '2026-02-01T12:00:00Z', '600');
		await addOrder(db, b, '2026-01-15T12:00:00Z', { amount: '300' });
		await state(b, '2026-02-10T12:00:00Z', '200');
		await state(b, '2026-03-05T12:00:00Z', '1000');
		await addOrder(db, c, '2025-03-01T12:00:00Z', { amount: '10' });
		await state(c, '2025-03-20T12:00:00Z', '100');
		await state(d, '2026-02-15T12:00:00Z', '0');
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('takes the median customer’s 1-point bin, capping and counting shares above 100%', async () => {
		const february = await month('2026-02-01', '2026-02-28');
		expect(february).toMatchObject({ value: 0.255, n: 3, numerator: null, denominator: null });
		expect(february.extra).toMatchObject({ binFrom: 0.25, binTo: 0.26, inconsistent: 1 });
		expect(february.extra.distribution).toEqual([
			{ from: 0.1, customers: 1 },
			{ from: 0.25, customers: 1 },
			{ from: 1, customers: 1 }
		]);
	});

	it('lets a newer statement replace the older, and drops statements older than 365 days', async () => {
		const march = await month('2026-03-01', '2026-03-31');
		expect(march).toMatchObject({ value: 0.255, n: 2 });
		expect(march.extra).toMatchObject({ inconsistent: 0 });
		expect(march.extra.distribution).toEqual([
			{ from: 0.25, customers: 1 },
			{ from: 0.3, customers: 1 }
		]);
	});
});
