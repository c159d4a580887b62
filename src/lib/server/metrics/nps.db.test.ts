import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addSurvey } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';
import { roundNps } from './nps';

describe('nps', () => {
	let database: TestDatabase;
	const now = new Date('2026-06-15T12:00:00Z');
	const metric = (from: string, to: string) =>
		evaluateMetric(database.db, { id: 'nps', from, to, now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'Asia/Tokyo' }); // UTC+9, no DST
		// April 2026 in Tokyo: 8 customers. Latest answers: 10, 9, 9 (promoters), 8, 7 (passives),
		// 6, 0, 3 (detractors) → 100 × (3 − 3) / 8 = 0. Customer 1 first said 2 (superseded).
		const scores = [10, 9, 9, 8, 7, 6, 0, 3];
		for (const [i, score] of scores.entries()) {
			const id = await addCustomer(db);
			if (i === 0) await addSurvey(db, id, '2026-04-02T10:00:00+09:00', { nps: 2 });
			await addSurvey(db, id, '2026-04-20T10:00:00+09:00', { nps: score });
			if (i === 1) await addSurvey(db, id, '2026-04-25T10:00:00+09:00', { csat: 5 }); // no nps
		}
		// 1 May 00:30 in Tokyo is still 30 April in UTC: counts in May, not April.
		const may = await addCustomer(db);
		await addSurvey(db, may, '2026-05-01T00:30:00+09:00', { nps: 10 });
		// May: 10 (above), 10, 6 → promoters 2, detractors 1 of 3: 33.33… → 33
		for (const score of [10, 6]) {
			await addSurvey(db, await addCustomer(db), '2026-05-10T12:00:00+09:00', { nps: score });
		}
	});
	afterAll(() => database.close());

	it('counts each customer’s latest non-empty answer in the period', async () => {
		const april = await metric('2026-04-01', '2026-04-30');
		expect(april).toMatchObject({ value: 0, denominator: 8, n: 8, numerator: null });
		expect(april.extra).toMatchObject({ promoters: 3, passives: 2, detractors: 3, responses: 8 });
		expect(april.status).toBe('not-enough-data');
	});

	it('uses local dates and rounds to an integer', async () => {
		const may = await metric('2026-05-01', '2026-05-31');
		expect(may).toMatchObject({ value: 33, n: 3 });
		expect(may.compare).toMatchObject({ from: '2026-04-01', to: '2026-04-30', value: 0 });
		expect(may.asOf).toBe('2026-05-10T03:00:00.000Z');
	});

	it('is empty with what to do when nobody answered', async () => {
		const march = await metric('2026-03-01', '2026-03-31');
		expect(march.value).toBeNull();
		expect(String(march.extra.reason)).toMatch(/survey responses with an nps answer/);
	});
});

describe('roundNps', () => {
	it('rounds half away from zero', () => {
		expect(roundNps(5, 4, 8)).toBe(13); // 12.5
		expect(roundNps(4, 5, 8)).toBe(-13); // −12.5
		expect(roundNps(1, 0, 3)).toBe(33); // 33.3…
		expect(roundNps(2, 0, 3)).toBe(67); // 66.6…
		expect(roundNps(0, 1, 200)).toBe(-1); // −0.5
		expect(roundNps(1, 1, 7)).toBe(0);
	});
});
