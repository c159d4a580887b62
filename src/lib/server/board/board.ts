import type { Kysely } from 'kysely';
import type { CompareBasis, SparkPoint, TileData } from '$lib/metric-types';
import type { DB } from '../db/schema';
import type { MetricEntry, MetricFigures } from '../metrics/catalog-entry';
import { capped, getMetric, exactOf } from '../metrics/evaluate';
import { rollupStatus } from '../rollups/refresh';
import type { GenerationSpec } from '../rollups/facts';
import { cohortTable } from '../metrics/cohort-retention';
import { findHistoryStart } from '../metrics/history';
import {
	addDays,
	addMonths,
	comparePeriod,
	dayLabel,
	localDateOf,
	monthLabel,
	periodContaining,
	periodFromDates,
	PeriodError,
	previousPeriods,
	resolvePeriod,
	type Period,
	type PeriodContext
} from '../metrics/period';
import { lastImport } from '../ingest/import-run';
import { statusOf } from '../metrics/status';
import { loadTargets, targetOf, type TargetBook } from '../metrics/targets';
import { getSettings } from '../settings';

/** The executive board's tiles, in order. */
export const BOARD_METRICS = [
	'active-customers',
	'repeat-purchase-rate',
	'churn-rate',
	'revenue-at-risk',
	'nps',
	'human-engagement-rate',
	'share-of-wallet',
	'average-clv',
	'conflicting-contacts'
] as const;

const SPARKLINE_PERIODS = 12;
/** How far back the repeat-purchase tile looks for a fully matured period. */
const MATURITY_LOOKBACK = 24;

export interface PeriodOption {
	kind: Period['kind'];
	from: string;
	to: string;
	label: string;
}

export interface Board {
	period: { kind: Period['kind']; from: string; to: string; label: string; partial: boolean };
	compare: CompareBasis;
	timeZone: string;
	currency: string;
	asOf: string | null;
	/** When the newest successful import finished (ISO 8601), if any. */
	lastImport: string | null;
	tiles: TileData[];
	options: PeriodOption[];
	/** A sentence when the URL's period could not be used (the board then shows this month). */
	problem: string | null;
	/**
	 * The rollups behind the figures: `computing` before their first build, `recomputing` while a
	 * settings change is rebuilt (the figures shown are then from before it), with progress.
	 */
	rollups: { state: 'current' | 'computing' | 'recomputing'; done: number; total: number };
	/** The share of the cohort buying in month k, averaged over the last 12 cohorts (by size). */
	cohortCurve: CohortCurve | null;
	/** NPS and the repeat purchase rate over the NPS tile's 12 periods. */
	trend: Trend | null;
}

export interface CohortCurve {
	/** The cohorts averaged: 'Jun 2025 – May 2026'. */
	label: string;
	cohorts: number;
	customers: number;
	/** k = 0, 1, …: the size-weighted share; null where no cohort has reached month k. */
	points: { month: number; share: number | null; customers: number }[];
}

export interface Trend {
	periods: { label: string; from: string; to: string; partial: boolean }[];
	nps: (number | null)[];
	repeat: (number | null)[];
}

export interface BoardRequest {
	from?: string | null;
	to?: string | null;
	compare?: string | null;
	now?: Date;
	/** Only these tiles (the benchmark times them one by one). */
	only?: readonly string[];
}

