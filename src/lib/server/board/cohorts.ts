import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { demoActivity } from '../demo/runtime';
import { COMPUTING_REASON } from '../metrics/catalog-entry';
import {
	lapseFreeMonths,
	NOT_ENOUGH_HISTORY,
	type CohortRow,
	type RetentionProjection
} from '../metrics/cohort-retention';
import { evaluateTable } from '../metrics/evaluate';
import { addMonths, localDateOf, monthLabel, parseLocalDate, PeriodError } from '../metrics/period';
import { SBG_MINIMUM_PERIODS } from '../models/sbg';
import { getSettings } from '../settings';

/** The four forms of the cohort table (PRODUCT.md §3), by their name in the URL. */
export const COHORT_FORMS = [
	{
		id: 'in-month',
		key: 'inMonth',
		label: 'Bought in month k',
		description: 'the share of each cohort with a purchase in month k after its first purchase'
	},
	{
		id: 'or-later',
		key: 'orLater',
		label: 'Bought in month k or later',
		description: 'the share of each cohort with a purchase in month k or any month after it'
	},
	{
		id: 'revenue',
		key: 'revenue',
		label: 'Revenue (share of month 0)',
		description: 'each cohort’s net revenue in month k as a share of its net revenue in month 0'
	},
	{
		id: 'never-lapsed',
		key: 'neverLapsed',
		label: 'Never lapsed',
		description: 'the share of each cohort not yet lapsed for the first time by the end of month k'
	}
] as const;

export type CohortForm = (typeof COHORT_FORMS)[number];
export type CohortFormId = CohortForm['id'];

/** Cohorts shown when the URL names none: the whole months before the running one. */
export const DEFAULT_MONTHS = 24;
/** More would be a table nobody reads, and a long scan of the rollups. */
export const MAX_MONTHS = 120;

export interface CohortQuery {
	/** 'YYYY-MM', both inclusive. */
	fromMonth: string;
	toMonth: string;
	form: CohortForm;
	/** The cohort the URL asks to chart ('YYYY-MM'), if any. */
	cohort: string | null;
	/** One sentence per part of the URL that could not be used, saying what is shown instead. */
	problems: string[];
}

export interface CohortParams {
	from?: string | null;
	to?: string | null;
	form?: string | null;
	cohort?: string | null;
}

const MONTH_PATTERN = /^(\d{4})-(\d{2})(-\d{2})?$/;

/** 'YYYY-MM' of a month given as 'YYYY-MM' or as one of its dates; a PeriodError otherwise. */
export function parseMonth(text: string, what: string): string {
	const shown = JSON.stringify(text.slice(0, 40));
	const match = MONTH_PATTERN.exec(text.trim());
	const month = Number(match?.[2]);
	if (!match || month < 1 || month > 12 || Number(match[1]) < 1) {
		throw new PeriodError(
			`The ${what} ${shown} is not a month; write it as YYYY-MM, e.g. 2025-01.`
		);
	}
	if (match[3]) {
		try {
			parseLocalDate(text.trim());
		} catch {
			throw new PeriodError(`The ${what} ${shown} is not a real calendar date.`);
		}
	}
	return `${match[1]}-${match[2]}`;
}

/** The number of months from `from` to `to`, both included ('2025-01', '2025-03' → 3). */
export function monthsBetween(from: string, to: string): number {
	const index = (month: string) => Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7));
	return index(to) - index(from) + 1;
}

/**
 * What the URL asks for, checked: the cohorts from `from` to `to` (months; by default the
 * DEFAULT_MONTHS whole months before today's), the table's form and the cohort to chart. A part
 * that cannot be used is reported and replaced by the default, never an error page.
 */
