import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Worked by hand, UTC, activity window 365 days. Tenure = days since the first purchase / 30.4375.
//   A  bought 1 Jan 2025 and 1 Dec 2025      31 Mar 2026: 454 d = 14.9 → 14 · 30 Apr: 484 d → 15
//   B  bought 1 Mar 2026                      30 d → 0 · 60 d → 1
//   C  first order 1 Jan 2020 (from the source), bought 15 Feb 2026   2281 d → 74 · 2311 d → 75
//   D  bought 1 Dec 2024 only: lapsed 1 Dec 2025, not active
//   E  bought 30 Nov 2025                     121 d → 3 · 151 d → 4
// March: 0, 3, 14, 74 → the 2nd of 4 is 3 months; April: 1, 4, 15, 75 → 4 months.
describe('tenure', () => {
	let database: TestDatabase;
	const now = new Date('2026-05-15T12:00:00Z');
	const month = (from: string, to: string) =>
		evaluateMetric(database.db, { id: 'tenure', from, to, now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', activityWindowDays: 365 });
		const buy = async (dates: string[], options: { firstOrderAt?: string } = {}) => {
			const id = await addCustomer(db, options);
			for (const date of dates) await addOrder(db, id, `${date}T12:00:00Z`);
		};
		await buy(['2025-01-01', '2025-12-01']);
		await buy(['2026-03-01']);
		await buy(['2026-02-15'], { firstOrderAt: '2020-01-01T12:00:00Z' });
		await buy(['2024-12-01']);
		await buy(['2025-11-30']);
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('gives the median active customer’s whole months since the first purchase', async () => {
		const march = await month('2026-03-01', '2026-03-31');
		expect(march).toMatchObject({ value: 3.5, n: 4, unit: 'months' });
		expect(march.extra).toMatchObject({ binFromMonths: 3, binToMonths: 4, resolution: '1 month' });
		expect(march.extra.distribution).toEqual([
			{ fromMonths: 0, customers: 1 },
			{ fromMonths: 3, customers: 1 },
			{ fromMonths: 14, customers: 1 },
			{ fromMonths: 74, customers: 1 }
		]);
		expect(await month('2026-04-01', '2026-04-30')).toMatchObject({ value: 4.5, n: 4 });
	});
});