export async function loadBoard(db: Kysely<DB>, request: BoardRequest): Promise<Board> {
	const now = request.now ?? new Date();
	const settings = await getSettings(db);
	const context: PeriodContext = {
		timeZone: settings.timeZone,
		fiscalYearStartMonth: settings.fiscalYearStartMonth,
		now
	};
	const basis: CompareBasis = request.compare === 'year' ? 'year' : 'previous';
	let problem: string | null = null;
	let period: Period;
	try {
		period = resolvePeriod(
			{
				...(request.from ? { from: request.from } : {}),
				...(request.to ? { to: request.to } : {})
			},
			context
		);
	} catch (error) {
		if (!(error instanceof PeriodError)) throw error;
		problem = `${error.message} Showing this month instead.`;
		period = resolvePeriod({}, context);
	}
	const [historyStart, status, targets, newestImport] = await Promise.all([
		findHistoryStart(db, settings),
		rollupStatus(db),
		loadTargets(db),
		lastImport(db)
	]);
	const facts = status.live;
	// The matured-cohort search, the sparklines and the comparisons ask for many of the same
	// periods: each (metric, period) is computed once per board.
	const computed = new Map<string, Promise<MetricFigures>>();
	const run = (entry: MetricEntry, p: Period) => {
		const key = `${entry.id} ${p.start.toISOString()} ${p.end.toISOString()}`;
		let figures = computed.get(key);
		if (!figures) {
			figures = entry.compute(db, { period: p, settings, now, historyStart, facts });
			computed.set(key, figures);
		}
		return figures;
	};

	const tiles: TileData[] = await Promise.all(
		BOARD_METRICS.filter((id) => !request.only || request.only.includes(id)).map(async (id) => {
			const entry = getMetric(id);
			const shown =
				id === 'repeat-purchase-rate'
					? await maturedPeriod(entry, period, context, run)
					: { period, note: null };
			return buildTile(entry, shown.period, shown.note, basis, context, run, targets);
		})
	);
	// (a benchmark timing one tile leaves the charts out)
	const charts = !request.only;
	const cohortCurve =
		charts && facts && historyStart
			? await loadCohortCurve(db, facts, period, context, historyStart)
			: null;
	const trend = charts ? await loadTrend(period, context, run) : null;
	const asOf = tiles
		.map((t) => t.asOf)
		.filter((v): v is string => v !== null)
		.sort()
		.pop();
	return {
		period: {
			kind: period.kind,
			from: period.from,
			to: period.to,
			label: period.label,
			partial: period.partial
		},
		compare: basis,
		timeZone: settings.timeZone,
		currency: settings.reportingCurrency,
		asOf: asOf ?? null,
		lastImport: newestImport?.at.toISOString() ?? null,
		tiles,
		options: periodOptions(context),
		problem,
		cohortCurve,
		trend,
		rollups: {
			state: !status.live ? 'computing' : status.building ? 'recomputing' : 'current',
			done: status.building?.done ?? 0,
			total: status.building?.total ?? 0
		}
	};
}

type Run = (entry: MetricEntry, period: Period) => Promise<MetricFigures>;

/** The 12 cohorts before the period's last month, as they stood at the period's end. */
async function loadCohortCurve(
	db: Kysely<DB>,
	facts: GenerationSpec,
	period: Period,
	context: PeriodContext,
	historyStart: string
): Promise<CohortCurve | null> {
	const lastMonth = period.to.slice(0, 7);
	const today = localDateOf(context.now, context.timeZone);
	const asOfDay = addDays(period.to, 1) < today ? addDays(period.to, 1) : today;
	const table = await cohortTable(db, facts, {
		fromMonth: `${addMonths(lastMonth, -12)}-01`,
		toMonth: `${addMonths(lastMonth, -1)}-01`,
		today: asOfDay,
		historyStart
	});
	if (table.cohorts.length === 0) return null;
	const points: CohortCurve['points'] = [];
	for (let k = 0; k < table.offsets; k++) {
		let weighted = 0;
		let customers = 0;
		for (const cohort of table.cohorts) {
			const share = cohort.inMonth[k];
			if (share === null || share === undefined) continue;
			weighted += share * cohort.customers;
			customers += cohort.customers;
		}
		points.push({ month: k, share: customers ? weighted / customers : null, customers });
	}
	const first = table.cohorts[0]!.cohort;
	const last = table.cohorts[table.cohorts.length - 1]!.cohort;
	return {
		label: `${monthLabel(first)} – ${monthLabel(last)}`,
		cohorts: table.cohorts.length,
		customers: table.cohorts.reduce((sum, c) => sum + c.customers, 0),
		points
	};
}

/** NPS and the repeat purchase rate side by side over the same 12 periods (shared with the tiles). */
async function loadTrend(period: Period, context: PeriodContext, run: Run): Promise<Trend | null> {
	const periods = previousPeriods(period, SPARKLINE_PERIODS, context);
	const [nps, repeat] = await Promise.all(
		['nps', 'repeat-purchase-rate'].map((id) =>
			Promise.all(periods.map((p) => run(getMetric(id), p).then((f) => f.value)))
		)
	);
	if (!nps || !repeat || [...nps, ...repeat].every((v) => v === null)) return null;
	return {
		periods: periods.map((p) => ({ label: p.label, from: p.from, to: p.to, partial: p.partial })),
		nps,
		repeat
	};
}

/**
 * The repeat purchase rate shows the selected period when it is fully matured, else the latest
 * fully matured period of the same kind before it; "matures on" only when there is none.
 */
