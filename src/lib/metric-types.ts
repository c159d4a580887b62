/**
 * Types shared by the server and the pages. `ratio`: a share between 0 and 1 (shown as a
 * percentage); `count`: a number of customers or things; `index`: points on a fixed scale such as
 * NPS; `score`: a mean on an answer scale such as effort 1–7; `currency`: the reporting currency;
 * `hours`, `days`, `months`: durations.
 */
export type MetricUnit =
	'count' | 'ratio' | 'index' | 'score' | 'currency' | 'hours' | 'days' | 'months';
export type BetterDirection = 'higher' | 'lower';
export type MetricStatus = 'on-target' | 'near' | 'off-target' | 'not-enough-data' | 'no-target';
export type CompareBasis = 'previous' | 'year';
export type PeriodKind = 'month' | 'quarter' | 'year' | 'custom';

/** One period of a KPI tile's sparkline. */
export interface SparkPoint {
	label: string;
	from: string;
	to: string;
	value: number | null;
	partial: boolean;
}

/** Everything a KPI tile shows, computed on the server. */
export interface TileData {
	id: string;
	label: string;
	/** Plain-words definition, shown on hover, focus and tap. */
	definition: string;
	unit: MetricUnit;
	better: BetterDirection;
	/** The period the value is for: 'Nov 2026 to date', or 'Jul 2026 cohort' for repeat purchase. */
	periodLabel: string;
	value: number | null;
	numerator: number | null;
	denominator: number | null;
	n: number;
	status: MetricStatus;
	target: number | null;
	compare: {
		/** 'Oct 2026' or '1–14 Oct 2026'. */
		label: string;
		basis: CompareBasis;
		value: number | null;
		/** value − compare value, unrounded; null when either is missing. */
		delta: number | null;
	};
	/** What the figure rests on when numerator and denominator do not say it (NPS's mix). */
	basis?: string | null;
	/** A short remark under the value: 'matures on 2026-12-01', 'history incomplete', … */
	note: string | null;
	/** When there is no value: what happened and what to do, in plain words. */
	emptyReason: string | null;
	/** 12 periods ending with the tile's period, oldest first. */
	series: SparkPoint[];
	asOf: string | null;
}
