import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder, addSurvey } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { loadBoard } from './board';

// UTC, now = 15 Jun 2026 12:00. Every month from Jan 2025 to Jun 2026 two customers buy for the
// first time on the 10th; one of them again on the 20th. NPS answers only from March 2026.
describe('the executive board', () => {
	let database: TestDatabase;
	const now = new Date('2026-06-15T12:00:00Z');

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', historyStart: '2024-01-01' });
		for (let i = 0; i < 18; i++) {
			const month = `${2025 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
			const once = await addCustomer(db);
			await addOrder(db, once, `${month}-10T10:00:00Z`);
			const twice = await addCustomer(db);
			await addOrder(db, twice, `${month}-10T10:00:00Z`);
			await addOrder(db, twice, `${month}-20T10:00:00Z`); // Jun 2026: after "now"
			if (month >= '2026-03') {
				for (const score of [10, 9, 5, 8]) {
					await addSurvey(db, await addCustomer(db), `${month}-05T10:00:00Z`, { nps: score });
				}
			}
		}
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('shows the current month to date with the headline tiles', async () => {
		const board = await loadBoard(database.db, { now });
		expect(board.period).toMatchObject({ kind: 'month', from: '2026-06-01', to: '2026-06-15' });
		expect(board.period.partial).toBe(true);
		expect(board.tiles.map((t) => t.id)).toEqual([
			'active-customers',
			'repeat-purchase-rate',
			'churn-rate',
			'revenue-at-risk',
			'nps',
			'human-engagement-rate',
			'share-of-wallet',
			'average-clv',
			'conflicting-contacts'
		]);
		expect(board.problem).toBeNull();
	});

	it('counts active customers and marks the partial period in the sparkline', async () => {
		const { tiles } = await loadBoard(database.db, { now });
		const active = tiles[0]!;
		// Orders in the 365 days to 15 Jun 2026 (from 16 Jun 2025): the 10ths of Jul 2025 – Jun 2026,
		// 2 customers each, and June 2025's repeat buyer on 20 Jun 2025 = 25.
		expect(active.value).toBe(25);
		expect(active.series).toHaveLength(12);
		expect(active.series[11]).toMatchObject({ from: '2026-06-01', partial: true, value: 25 });
		expect(active.series[0]).toMatchObject({ from: '2025-07-01', partial: false });
		expect(active.series[0]!.value).toBe(14); // end of Jul 2025: Jan–Jul 2025
		// Compared with May cut at the same elapsed time (1–15 May 12:00), window from 16 May 2025:
		// the 10ths of Jun 2025 – May 2026 and May 2025's repeat buyer (20 May) = 25.
		expect(active.compare).toMatchObject({ label: '1–15 May 2026', value: 25, delta: 0 });
	});

	it('shows the latest fully matured cohort for the repeat purchase rate, named', async () => {
		const { tiles } = await loadBoard(database.db, { now });
		const repeat = tiles[1]!;
		// Newest data: 10 Jun 2026. March's first purchases (10 Mar) matured on 9 Jun; April's not.
		expect(repeat.periodLabel).toBe('Mar 2026 cohort');
		expect(repeat).toMatchObject({ value: 0.5, numerator: 1, denominator: 2, n: 2 });
		expect(repeat.series.at(-1)).toMatchObject({ from: '2026-03-01', value: 0.5 });
		expect(repeat.series[0]).toMatchObject({ from: '2025-04-01', value: 0.5 });
		expect(repeat.compare).toMatchObject({ value: 0.5, delta: 0 });
	});

	it('leaves gaps in the sparkline before the first data', async () => {
		const { tiles } = await loadBoard(database.db, { now });
		const nps = tiles.find((t) => t.id === 'nps')!;
		// 10, 9, 5, 8 → 2 promoters, 1 detractor of 4 → +25.
		expect(nps.value).toBe(25);
		expect(nps.basis).toBe('2 promoters, 1 passive and 1 detractor among 4 answers');
		expect(nps.series.map((p) => p.value)).toEqual([
			null,
			null,
			null,
			null,
			null,
			null,
			null,
			null,
			25,
			25,
			25,
			25
		]);
		expect(nps.status).toBe('not-enough-data');
	});

	it('follows the period and comparison in the request', async () => {
		const board = await loadBoard(database.db, {
			now,
			from: '2026-03-01',
			to: '2026-03-31',
			compare: 'year'
		});
		expect(board.period).toMatchObject({ kind: 'month', label: 'Mar 2026', partial: false });
		expect(board.tiles[0]!.compare).toMatchObject({ basis: 'year', label: 'Mar 2025' });
		// End of Mar 2026: Apr 2025 – Mar 2026 = 24; end of Mar 2025: Jan – Mar 2025 = 6.
		expect(board.tiles[0]).toMatchObject({ value: 24, compare: { value: 6, delta: 18 } });
	});

	it('falls back to this month with a sentence when the period is not usable', async () => {
		const board = await loadBoard(database.db, { now, from: '2026-05-10', to: '2026-05-01' });
		expect(board.problem).toMatch(/after the end date.*Showing this month instead\.$/);
		expect(board.period.from).toBe('2026-06-01');
	});

	it('offers 24 months, 8 quarters and 5 years in the picker', async () => {
		const { options } = await loadBoard(database.db, { now });
		expect(options.filter((o) => o.kind === 'month')).toHaveLength(24);
		expect(options.filter((o) => o.kind === 'quarter')[0]).toMatchObject({
			from: '2026-04-01',
			to: '2026-06-30'
		});
		expect(options.filter((o) => o.kind === 'year').map((o) => o.label)).toEqual([
			'2026 to date',
			'2025',
			'2024',
			'2023',
			'2022'
		]);
	});

	it('draws the cohort curve from the 12 cohorts before the month, and the NPS-retention trend', async () => {
		const board = await loadBoard(database.db, { now });
		// Cohorts Jun 2025 – May 2026, two customers each, who never buy in a later month.
		const curve = board.cohortCurve;
		expect(curve).toMatchObject({ cohorts: 12, customers: 24, label: 'Jun 2025 – May 2026' });
		expect(curve?.points[0]).toEqual({ month: 0, share: 1, customers: 24 });
		// Month 1 has ended for the cohorts up to Apr 2026 (11), month 11 only for Jun 2025.
		expect(curve?.points[1]).toEqual({ month: 1, share: 0, customers: 22 });
		expect(curve?.points[11]).toEqual({ month: 11, share: 0, customers: 2 });
		expect(curve?.points).toHaveLength(12);

		// Jul 2025 – Jun 2026. NPS from March: 10, 9, 5, 8 → 100 × (2 − 1) / 4 = 25. Repeat: one of
		// each month's two first purchasers came back within 90 days; matured up to March's cohort
		// (10 Mar + 91 days ≤ 10 Jun, the newest order before "now").
		const trend = board.trend;
		expect(trend?.periods.map((p) => p.label)[0]).toBe('Jul 2025');
		expect(trend?.nps).toEqual([null, null, null, null, null, null, null, null, 25, 25, 25, 25]);
		expect(trend?.repeat).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, null, null, null]);
	});
});
