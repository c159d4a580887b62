import { describe, expect, it } from 'vitest';
import type { CohortRow } from '../metrics/cohort-retention';
import {
	chartedCohort,
	COHORT_FORMS,
	heatRows,
	lastDayOfMonth,
	noProjectionReason,
	parseCohortQuery,
	pickCohort
} from './cohorts';

const TODAY = '2026-11-23';

function row(cohort: string, months: number, projected = false): CohortRow {
	const shares = Array.from({ length: months }, (_, k) => 1 - k / 100);
	return {
		cohort,
		customers: 10,
		inMonth: shares,
		orLater: shares,
		revenue: shares.map((s) => s * 2),
		neverLapsed: shares,
		projection: projected ? { alpha: 1, beta: 2, base: 11, values: [] } : null
	};
}

describe('the cohort page’s URL', () => {
	it('shows the 24 whole months before this one by default, bought in month k', () => {
		const query = parseCohortQuery({}, TODAY);
		expect(query).toEqual({
			fromMonth: '2024-11',
			toMonth: '2026-10',
			form: COHORT_FORMS[0],
			cohort: null,
			problems: []
		});
	});

	it('takes months, or dates within them, and a form by its name', () => {
		const query = parseCohortQuery(
			{ from: '2025-02', to: '2025-06-30', form: 'never-lapsed', cohort: '2025-03' },
			TODAY
		);
		expect(query.fromMonth).toBe('2025-02');
		expect(query.toMonth).toBe('2025-06');
		expect(query.form.key).toBe('neverLapsed');
		expect(query.cohort).toBe('2025-03');
		expect(query.problems).toEqual([]);
	});

	it('fills a missing end with the last whole month, a missing start with 24 months back', () => {
		expect(parseCohortQuery({ from: '2026-01' }, TODAY)).toMatchObject({
			fromMonth: '2026-01',
			toMonth: '2026-10'
		});
		// this month alone, when it is the start
		expect(parseCohortQuery({ from: '2026-11' }, TODAY)).toMatchObject({
			fromMonth: '2026-11',
			toMonth: '2026-11'
		});
		expect(parseCohortQuery({ to: '2025-12' }, TODAY)).toMatchObject({
			fromMonth: '2024-01',
			toMonth: '2025-12'
		});
		// an end in the future is this month: no cohort can start later
		expect(parseCohortQuery({ from: '2026-01', to: '2030-01' }, TODAY)).toMatchObject({
			toMonth: '2026-11',
			problems: []
		});
	});

	it.each([
		[{ from: 'last year' }, /The start month "last year" is not a month; write it as YYYY-MM/],
		[{ from: '2025-13' }, /not a month/],
		[{ from: '2025-02-30' }, /"2025-02-30" is not a real calendar date/],
		[{ from: '2026-12' }, /The start month Dec 2026 is in the future \(this month is Nov 2026\)/],
		[{ from: '2026-03', to: '2026-01' }, /Mar 2026 is after the end month Jan 2026/],
		[{ from: '2000-01', to: '2026-01' }, /at most 120 months of cohorts, not 313/]
	])('says what is wrong with %o and shows the default months', (params, message) => {
		const query = parseCohortQuery(params, TODAY);
		expect(query.problems).toHaveLength(1);
		expect(query.problems[0]).toMatch(message);
		expect(query.problems[0]).toMatch(/Showing the last 24 whole months instead\.$/);
		expect(query).toMatchObject({ fromMonth: '2024-11', toMonth: '2026-10' });
	});

	it('names the forms there are when the form is unknown', () => {
		const query = parseCohortQuery({ form: 'weekly' }, TODAY);
		expect(query.form.id).toBe('in-month');
		expect(query.problems).toEqual([
			'There is no form "weekly"; the forms are in-month, or-later, revenue, never-lapsed. Showing “Bought in month k”.'
		]);
	});

	it('knows the last day of every month', () => {
		expect(lastDayOfMonth('2024-02')).toBe('2024-02-29');
		expect(lastDayOfMonth('2025-02')).toBe('2025-02-28');
		expect(lastDayOfMonth('2026-12')).toBe('2026-12-31');
		expect(lastDayOfMonth('2026-04')).toBe('2026-04-30');
	});
});

describe('the cohort page’s shaping', () => {
	const rows = [row('2024-01', 3), row('2024-02', 20, true), row('2024-03', 19, true)];

	it('gives the chosen form’s shares, as long as the longest row', () => {
		const heat = heatRows([row('2024-01', 3), row('2024-02', 1)], COHORT_FORMS[2], 3);
		expect(heat).toEqual([
			{ cohort: '2024-01', label: 'Jan 2024', customers: 10, shares: [2, 1.98, 1.96] },
			{ cohort: '2024-02', label: 'Feb 2024', customers: 10, shares: [2, null, null] }
		]);
	});

	it('charts the cohort asked for, else the oldest projected one, else the oldest', () => {
		expect(pickCohort(rows, '2024-03')).toEqual({ cohort: rows[2], problem: null });
		expect(pickCohort(rows, null)).toEqual({ cohort: rows[1], problem: null });
		expect(pickCohort([rows[0]!], null).cohort).toBe(rows[0]);
		expect(pickCohort([], '2024-01')).toEqual({ cohort: null, problem: null });
		expect(pickCohort(rows, '2023-05')).toEqual({
			cohort: rows[1],
			problem: 'There is no May 2023 cohort among those shown; charting Feb 2024 instead.'
		});
	});

	it('says how many months a projection still needs', () => {
		// W = 365: months 0–11 are lapse-free, so 12 + 6 = 18 ended months are needed
		expect(noProjectionReason(row('2025-06', 9), 365)).toBe(
			'Not enough history to project this cohort: a projection needs 6 months after its first 12 lapse-free months, 18 ended months in all, and 9 have ended.'
		);
		expect(noProjectionReason(row('2025-06', 1), 365)).toMatch(/and 1 has ended\.$/);
		// W = 90 days from 1 Jun: no one can lapse before 30 Aug, so months 0–1 are lapse-free
		expect(noProjectionReason(row('2025-06', 5), 90)).toMatch(
			/6 months after its first 2 lapse-free months, 8 ended months in all, and 5 have ended/
		);
		// enough months, yet no projection: the fit refused the curve
		expect(noProjectionReason(row('2024-01', 20), 365)).toMatch(/cannot be fitted/);
	});

	it('runs the chart of an unprojected cohort on to the months a projection needs', () => {
		expect(chartedCohort(row('2025-06', 9), 365)).toMatchObject({
			label: 'Jun 2025',
			noProjection: expect.stringMatching(/^Not enough history/),
			monthsNeeded: 18
		});
		expect(chartedCohort(row('2024-01', 20), 365).monthsNeeded).toBeNull();
		expect(chartedCohort(row('2024-02', 20, true), 365)).toMatchObject({
			noProjection: null,
			monthsNeeded: null
		});
	});
});
