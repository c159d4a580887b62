import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder, addSurvey } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Worked by hand, UTC, activity window 365 days.
//   A  bought 1 Jan, 1 Feb, 1 Mar 2026, no NPS                 → loyal from 1 Mar
//   B  the same, NPS 5 on 10 Mar 2026                           → detractor: never loyal after it
//   C  bought 10 Mar, 1 Apr, 15 Apr 2025 and 5 Mar 2026         → 31 Mar: 3 days in 365 (loyal);
//                                                                 30 Apr: only 5 Mar left
//   D  bought 1 Mar 2026 only                                   → active, not loyal
//   E  NPS 3 on 1 Mar 2025; bought 1 Jan, 1 Feb, 1 Mar 2026     → the answer is over 365 days old
//                                                                 by 31 Mar 2026: loyal
// 31 Mar: A C E of 5 active; 30 Apr: A E of 5.
describe('loyal-customer-share', () => {
	let database: TestDatabase;
	const now = new Date('2026-05-15T12:00:00Z');
	const month = (from: string, to: string) =>
		evaluateMetric(database.db, { id: 'loyal-customer-share', from, to, now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', activityWindowDays: 365 });
		const buy = async (dates: string[], nps?: [string, number]) => {
			const id = await addCustomer(db);
			for (const date of dates) await addOrder(db, id, `${date}T12:00:00Z`);
			if (nps) await addSurvey(db, id, `${nps[0]}T12:00:00Z`, { nps: nps[1] });
		};
		const threeIn2026 = ['2026-01-01', '2026-02-01', '2026-03-01'];
		await buy(threeIn2026);
		await buy(threeIn2026, ['2026-03-10', 5]);
		await buy(['2025-03-10', '2025-04-01', '2025-04-15', '2026-03-05']);
		await buy(['2026-03-01']);
		await buy(threeIn2026, ['2025-03-01', 3]);
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts the active customers with 3 purchase days in a year and no detractor status', async () => {
		expect(await month('2026-03-01', '2026-03-31')).toMatchObject({
			numerator: 3,
			denominator: 5,
			value: 0.6
		});
		expect(await month('2026-04-01', '2026-04-30')).toMatchObject({
			numerator: 2,
			denominator: 5
		});
		// 15 Mar: B's answer of 10 Mar already counts
		expect(await month('2026-03-15', '2026-03-15')).toMatchObject({ numerator: 3, denominator: 5 });
	});
});
