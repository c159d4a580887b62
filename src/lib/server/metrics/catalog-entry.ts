import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Settings } from '../settings';
import type { BetterDirection, MetricUnit } from '$lib/metric-types';
import type { LocalDate, Period } from './period';
import type { GenerationSpec } from '../rollups/facts';

export type { BetterDirection, MetricUnit } from '$lib/metric-types';
export type Exactness = 'exact' | 'binned';

export interface MetricContext {
	period: Period;
	settings: Settings;
	now: Date;
	/** The history start in force: the setting, else the earliest imported order's local date. */
	historyStart: LocalDate | null;
	/** The customer facts (rollups) in force; null until their first build has finished. */
	facts: GenerationSpec | null;
	/**
	 * The exclude-single-purchase switch (PRODUCT.md §3): customer-base metrics leave out one-off
	 * buyers; the others ignore it. Absent: off.
	 */
	excludeSinglePurchase?: boolean;
}

export interface MetricFigures {
	/** The figure as shown (NPS is an integer). */
	value: number | null;
	/** The unrounded figure when `value` is rounded; status and deltas use it. */
	exactValue?: number | null;
	numerator: number | null;
	denominator: number | null;
	/** How many customers the figure rests on (the denominator for rates, the base for counts). */
	n: number;
	/** The newest data time among the rows the figure read, capped at now. */
	asOf: Date | null;
	extra: Record<string, unknown>;
}

export interface MetricEntry {
	id: string;
	label: string;
	/** Plain words shown in the UI. */
	definition: string;
	unit: MetricUnit;
	better: BetterDirection;
	target?: number;
	/** How far from target still counts as "near"; see `toleranceOf`. */
	tolerance?: number;
	minN: number;
	exactness: Exactness;
	compute(db: Kysely<DB>, context: MetricContext): Promise<MetricFigures>;
}

/** What a table metric (PRODUCT.md §3 `kind: 'table'`) computes for a period. */
export interface TableFigures {
	asOf: Date | null;
	columns: string[];
	rows: Record<string, unknown>[];
	extra: Record<string, unknown>;
}

export interface TableMetricEntry {
	id: string;
	label: string;
	definition: string;
	compute(db: Kysely<DB>, context: MetricContext): Promise<TableFigures>;
}

export type MetricDefinition = Omit<MetricEntry, 'minN' | 'exactness'> &
	Partial<Pick<MetricEntry, 'minN' | 'exactness'>>;

export function defineMetric(definition: MetricDefinition): MetricEntry {
	return { minN: 30, exactness: 'exact', ...definition };
}

/** Default tolerance: 2 points for percentages and NPS-like indexes, else 5% of the target. */
export function toleranceOf(entry: MetricEntry, target: number): number {
	if (entry.tolerance !== undefined) return entry.tolerance;
	if (entry.unit === 'ratio') return 0.02;
	if (entry.unit === 'index') return 2;
	return Math.abs(target) * 0.05;
}

export function emptyFigures(reason: string, extra: Record<string, unknown> = {}): MetricFigures {
	return {
		value: null,
		numerator: null,
		denominator: null,
		n: 0,
		asOf: null,
		extra: { ...extra, reason }
	};
}

export const COMPUTING_REASON =
	'The figures are being computed for the first time from the imported data; they appear in a moment.';

/**
 * The index of the bin holding the ⌈n/2⌉-th value of a histogram (the lower middle for an even
 * count): how every binned median of the catalog is read. −1 for an empty histogram.
 */
export function medianBin(counts: readonly number[]): { index: number; total: number } {
	const total = counts.reduce((a, b) => a + b, 0);
	if (total <= 0) return { index: -1, total: 0 };
	const rank = Math.ceil(total / 2);
	let seen = 0;
	for (let index = 0; index < counts.length; index++) {
		seen += counts[index] ?? 0;
		if (seen >= rank) return { index, total };
	}
	return { index: counts.length - 1, total };
}
