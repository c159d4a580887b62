import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addSurvey } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Worked by hand, America/New_York. Each customer counts once, with their latest non-empty answer
// to the question in the period.
//   A  3 Mar: CSAT 5, effort 6 · 20 Mar: CSAT 2, no effort   → March CSAT 2, effort 6
//   B  10 Mar: CSAT 4, effort 3                               → March CSAT 4, effort 3
//   C  31 Mar 23:30: effort 7 only                            → March effort 7
//   D  1 Apr 00:10: CSAT 5                                    → April
// March: CSAT 1 of 2 satisfied; effort (6 + 3 + 7) / 3. 1–15 March: CSAT A 5, B 4 → 2 of 2;
// effort (6 + 3) / 2.
describe('CSAT and effort score', () => {
	let database: TestDatabase;
	const now = new Date('2026-05-01T12:00:00Z');
	const run = (id: string, from: string, to: string) =>
		evaluateMetric(database.db, { id, from, to, now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'America/New_York' });
		const [a, b, c, d] = [
			await addCustomer(db),
			await addCustomer(db),
			await addCustomer(db),
			await addCustomer(db)
		];
		await addSurvey(db, a, '2026-03-03T12:00:00-05:00', { csat: 5, effort: 6 });
		await addSurvey(db, a, '2026-03-20T12:00:00-04:00', { csat: 2 });
		await addSurvey(db, b, '2026-03-10T12:00:00-04:00', { csat: 4, effort: 3 });
		await addSurvey(db, c, '2026-03-31T23:30:00-04:00', { effort: 7 });
		await addSurvey(db, d, '2026-04-01T00:10:00-04:00', { csat: 5 });
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('takes each customer’s latest answer in a month (from the rollups)', async () => {
		const march = await run('csat', '2026-03-01', '2026-03-31');
		expect(march).toMatchObject({ numerator: 1, denominator: 2, n: 2, value: 0.5 });
		const effort = await run('effort-score', '2026-03-01', '2026-03-31');
		expect(effort).toMatchObject({ numerator: 16, denominator: 3, unit: 'score' });
		expect(effort.value).toBeCloseTo(16 / 3, 12);
		expect(await run('csat', '2026-04-01', '2026-04-30')).toMatchObject({ numerator: 1 });
	});

	it('does the same over a custom range (from the answers)', async () => {
		expect(await run('csat', '2026-03-01', '2026-03-15')).toMatchObject({
			numerator: 2,
			denominator: 2
		});
		expect(await run('effort-score', '2026-03-01', '2026-03-15')).toMatchObject({
			numerator: 9,
			denominator: 2,
			value: 4.5
		});
	});
});
