import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { GenerationSpec } from '../rollups/facts';
import { firstPurchases, latestAt, memoized } from '../rollups/read';
import { COMPUTING_REASON, type TableFigures, type TableMetricEntry } from './catalog-entry';
import { knownFirstPurchaseFrom, NO_ORDERS_REASON } from './history';
import { fitSbg, SBG_MINIMUM_PERIODS, sbgSurvival } from '../models/sbg';
import { addDays, addMonths, localDateOf, type LocalDate } from './period';

/**
 * PRODUCT.md §3 "Cohort retention table and curve": customers grouped by the month of their first
 * purchase; for month offset k, the share of the cohort with a purchase in month k (k = 0 is 100%),
 * the share with a purchase in month k or later, net revenue in month k over month 0, and the share
 * not yet lapsed for the first time by the end of month k. Months not yet ended are empty (null),
 * never 0. Only known first purchases count: every customer whose source gave the first purchase,
 * and the others from the first whole month on or after history start + 365 days (the month that
 * contains that day is left to the given ones, so that a cohort is never half known).
 */
export const cohortRetention: TableMetricEntry = {
	id: 'cohort-retention',
	label: 'Cohort retention',
	definition:
		'Customers grouped by the month of their first purchase (cohorts). For each later month k: the share of the cohort that bought in month k (month 0 is 100%), the share that bought in month k or later, net revenue in month k as a share of month 0, and the share not yet lapsed for the first time by the end of month k. Months not yet ended stay empty. Only customers whose first purchase is known take part: the source gave it, or it falls in a whole month at least a year after the history start.',
	async compute(db, { period, settings, now, historyStart, facts }) {
		if (!historyStart) return emptyTable(NO_ORDERS_REASON);
		if (!facts) return emptyTable(COMPUTING_REASON);
		const table = await cohortTable(db, facts, {
			fromMonth: `${period.from.slice(0, 7)}-01`,
			toMonth: `${period.to.slice(0, 7)}-01`,
			today: localDateOf(now, settings.timeZone),
			historyStart
		});
		return {
			asOf: await latestAt(db, 'order_rows', now, facts),
			columns: ['cohort', 'customers', ...Array.from({ length: table.offsets }, (_, k) => `m${k}`)],
			rows: table.cohorts.map((c) => ({ ...c })),
			extra: {
				offsets: table.offsets,
				forms: ['inMonth', 'orLater', 'revenue', 'neverLapsed'],
				projection: `The never-lapsed form is projected per cohort by the shifted-beta-geometric model once 6 months after its lapse-free first months have ended; otherwise ${NOT_ENOUGH_HISTORY}.`,
				...(table.cohorts.length === 0
					? {
							reason:
								'No cohort with a known first purchase in this period; first purchases are known a year after the history start, or when the source gives first_order_at.'
						}
					: {})
			}
		};
	}
};

function emptyTable(reason: string): TableFigures {
	return { asOf: null, columns: [], rows: [], extra: { reason } };
}

export interface CohortRow {
	/** 'YYYY-MM' */
	cohort: string;
	customers: number;
	/** Index k = month offset; null where month k has not ended. */
	inMonth: (number | null)[];
	orLater: (number | null)[];
	revenue: (number | null)[];
	neverLapsed: (number | null)[];
	/**
	 * The shifted-beta-geometric projection of `neverLapsed` (PRODUCT.md §3): fitted to
	 * S(k)/S(base) over the months after `base`, the last month in which no one can have lapsed
	 * yet, once at least 6 of them have ended; `values[k]` is the projected share for the months
	 * after the last one observed, up to a year beyond it (null up to there): the last observed
	 * share times the model's survival from that month on.
	 */
	projection: RetentionProjection | null;
}

export interface RetentionProjection {
	alpha: number;
	beta: number;
	base: number;
	values: (number | null)[];
}

/** Said where a cohort has no projection. */
export const NOT_ENOUGH_HISTORY = 'not enough history';

/**
 * The sBG projection of a never-lapsed curve whose months up to `base` are 100% by definition
 * (the activity window has not passed for anyone): null until 6 months after `base` have ended.
 */
export function projectRetention(
	neverLapsed: readonly (number | null)[],
	customers: number,
	base: number,
	horizon = 12
): RetentionProjection | null {
	const observed = neverLapsed.filter((share): share is number => share !== null);
	const baseShare = observed[base];
	if (
		baseShare === undefined ||
		baseShare <= 0 ||
		observed.length - 1 - base < SBG_MINIMUM_PERIODS
	) {
		return null;
	}
	// survivors, in customers, at base, base + 1, …: the counts the model's likelihood is over
	const survivors = observed
		.slice(base)
		.map((share) => Math.round((share / baseShare) * customers));
	let fit: { alpha: number; beta: number };
	try {
		fit = fitSbg(survivors);
	} catch {
		// a curve the model cannot take (no one lapsed, or everyone at once) is not projected
		return null;
	}
	const { alpha, beta } = fit;
	const last = observed.length - 1;
	const lastShare = observed[last] as number;
	const values: (number | null)[] = Array.from({ length: last + 1 }, () => null);
	// from the last month observed on: its share times the model's survival from there,
	// S(k − base)/S(last − base), so the projection continues the curve instead of restarting
	// from the fitted S(last − base), which can sit above or below what happened
	const reached = sbgSurvival({ alpha, beta }, last - base);
	for (let k = last + 1; k <= last + horizon; k++) {
		values.push(reached > 0 ? (lastShare * sbgSurvival({ alpha, beta }, k - base)) / reached : 0);
	}
	return { alpha, beta, base, values };
}

