import type { ChartConfiguration } from 'chart.js';
import { SECOND_COLOUR } from './board-charts';
import { SERIES_COLOUR } from './sparkline';

/** The projection's dash: with the second colour and no point marks, colour is never alone. */
export const PROJECTION_DASH: readonly number[] = [6, 4];

/** One cohort's never-lapsed curve and its sBG projection, as the cohort-retention metric gives them. */
export interface RetentionCurve {
	/** Index k = month offset; null where month k has not ended. */
	neverLapsed: readonly (number | null)[];
	/** `values[k]`: null up to the last observed month, then the projected share. */
	projection: { alpha: number; beta: number; values: readonly (number | null)[] } | null;
}

/** The index of the last observed month, −1 when none has ended. */
export function lastObserved(values: readonly (number | null)[]): number {
	for (let k = values.length - 1; k >= 0; k--) if (values[k] !== null) return k;
	return -1;
}

const percent = (share: number | null | undefined) =>
	share === null || share === undefined ? null : 100 * share;

/** α and β as the caption says them: three significant digits. */
export function parameterText(value: number): string {
	return value.toLocaleString('en-US', { maximumSignificantDigits: 3 });
}

export function projectionCaption(projection: { alpha: number; beta: number }): string {
	return `projected by the shifted-beta-geometric model (α ${parameterText(projection.alpha)}, β ${parameterText(projection.beta)})`;
}

/**
 * A cohort's never-lapsed share by month (solid, every observed month marked) and its projection
 * (dashed, in the second colour, unmarked), which starts at the last observed point so that it
 * reads as the same curve continued. The legend is the page's: the canvas carries only the lines.
 * The axis runs to `minMonths` at least (a cohort not yet projected: the months a projection needs).
 */
export function retentionProjectionConfig(
	curve: RetentionCurve,
	{ minMonths = 1 }: { minMonths?: number } = {}
): ChartConfiguration<'line'> {
	const last = lastObserved(curve.neverLapsed);
	const projected = curve.projection?.values ?? [];
	const length = Math.max(curve.neverLapsed.length, projected.length, minMonths, 1);
	const observed = Array.from({ length }, (_, k) => percent(curve.neverLapsed[k]));
	const datasets: ChartConfiguration<'line'>['data']['datasets'] = [
		{
			label: 'Never lapsed (observed)',
			data: observed,
			borderColor: SERIES_COLOUR,
			backgroundColor: SERIES_COLOUR,
			borderWidth: 2,
			pointRadius: 3,
			spanGaps: false,
			tension: 0
		}
	];
	if (curve.projection && last >= 0) {
		datasets.push({
			label: 'Never lapsed (projected)',
			data: Array.from({ length }, (_, k) =>
				k < last ? null : k === last ? observed[last]! : percent(projected[k])
			),
			borderColor: SECOND_COLOUR,
			backgroundColor: SECOND_COLOUR,
			borderWidth: 2,
			borderDash: [...PROJECTION_DASH],
			pointRadius: 0,
			spanGaps: false,
			tension: 0
		});
	}
	return {
		type: 'line',
		data: { labels: Array.from({ length }, (_, k) => `M${k}`), datasets },
		options: {
			animation: false,
			responsive: true,
			maintainAspectRatio: false,
			plugins: { legend: { display: false }, tooltip: { enabled: false } },
			scales: {
				x: { title: { display: true, text: 'Months after the first purchase' } },
				y: {
					min: 0,
					max: 100,
					title: { display: true, text: '% of the cohort not yet lapsed' },
					ticks: { callback: (value) => `${value}%` }
				}
			}
		}
	};
}

/** The heat-map's darkest shade (a share of 100% or more): white text on it has 6.7:1. */
export const HEAT_COLOUR = '#1d4ed8';
/** Black rather than the page's text colour: on the mid shades only black keeps 4.5:1. */
const DARK_TEXT = '#000000';
const LIGHT_TEXT = '#ffffff';

function channels(hex: string): [number, number, number] {
	const n = Number.parseInt(hex.slice(1), 16);
	return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hex(rgb: readonly number[]): string {
	return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG 2 relative luminance of '#rrggbb'. */
export function luminance(colour: string): number {
	const [r, g, b] = channels(colour).map((c) => {
		const s = c / 255;
		return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
	}) as [number, number, number];
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two '#rrggbb' colours (1 to 21). */
export function contrast(a: string, b: string): number {
	const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
	return (hi + 0.05) / (lo + 0.05);
}

/**
 * A heat-map cell: white at 0%, HEAT_COLOUR at 100% (the revenue form can go beyond, or below 0
 * with refunds: clamped), mixed in proportion between; the text is whichever of dark or white
 * reads better on it. Null for a month not ended (the cell stays empty).
 */
export function heatShade(share: number | null): { background: string; color: string } | null {
	if (share === null || !Number.isFinite(share)) return null;
	const t = Math.min(1, Math.max(0, share));
	const white = [255, 255, 255];
	const full = channels(HEAT_COLOUR);
	const background = hex(white.map((c, i) => c + (full[i]! - c) * t));
	const color =
		contrast(background, DARK_TEXT) >= contrast(background, LIGHT_TEXT) ? DARK_TEXT : LIGHT_TEXT;
	return { background, color };
}
