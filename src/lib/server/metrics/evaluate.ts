import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { UserError, EXIT } from '../errors';
import { getSettings, type Settings } from '../settings';
import type { MetricContext, MetricEntry, MetricFigures, MetricUnit } from './catalog-entry';
import { findMetric, metricCatalog, TABLE_METRICS } from './catalog';
import { liveGeneration } from '../rollups/refresh';
import { findHistoryStart } from './history';
import {
	comparePeriod,
	PeriodError,
	resolvePeriod,
	type CompareBasis,
	type Period,
	type PeriodContext
} from './period';
import { statusOf, type MetricStatus } from './status';
import { loadTargets, targetOf } from './targets';

export interface MetricRequest {
	id: string;
	from?: string;
	to?: string;
	compare?: string;
	now?: Date;
	/** Leave out single-purchase customers (average order value and purchase frequency). */
	excludeSinglePurchase?: boolean;
}

/** The metric JSON of PRODUCT.md §3, shared by the CLI and the API. */
export interface MetricJson {
	id: string;
	label: string;
	unit: MetricUnit;
	timeZone: string;
	asOf: string | null;
	period: { from: string; to: string; partial: boolean; kind: Period['kind']; label: string };
	value: number | null;
	numerator: number | null;
	denominator: number | null;
	n: number;
	status: MetricStatus;
	target: number | null;
	extra: Record<string, unknown>;
	compare: {
		basis: CompareBasis;
		from: string;
		to: string;
		label: string;
		value: number | null;
		numerator: number | null;
		denominator: number | null;
	};
}

export function getMetric(id: string): MetricEntry {
	const entry = findMetric(id);
	if (!entry) throw unknownMetric(id);
	return entry;
}

function unknownMetric(id: string): UserError {
	const known = [...metricCatalog.map((m) => m.id), ...TABLE_METRICS.map((m) => m.id)].join(', ');
	return new UserError(`Unknown metric "${id}"; the metrics are: ${known}.`, EXIT.usage);
}

/** Checks that `id` names a metric of either kind (scalar or table). */
export function checkMetricId(id: string): void {
	if (!findMetric(id) && !TABLE_METRICS.some((m) => m.id === id)) throw unknownMetric(id);
}

/** The table form of PRODUCT.md §3 (cohort-retention and, later, funnels and distributions). */
export interface TableJson {
	id: string;
	kind: 'table';
	label: string;
	timeZone: string;
	asOf: string | null;
	period: MetricJson['period'];
	columns: string[];
	rows: Record<string, unknown>[];
	extra: Record<string, unknown>;
}

/** A metric of either kind, as the CLI and the API give it. */
export async function evaluateAny(
	db: Kysely<DB>,
	request: MetricRequest
): Promise<MetricJson | TableJson> {
	return TABLE_METRICS.some((m) => m.id === request.id)
		? evaluateTable(db, request)
		: evaluateMetric(db, request);
}

export async function evaluateTable(db: Kysely<DB>, request: MetricRequest): Promise<TableJson> {
	const entry = TABLE_METRICS.find((m) => m.id === request.id);
	if (!entry) throw unknownMetric(request.id);
	parseCompareBasis(request.compare);
	const { context, period } = await resolveRequest(db, request);
	const table = await entry.compute(db, context);
	return {
		id: entry.id,
		kind: 'table',
		label: entry.label,
		timeZone: context.settings.timeZone,
		asOf: capped(table.asOf, context.now),
		period: periodJson(period),
		columns: table.columns,
		rows: table.rows,
		extra: table.extra
	};
}

/** What every evaluation starts from: the settings, the period asked for, the rollups in force. */
async function resolveRequest(
	db: Kysely<DB>,
	request: MetricRequest
): Promise<{ context: MetricContext; period: Period; periodContext: PeriodContext }> {
	const now = request.now ?? new Date();
	const settings = await getSettings(db);
	const periodContext: PeriodContext = {
		timeZone: settings.timeZone,
		fiscalYearStartMonth: settings.fiscalYearStartMonth,
		now
	};
	let period: Period;
	try {
		period = resolvePeriod({ from: request.from, to: request.to }, periodContext);
	} catch (error) {
		if (error instanceof PeriodError) throw new UserError(error.message, EXIT.usage);
		throw error;
	}
	const historyStart = await findHistoryStart(db, settings);
	const facts = await liveGeneration(db);
	const context: MetricContext = { period, settings, now, historyStart, facts };
	if (request.excludeSinglePurchase) context.excludeSinglePurchase = true;
	return { context, period, periodContext };
}

function periodJson(period: Period): MetricJson['period'] {
	return {
		from: period.from,
		to: period.to,
		partial: period.partial,
		kind: period.kind,
		label: period.label
	};
}

/** An as-of time as JSON, never later than now. */
export function capped(asOf: Date | null, now: Date): string | null {
	return asOf ? (asOf > now ? now : asOf).toISOString() : null;
}

export function parseCompareBasis(value: string | undefined): CompareBasis {
	if (value === undefined || value === 'previous') return 'previous';
	if (value === 'year') return 'year';
	throw new UserError(`--compare must be "previous" or "year", not "${value}".`, EXIT.usage);
}

export async function evaluateMetric(db: Kysely<DB>, request: MetricRequest): Promise<MetricJson> {
	const entry = getMetric(request.id);
	const basis = parseCompareBasis(request.compare);
	const { context, period, periodContext } = await resolveRequest(db, request);
	const compareTo = comparePeriod(period, basis, periodContext);
	const run = (p: Period) => entry.compute(db, { ...context, period: p });
	const figures = await run(period);
	const compared = await run(compareTo);
	const target = targetOf(await loadTargets(db), entry, period);
	return toJson(
		entry,
		context.settings,
		period,
		figures,
		basis,
		compareTo,
		compared,
		context.now,
		target
	);
}

function toJson(
	entry: MetricEntry,
	settings: Settings,
	period: Period,
	figures: MetricFigures,
	basis: CompareBasis,
	compareTo: Period,
	compared: MetricFigures,
	now: Date,
	target: number | undefined
): MetricJson {
	return {
		id: entry.id,
		label: entry.label,
		unit: entry.unit,
		timeZone: settings.timeZone,
		asOf: capped(figures.asOf, now),
		period: periodJson(period),
		value: figures.value,
		numerator: figures.numerator,
		denominator: figures.denominator,
		n: figures.n,
		status: statusOf(entry, exactOf(figures), figures.n, target),
		target: target ?? null,
		extra: figures.extra,
		compare: {
			basis,
			from: compareTo.from,
			to: compareTo.to,
			label: compareTo.label,
			value: compared.value,
			numerator: compared.numerator,
			denominator: compared.denominator
		}
	};
}

/** The unrounded value, for status and deltas. */
export function exactOf(figures: MetricFigures): number | null {
	return figures.exactValue !== undefined ? figures.exactValue : figures.value;
}