export interface CohortTable {
	cohorts: CohortRow[];
	/** The longest row's length. */
	offsets: number;
}

interface CohortCell {
	purchasers: number;
	lastPurchasers: number;
	netRevenue: number;
	firstLapsed: number;
}

/**
 * The cohorts whose month starts in [fromMonth, toMonth] ('YYYY-MM-01'), with every month offset
 * that has ended by `today`.
 */
export async function cohortTable(
	db: Kysely<DB>,
	facts: GenerationSpec,
	{
		fromMonth,
		toMonth,
		today,
		historyStart
	}: { fromMonth: LocalDate; toMonth: LocalDate; today: LocalDate; historyStart: LocalDate }
): Promise<CohortTable> {
	const windowDays = facts.activityWindowDays;
	const knownFrom = knownFirstPurchaseFrom(historyStart);
	const wholeMonthsFrom =
		knownFrom.slice(8) === '01' ? knownFrom : `${addMonths(knownFrom.slice(0, 7), 1)}-01`;
	const cells = await cohortCells(db, facts);
	const firsts = await firstPurchases(db, facts, fromMonth, `${toMonth.slice(0, 7)}-31`);

	const cohorts: CohortRow[] = [];
	for (
		let month = fromMonth.slice(0, 7);
		month <= toMonth.slice(0, 7);
		month = addMonths(month, 1)
	) {
		const start = `${month}-01`;
		if (start > today) break;
		const counted = (given: boolean) => given || start >= wholeMonthsFrom;
		const customers = firsts
			.filter((f) => f.firstDay.startsWith(month) && counted(f.given))
			.reduce((sum, f) => sum + f.customers, 0);
		if (customers === 0) continue;
		const byOffset: CohortCell[] = [];
		for (const [key, cell] of cells) {
			const [cohort, given, offset] = key.split(' ');
			if (cohort !== start || !counted(given === 'true')) continue;
			const k = Number(offset);
			const sum = (byOffset[k] ??= {
				purchasers: 0,
				lastPurchasers: 0,
				netRevenue: 0,
				firstLapsed: 0
			});
			sum.purchasers += cell.purchasers;
			sum.lastPurchasers += cell.lastPurchasers;
			sum.netRevenue += cell.netRevenue;
			sum.firstLapsed += cell.firstLapsed;
		}
		// Month k has ended when month k + 1 has begun by today.
		let ended = 0;
		while (`${addMonths(month, ended + 1)}-01` <= today) ended++;
		const row: CohortRow = {
			cohort: month,
			customers,
			inMonth: [],
			orLater: [],
			revenue: [],
			neverLapsed: [],
			projection: null
		};
		const at = (k: number) =>
			byOffset[k] ?? { purchasers: 0, lastPurchasers: 0, netRevenue: 0, firstLapsed: 0 };
		const monthZeroRevenue = at(0).netRevenue;
		let lapsedSoFar = 0;
		let lastFromHere = byOffset.reduce((sum, c) => sum + (c?.lastPurchasers ?? 0), 0);
		for (let k = 0; k < Math.max(ended, 1); k++) {
			const open = k >= ended;
			lapsedSoFar += at(k).firstLapsed;
			row.inMonth.push(open ? null : k === 0 ? 1 : at(k).purchasers / customers);
			row.orLater.push(open ? null : k === 0 ? 1 : lastFromHere / customers);
			row.revenue.push(
				open || monthZeroRevenue === 0 ? null : k === 0 ? 1 : at(k).netRevenue / monthZeroRevenue
			);
			row.neverLapsed.push(open ? null : 1 - lapsedSoFar / customers);
			lastFromHere -= at(k).lastPurchasers;
		}
		row.projection = projectRetention(
			row.neverLapsed,
			customers,
			lapseFreeMonths(month, windowDays)
		);
		cohorts.push(row);
	}
	return { cohorts, offsets: Math.max(0, ...cohorts.map((c) => c.inMonth.length)) };
}

/**
 * The last month offset in which no one of a cohort can have lapsed yet: a customer lapses W days
 * after their last purchase at the earliest, so not before the cohort's first day + W (month 11
 * with W = 365).
 */
export function lapseFreeMonths(month: string, windowDays: number): number {
	const firstLapse = addDays(`${month}-01`, windowDays);
	let k = 0;
	while (`${addMonths(month, k + 2)}-01` <= firstLapse) k++;
	return k;
}

/** Every cohort cell of the generation, once per request: at most one row per cohort and month. */
function cohortCells(db: Kysely<DB>, facts: GenerationSpec): Promise<Map<string, CohortCell>> {
	return memoized(facts, 'cohorts', async () => {
		const rows = await db
			.selectFrom('rollup_cohort')
			.where('generation', '=', facts.generation)
			.select([
				'cohort_month',
				'first_given',
				'month_offset',
				'purchasers',
				'last_purchasers',
				'net_revenue',
				'first_lapsed'
			])
			.execute();
		const cells = new Map<string, CohortCell>();
		for (const row of rows) {
			cells.set(`${row.cohort_month} ${row.first_given} ${row.month_offset}`, {
				purchasers: Number(row.purchasers),
				lastPurchasers: Number(row.last_purchasers),
				netRevenue: Number(row.net_revenue),
				firstLapsed: Number(row.first_lapsed)
			});
		}
		return cells;
	});
}
