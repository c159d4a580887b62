import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { UserError, EXIT } from '../errors';
import { getSettings, type Settings } from '../settings';
import type { MetricEntry, MetricFigures, MetricUnit } from './catalog-entry';
import { findMetric, metricCatalog } from './catalog';
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
	if (!entry) {
		const known = metricCatalog.map((m) => m.id).join(', ');
		throw new UserError(`Unknown metric "${id}"; the metrics are: ${known}.`, EXIT.usage);
	}
	return entry;
}

export function parseCompareBasis(value: string | undefined): CompareBasis {
	if (value === undefined || value === 'previous') return 'previous';
	if (value === 'year') return 'year';
	throw new UserError(`--compare must be "previous" or "year", not "${value}".`, EXIT.usage);
}

export async function evaluateMetric(db: Kysely<DB>, request: MetricRequest): Promise<MetricJson> {
	const entry = getMetric(request.id);
	const basis = parseCompareBasis(request.compare);
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
	const compareTo = comparePeriod(period, basis, periodContext);
	const historyStart = await findHistoryStart(db, settings);
	const facts = await liveGeneration(db);
	const run = (p: Period) => entry.compute(db, { period: p, settings, now, historyStart, facts });
	const figures = await run(period);
	const compared = await run(compareTo);
	const target = targetOf(await loadTargets(db), entry, period);
	return toJson(entry, settings, period, figures, basis, compareTo, compared, now, target);
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
	const asOf = figures.asOf && figures.asOf > now ? now : figures.asOf;
	return {
		id: entry.id,
		label: entry.label,
		unit: entry.unit,
		timeZone: settings.timeZone,
		asOf: asOf ? asOf.toISOString() : null,
		period: {
			from: period.from,
			to: period.to,
			partial: period.partial,
			kind: period.kind,
			label: period.label
		},
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
