import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Worked by hand. America/New_York, activity window W = 30 days. March 2026: the base is who bought
// between 30 Jan and 28 Feb (active on 28 Feb); a purchase day L lapses on L + 30 unless another
// purchase comes on L+1 … L+30. The history starts on 10 Jan (customer Z).
describe('churn-rate', () => {
	let database: TestDatabase;
	const at = (date: string, time = '12:00:00') => `${date}T${time}-05:00`;
	const metric = (from: string, to: string, now: Date, compare?: string) =>
		evaluateMetric(database.db, {
			id: 'churn-rate',
			from,
			to,
			now,
			...(compare ? { compare } : {})
		});

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'America/New_York', activityWindowDays: 30 });
		const buy = async (dates: string[], kind?: 'refund') => {
			const id = await addCustomer(db);
			for (const date of dates) {
				await addOrder(db, id, date.includes('T') ? date : at(date), kind ? { kind } : {});
			}
		};
		await buy(['2026-01-10']); // Z: history start; lapsed 9 Feb, before March's base
		await buy(['2026-02-10']); // A: base; lapses 12 Mar
		await buy(['2026-02-10', '2026-03-05']); // B: base; renewed 5 Mar, lapses 4 Apr
		await buy(['2026-01-29']); // C: lapsed on 28 Feb: not active on it, not in the base
		await buy(['2026-01-30']); // D: base (its last active day); lapses 1 Mar
		await buy(['2026-03-01']); // E: first purchase in March: not in the base
		await buy(['2026-02-28T23:59:00-05:00']); // F: base; lapses 30 Mar
		await buy(['2026-02-01', '2026-03-03']); // G: base; buys again on L+30 itself: no lapse
		await buy(['2026-02-15'], 'refund'); // H: a refund is no purchase: not in the base
		await buy(['2026-02-20', '2026-03-01']); // I: base; renewed 1 Mar, lapses 31 Mar
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts the base on the day before the month and the lapses in it', async () => {
		const march = await metric('2026-03-01', '2026-03-31', new Date('2026-05-01T12:00:00Z'));
		// base A B D F G I = 6; lapsed A (12 Mar), D (1 Mar), F (30 Mar), I (31 Mar) = 4
		expect(march).toMatchObject({ numerator: 4, denominator: 6, n: 6 });
		expect(march.value).toBeCloseTo(4 / 6, 12);
		expect(march.extra).toMatchObject({ activeOn: '2026-02-28', windowDays: 30 });
		expect(march.status).toBe('not-enough-data');
	});

	it('counts only the lapses up to today while the month runs', async () => {
		// 15 Mar 2026 14:00 EDT: lapses so far are D (1 Mar) and A (12 Mar)
		const toDate = await metric('2026-03-01', '2026-03-31', new Date('2026-03-15T18:00:00Z'));
		expect(toDate.period).toMatchObject({ to: '2026-03-15', partial: true });
		expect(toDate).toMatchObject({ numerator: 2, denominator: 6 });
	});

	it('flags a base window before the history start, and is empty without a base', async () => {
		// February: base = bought 30 Dec – 30 Jan = Z (10 Jan), C (29 Jan), D (30 Jan); Z lapsed 9 Feb,
		// C lapsed 28 Feb; D lapses 1 Mar. History starts 10 Jan, after 31 Dec: incomplete.
		const feb = await metric('2026-02-01', '2026-02-28', new Date('2026-05-01T12:00:00Z'));
		expect(feb).toMatchObject({ numerator: 2, denominator: 3 });
		expect(feb.extra.historyIncomplete).toBe(true);
		const january = await metric('2026-01-01', '2026-01-09', new Date('2026-05-01T12:00:00Z'));
		expect(january.value).toBeNull();
	});
});