export function parseCohortQuery(params: CohortParams, today: string): CohortQuery {
	const thisMonth = today.slice(0, 7);
	const lastWhole = addMonths(thisMonth, -1);
	const problems: string[] = [];
	let fromMonth = addMonths(thisMonth, -DEFAULT_MONTHS);
	let toMonth = lastWhole;
	const given = (value: string | null | undefined): value is string =>
		typeof value === 'string' && value.trim() !== '';
	if (given(params.from) || given(params.to)) {
		try {
			const from = given(params.from) ? parseMonth(params.from, 'start month') : null;
			let to = given(params.to) ? parseMonth(params.to, 'end month') : null;
			// A cohort cannot start after this month: a later end is the same as this month.
			if (to !== null && to > thisMonth) to = thisMonth;
			const start = from ?? addMonths(to!, 1 - DEFAULT_MONTHS);
			const end = to ?? (start <= lastWhole ? lastWhole : thisMonth);
			if (start > thisMonth) {
				throw new PeriodError(
					`The start month ${monthLabel(start)} is in the future (this month is ${monthLabel(thisMonth)}).`
				);
			}
			if (start > end) {
				throw new PeriodError(
					`The start month ${monthLabel(start)} is after the end month ${monthLabel(end)}.`
				);
			}
			if (monthsBetween(start, end) > MAX_MONTHS) {
				throw new PeriodError(
					`Choose at most ${MAX_MONTHS} months of cohorts, not ${monthsBetween(start, end)}.`
				);
			}
			fromMonth = start;
			toMonth = end;
		} catch (error) {
			if (!(error instanceof PeriodError)) throw error;
			problems.push(`${error.message} Showing the last ${DEFAULT_MONTHS} whole months instead.`);
		}
	}
	let form: CohortForm = COHORT_FORMS[0];
	if (given(params.form)) {
		const found = COHORT_FORMS.find((f) => f.id === params.form);
		if (found) form = found;
		else {
			problems.push(
				`There is no form ${JSON.stringify(params.form.slice(0, 40))}; the forms are ${COHORT_FORMS.map((f) => f.id).join(', ')}. Showing “${form.label}”.`
			);
		}
	}
	let cohort: string | null = null;
	if (given(params.cohort)) {
		try {
			cohort = parseMonth(params.cohort, 'cohort');
		} catch (error) {
			if (!(error instanceof PeriodError)) throw error;
			problems.push(error.message);
		}
	}
	return { fromMonth, toMonth, form, cohort, problems };
}

/** The last day of 'YYYY-MM'. */
export function lastDayOfMonth(month: string): string {
	const [y, m] = month.split('-').map(Number) as [number, number];
	const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
	return `${month}-${String(days).padStart(2, '0')}`;
}

/** One line of the heat-map: the chosen form's shares, as long as the longest row. */
export interface HeatRow {
	cohort: string;
	label: string;
	customers: number;
	/** Index k = month offset; null where month k has not ended. */
	shares: (number | null)[];
}

export function heatRows(rows: readonly CohortRow[], form: CohortForm, offsets: number): HeatRow[] {
	return rows.map((row) => {
		const values = row[form.key];
		return {
			cohort: row.cohort,
			label: monthLabel(row.cohort),
			customers: row.customers,
			shares: Array.from({ length: offsets }, (_, k) => values[k] ?? null)
		};
	});
}

/**
 * The cohort to chart: the one asked for if it is shown, else the oldest with a projection, else
 * the oldest; with a sentence when the one asked for is not among them.
 */
export function pickCohort(
	rows: readonly CohortRow[],
	requested: string | null
): { cohort: CohortRow | null; problem: string | null } {
	const asked = requested ? rows.find((row) => row.cohort === requested) : undefined;
	if (asked) return { cohort: asked, problem: null };
	const fallback = rows.find((row) => row.projection !== null) ?? rows[0] ?? null;
	const problem =
		requested && rows.length > 0
			? `There is no ${monthLabel(requested)} cohort among those shown; charting ${monthLabel(fallback!.cohort)} instead.`
			: null;
	return { cohort: fallback, problem };
}

/** The never-lapsed curve of one cohort and its projection, or why there is none. */
export interface ChartedCohort {
	cohort: string;
	label: string;
	customers: number;
	neverLapsed: (number | null)[];
	projection: RetentionProjection | null;
	/** A sentence when there is no projection. */
	noProjection: string | null;
	/** The ended months a projection needs, when the cohort has fewer: the chart's axis runs on to there. */
	monthsNeeded: number | null;
}

/**
 * What a projection needs of a cohort (PRODUCT.md §3): its lapse-free months (counted with the
 * activity window `windowDays`) and SBG_MINIMUM_PERIODS months after them, all ended.
 */
export function projectionNeeds(
	row: CohortRow,
	windowDays: number
): { lapseFree: number; needed: number; ended: number } {
	const lapseFree = lapseFreeMonths(row.cohort, windowDays) + 1;
	return {
		lapseFree,
		needed: lapseFree + SBG_MINIMUM_PERIODS,
		ended: row.neverLapsed.filter((share) => share !== null).length
	};
}

