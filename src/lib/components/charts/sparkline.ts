import type { ChartConfiguration, ScriptableLineSegmentContext } from 'chart.js';
import type { MetricUnit, SparkPoint } from '$lib/metric-types';

/** The one series colour of a sparkline: a blue with 5.2:1 contrast on white (≥ 3:1 needed). */
export const SERIES_COLOUR = '#2563eb';
/** Fill of the hollow point that marks the period still running. */
export const PARTIAL_POINT_FILL = '#ffffff';
/** Dash of the line into the period still running. */
export const PARTIAL_DASH: readonly number[] = [4, 3];

const POINT_RADIUS = 2.5;

export interface SparklineOptions {
	unit: MetricUnit;
	colour?: string;
}

/**
 * A KPI tile's 12-period sparkline. Periods without data are gaps (never joined across); the
 * period still running is reached by a dashed segment and drawn as a hollow point. No axes,
 * legend or tooltip: the tile's table equivalent carries the numbers. Values stay in the metric's
 * own unit (`options.unit`): the line's shape, not its scale, is what a sparkline shows.
 */
export function sparklineConfig(
	points: SparkPoint[],
	options: SparklineOptions
): ChartConfiguration<'line'> {
	const colour = options.colour ?? SERIES_COLOUR;
	const data = points.map((point) =>
		typeof point.value === 'number' && Number.isFinite(point.value) ? point.value : null
	);
	const partial = points.map((point) => point.partial);
	// A value between two gaps has no line to show it, so it gets a dot; so does the partial one.
	const isolated = data.map(
		(value, i) => value !== null && (data[i - 1] ?? null) === null && (data[i + 1] ?? null) === null
	);
	const pointRadius = data.map((value, i) =>
		value !== null && (partial[i] || isolated[i]) ? POINT_RADIUS : 0
	);

	return {
		type: 'line',
		data: {
			labels: points.map((point) => point.label),
			datasets: [
				{
					label: options.unit,
					data,
					spanGaps: false,
					fill: false,
					tension: 0,
					borderColor: colour,
					backgroundColor: colour,
					borderWidth: 2,
					pointRadius,
					pointHoverRadius: pointRadius,
					pointBorderWidth: 1.5,
					pointBorderColor: colour,
					pointBackgroundColor: partial.map((p) => (p ? PARTIAL_POINT_FILL : colour)),
					segment: {
						borderDash: (context: ScriptableLineSegmentContext) =>
							partial[context.p1DataIndex] ? [...PARTIAL_DASH] : undefined
					}
				}
			]
		},
		options: {
			responsive: true,
			maintainAspectRatio: false,
			animation: false,
			events: [],
			layout: { padding: POINT_RADIUS + 1 },
			plugins: {
				legend: { display: false },
				tooltip: { enabled: false }
			},
			scales: {
				x: { type: 'category', display: false },
				y: { type: 'linear', display: false, bounds: 'data', grace: '10%' }
			}
		}
	};
}
