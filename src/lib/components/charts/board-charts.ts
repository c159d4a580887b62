import type { ChartConfiguration } from 'chart.js';
import { SERIES_COLOUR } from './sparkline';

/** The second series: an orange with 3.4:1 contrast on white, and a dashed line, so colour is never alone. */
export const SECOND_COLOUR = '#c2410c';

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
				{
					label: 'Share of the cohort buying in month k',
					data: points.map((p) => (p.share === null ? null : 100 * p.share)),
					borderColor: SERIES_COLOUR,
					backgroundColor: SERIES_COLOUR,
					borderWidth: 2,
					pointRadius: 3,
					spanGaps: false,
					tension: 0
				}
			]
		},
		options: {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
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
				{
					label: 'NPS',
					data: nps,
					yAxisID: 'nps',
					borderColor: SERIES_COLOUR,
					backgroundColor: SERIES_COLOUR,
					borderWidth: 2,
					pointRadius: 3,
					pointStyle: 'circle',
					spanGaps: false,
					tension: 0
				},
				{
					label: 'Repeat purchase rate',
					data: repeat.map((v) => (v === null ? null : 100 * v)),
					yAxisID: 'repeat',
					borderColor: SECOND_COLOUR,
					backgroundColor: SECOND_COLOUR,
					borderWidth: 2,
					borderDash: [6, 4],
					pointRadius: 3,
					pointStyle: 'rect',
					spanGaps: false,
					tension: 0
				}
			]
		},
		options: {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
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
