import type { ChartConfiguration } from 'chart.js';
import { SERIES_COLOUR } from './sparkline';

/** The second series: an orange with 3.4:1 contrast on white, and a dashed line, so colour is never alone. */
export const SECOND_COLOUR = '#c2410c';

/** One series of a board chart: straight segments, gaps kept as gaps, every point marked. */
function series(label: string, data: (number | null)[], colour: string) {
	return {
		label,
		data,
		borderColor: colour,
		backgroundColor: colour,
		borderWidth: 2,
		pointRadius: 3,
		spanGaps: false,
		tension: 0
	};
}

/** Drawn once and updated in place, sized by its box; the table carries the exact numbers. */
const STILL = { animation: false, responsive: true, maintainAspectRatio: false } as const;

export interface CurvePoint {
	month: number;
	share: number | null;
}

/** The cohort retention curve: the share of a cohort buying in month k, k = 0, 1, … */
export function cohortCurveConfig(points: CurvePoint[]): ChartConfiguration<'line'> {
	return {
		type: 'line',
		data: {
			labels: points.map((p) => `M${p.month}`),
			datasets: [
				series(
					'Share of the cohort buying in month k',
					points.map((p) => (p.share === null ? null : 100 * p.share)),
					SERIES_COLOUR
				)
			]
		},
		options: {
			...STILL,
			plugins: { legend: { display: false }, tooltip: { enabled: false } },
			scales: {
				x: { title: { display: true, text: 'Months after the first purchase' } },
				y: {
					min: 0,
					suggestedMax: 100,
					title: { display: true, text: '% of the cohort' },
					ticks: { callback: (value) => `${value}%` }
				}
			}
		}
	};
}

/** NPS (left axis, −100…100) and the repeat purchase rate (right axis, %) over the same periods. */
export function trendConfig(
	labels: string[],
	nps: (number | null)[],
	repeat: (number | null)[]
): ChartConfiguration<'line'> {
	return {
		type: 'line',
		data: {
			labels,
			datasets: [
				{ ...series('NPS', nps, SERIES_COLOUR), yAxisID: 'nps', pointStyle: 'circle' },
				{
					...series(
						'Repeat purchase rate',
						repeat.map((v) => (v === null ? null : 100 * v)),
						SECOND_COLOUR
					),
					yAxisID: 'repeat',
					borderDash: [6, 4],
					pointStyle: 'rect'
				}
			]
		},
		options: {
			...STILL,
			plugins: {
				legend: { display: true, labels: { usePointStyle: true } },
				tooltip: { enabled: false }
			},
			scales: {
				nps: {
					type: 'linear',
					position: 'left',
					suggestedMin: -20,
					suggestedMax: 60,
					title: { display: true, text: 'NPS' }
				},
				repeat: {
					type: 'linear',
					position: 'right',
					min: 0,
					suggestedMax: 60,
					grid: { drawOnChartArea: false },
					title: { display: true, text: 'Repeat purchase rate (%)' },
					ticks: { callback: (value) => `${value}%` }
				}
			}
		}
	};
}
