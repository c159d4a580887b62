import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Settings } from '../settings';
import type { LocalDate, Period } from './period';

/**
 * `ratio`: a share between 0 and 1 (shown as a percentage; numerator ⊆ denominator);
 * `count`: a number of customers or things; `index`: points on a fixed scale such as NPS;
 * `currency`: the reporting currency; `days`, `months`: durations.
 */
export type MetricUnit = 'count' | 'ratio' | 'index' | 'currency' | 'days' | 'months';
export type BetterDirection = 'higher' | 'lower';
export type Exactness = 'exact' | 'binned';

export interface MetricContext {
	period: Period;
	settings: Settings;
	now: Date;
	/** The history start in force: the setting, else the earliest imported order's local date. */
	historyStart: LocalDate | null;
}

export interface MetricFigures {
	value: number | null;
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