/** Why a cohort has no projection, in a sentence: too few ended months, or a curve the model cannot take. */
export function noProjectionReason(row: CohortRow, windowDays: number): string {
	const { lapseFree, needed, ended } = projectionNeeds(row, windowDays);
	if (ended < needed) {
		const sentence = NOT_ENOUGH_HISTORY.charAt(0).toUpperCase() + NOT_ENOUGH_HISTORY.slice(1);
		return `${sentence} to project this cohort: a projection needs ${SBG_MINIMUM_PERIODS} months after its first ${lapseFree} lapse-free months, ${needed} ended months in all, and ${ended} ${ended === 1 ? 'has' : 'have'} ended.`;
	}
	return 'The shifted-beta-geometric model cannot be fitted to this cohort’s curve (no one has lapsed since its lapse-free months, or everyone at once), so it is not projected.';
}

export function chartedCohort(row: CohortRow, windowDays: number): ChartedCohort {
	const { needed, ended } = projectionNeeds(row, windowDays);
	return {
		cohort: row.cohort,
		label: monthLabel(row.cohort),
		customers: row.customers,
		neverLapsed: row.neverLapsed,
		projection: row.projection,
		noProjection: row.projection ? null : noProjectionReason(row, windowDays),
		monthsNeeded: !row.projection && ended < needed ? needed : null
	};
}

export interface CohortsView {
	timeZone: string;
	asOf: string | null;
	period: { from: string; to: string; label: string; fromDate: string; toDate: string };
	form: { id: CohortFormId; label: string; description: string };
	forms: { id: CohortFormId; label: string }[];
	problems: string[];
	offsets: number;
	rows: HeatRow[];
	/** The cohort selector's choices. */
	cohorts: { cohort: string; label: string; projected: boolean }[];
	chart: ChartedCohort | null;
	/** Why there are no cohorts; null when there are. */
	emptyReason: string | null;
	/** True while the figures are still being written or computed: the page looks again soon. */
	pending: boolean;
	/** How the projection is made, from the metric. */
	projectionNote: string | null;
}

/**
 * The cohort page: the catalog metric `cohort-retention` for the months asked for, evaluated as
 * the API and `cx metric cohort-retention` evaluate it, shaped for the heat-map and the chart.
 */
export async function loadCohorts(
	db: Kysely<DB>,
	params: CohortParams,
	now = new Date()
): Promise<CohortsView> {
	const settings = await getSettings(db);
	const query = parseCohortQuery(params, localDateOf(now, settings.timeZone));
	const fromDate = `${query.fromMonth}-01`;
	const toDate = lastDayOfMonth(query.toMonth);
	const label =
		query.fromMonth === query.toMonth
			? monthLabel(query.fromMonth)
			: `${monthLabel(query.fromMonth)} – ${monthLabel(query.toMonth)}`;
	const base = {
		timeZone: settings.timeZone,
		period: { from: query.fromMonth, to: query.toMonth, label, fromDate, toDate },
		form: { id: query.form.id, label: query.form.label, description: query.form.description },
		forms: COHORT_FORMS.map((f) => ({ id: f.id, label: f.label }))
	};
	// Figures of a half-written demo company would mislead: wait for it.
	if (demoActivity().state === 'seeding') {
		return {
			...base,
			asOf: null,
			problems: query.problems,
			offsets: 0,
			rows: [],
			cohorts: [],
			chart: null,
			emptyReason: 'The demo company is being written; its cohorts appear here when it is done.',
			pending: true,
			projectionNote: null
		};
	}
	const table = await evaluateTable(db, {
		id: 'cohort-retention',
		from: fromDate,
		to: toDate,
		now
	});
	// The rows of cohort-retention are its CohortRows (src/lib/server/metrics/cohort-retention.ts).
	const rows = table.rows as unknown as CohortRow[];
	const offsets = typeof table.extra.offsets === 'number' ? table.extra.offsets : 0;
	const picked = pickCohort(rows, query.cohort);
	const reason = typeof table.extra.reason === 'string' ? table.extra.reason : null;
	return {
		...base,
		asOf: table.asOf,
		problems: picked.problem ? [...query.problems, picked.problem] : query.problems,
		offsets,
		rows: heatRows(rows, query.form, offsets),
		cohorts: rows.map((row) => ({
			cohort: row.cohort,
			label: monthLabel(row.cohort),
			projected: row.projection !== null
		})),
		chart: picked.cohort ? chartedCohort(picked.cohort, settings.activityWindowDays) : null,
		emptyReason: rows.length === 0 ? (reason ?? 'No cohorts in this period.') : null,
		pending: rows.length === 0 && reason === COMPUTING_REASON,
		projectionNote: typeof table.extra.projection === 'string' ? table.extra.projection : null
	};
}