async function maturedPeriod(
	entry: MetricEntry,
	selected: Period,
	context: PeriodContext,
	run: Run
): Promise<{ period: Period; note: string | null }> {
	const candidates = previousPeriods(selected, MATURITY_LOOKBACK, context).reverse();
	let maturesOn: string | null = null;
	for (const candidate of candidates) {
		const figures = await run(entry, candidate);
		if (candidate === candidates[0] && typeof figures.extra.maturesOn === 'string') {
			maturesOn = figures.extra.maturesOn;
		}
		if (figures.extra.fullyMatured === true && figures.value !== null) {
			return { period: candidate, note: null };
		}
		if (figures.extra.beforeHistory === true) break;
	}
	return { period: selected, note: maturesOn ? `matures on ${dayLabel(maturesOn)}` : null };
}

async function buildTile(
	entry: MetricEntry,
	period: Period,
	note: string | null,
	basis: CompareBasis,
	context: PeriodContext,
	run: Run,
	targets: TargetBook
): Promise<TileData> {
	const target = targetOf(targets, entry, period);
	const comparePeriodOf = comparePeriod(period, basis, context);
	const sparkline = previousPeriods(period, SPARKLINE_PERIODS, context);
	// All at once: on PostgreSQL they run on several connections; PGlite takes them in turn.
	const [figures, compared, ...points] = await Promise.all([
		run(entry, period),
		run(entry, comparePeriodOf),
		...sparkline.map((p) => run(entry, p))
	]);
	const exact = exactOf(figures);
	const compareExact = exactOf(compared);
	const series: SparkPoint[] = sparkline.map((p, i) => ({
		label: p.label,
		from: p.from,
		to: p.to,
		value: points[i]?.value ?? null,
		partial: p.partial
	}));
	const isRepeat = entry.id === 'repeat-purchase-rate';
	const notes = [
		note,
		figures.extra.historyIncomplete === true ? 'history incomplete' : null,
		typeof figures.extra.maturing === 'number' && figures.extra.maturing > 0 && !note
			? `${figures.extra.maturing} still maturing`
			: null,
		figures.extra.provisional === true && typeof figures.extra.finalOn === 'string'
			? `provisional until ${dayLabel(figures.extra.finalOn)}`
			: null,
		// the customer models: the scoring a figure comes from, and a failed fit in one sentence
		typeof figures.extra.scoredOn === 'string' && figures.extra.scoredOn < period.to
			? `as scored on ${dayLabel(figures.extra.scoredOn)}`
			: null,
		typeof figures.extra.failedFit === 'string' ? figures.extra.failedFit : null
	].filter((v): v is string => Boolean(v));
	return {
		id: entry.id,
		label: entry.label,
		definition: entry.definition,
		unit: entry.unit,
		better: entry.better,
		periodLabel: isRepeat ? `${period.label.replace(/ to date$/, '')} cohort` : period.label,
		value: figures.value,
		numerator: figures.numerator,
		denominator: figures.denominator,
		n: figures.n,
		status: statusOf(entry, exact, figures.n, target),
		target: target ?? null,
		compare: {
			// A cut comparison names its days: "1–22 Oct 2026" rather than "Oct 2026".
			label: period.partial
				? periodFromDates(comparePeriodOf.from, comparePeriodOf.to, context).label
				: comparePeriodOf.label,
			basis,
			value: compared.value,
			delta: exact !== null && compareExact !== null ? exact - compareExact : null
		},
		basis: basisOf(figures),
		note: notes.length ? notes.join(' · ') : null,
		emptyReason:
			figures.value === null
				? typeof figures.extra.reason === 'string'
					? figures.extra.reason
					: 'No data for this period yet.'
				: null,
		series,
		asOf: capped(figures.asOf, context.now)
	};
}

/** The picker's choices: the last 24 months, 8 quarters and 5 years, newest first. */
function periodOptions(context: PeriodContext): PeriodOption[] {
	const today = localDateOf(context.now, context.timeZone);
	const options: PeriodOption[] = [];
	const kinds: [Exclude<Period['kind'], 'custom'>, number][] = [
		['month', 24],
		['quarter', 8],
		['year', 5]
	];
	for (const [kind, count] of kinds) {
		const current = periodContaining(kind, today, context);
		for (const p of previousPeriods(current, count, context).reverse()) {
			options.push({ kind: p.kind, from: p.from, to: p.nominalTo, label: p.label });
		}
	}
	return options;
}

/** NPS's mix of answers, for the tile's "based on" line. */
function basisOf(figures: MetricFigures): string | null {
	const { promoters, passives, detractors, responses } = figures.extra;
	if (typeof responses !== 'number') return null;
	const count = (value: unknown, noun: string) =>
		`${Number(value).toLocaleString('en-US')} ${noun}${value === 1 ? '' : 's'}`;
	return `${count(promoters, 'promoter')}, ${count(passives, 'passive')} and ${count(detractors, 'detractor')} among ${count(responses, 'answer')}`;
}
