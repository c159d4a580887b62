import { describe, expect, it } from 'vitest';
import type { ScriptableLineSegmentContext } from 'chart.js';
import type { SparkPoint } from '$lib/metric-types';
import { PARTIAL_POINT_FILL, SERIES_COLOUR, sparklineConfig } from './sparkline';

const MONTHS = ['Dec', 'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov'];

/** Dec 2025 … Nov 2026: no data before Mar, none in Jul, Nov still running. */
function series(): SparkPoint[] {
	const values = [null, null, null, 0.3, 0.31, 0.33, 0.32, null, 0.35, 0.36, 0.34, 0.2];
	return MONTHS.map((month, i) => ({
		label: `${month} ${i === 0 ? 2025 : 2026}`,
		from: '',
		to: '',
		value: values[i] ?? null,
		partial: i === 11
	}));
}

function segmentDash(config: ReturnType<typeof sparklineConfig>, p1DataIndex: number) {
	const segment = config.data.datasets[0]?.segment;
	if (!segment || typeof segment === 'function') throw new Error('no segment options');
	const borderDash = segment.borderDash;
	if (typeof borderDash !== 'function') throw new Error('segment.borderDash is not scriptable');
	const context = { type: 'segment', p0DataIndex: p1DataIndex - 1, p1DataIndex };
	return borderDash(context as ScriptableLineSegmentContext, {});
}

/** WCAG relative luminance contrast, worked out here rather than trusted from a comment. */
function contrast(hex: string, against: string): number {
	const luminance = (colour: string) => {
		const [r, g, b] = [1, 3, 5].map((i) => {
			const c = parseInt(colour.slice(i, i + 2), 16) / 255;
			return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
		}) as [number, number, number];
		return 0.2126 * r + 0.7152 * g + 0.0722 * b;
	};
	const [light, dark] = [luminance(hex), luminance(against)].sort((a, b) => b - a) as [
		number,
		number
	];
	return (light + 0.05) / (dark + 0.05);
}

describe('sparklineConfig', () => {
	it('is a line chart with one label per period', () => {
		const config = sparklineConfig(series(), { unit: 'ratio' });
		expect(config.type).toBe('line');
		expect(config.data.labels).toHaveLength(12);
		expect(config.data.labels?.[0]).toBe('Dec 2025');
		expect(config.data.labels?.[11]).toBe('Nov 2026');
		expect(config.data.datasets).toHaveLength(1);
	});

	it('leaves periods without data as gaps, not joined across', () => {
		const dataset = sparklineConfig(series(), { unit: 'ratio' }).data.datasets[0];
		expect(dataset?.data).toEqual([
			null,
			null,
			null,
			0.3,
			0.31,
			0.33,
			0.32,
			null,
			0.35,
			0.36,
			0.34,
			0.2
		]);
		expect(dataset?.spanGaps).toBe(false);
	});

	it('turns non-finite values into gaps', () => {
		const points = series().map((p, i) => (i === 4 ? { ...p, value: Number.NaN } : p));
		expect(sparklineConfig(points, { unit: 'ratio' }).data.datasets[0]?.data[4]).toBeNull();
	});

	it('dashes the segment into the partial period and draws its point hollow', () => {
		const config = sparklineConfig(series(), { unit: 'ratio' });
		const dataset = config.data.datasets[0];
		expect(segmentDash(config, 11)).toEqual([4, 3]);
		for (let i = 1; i < 11; i++) expect(segmentDash(config, i)).toBeUndefined();

		const radius = dataset?.pointRadius as number[];
		const fill = dataset?.pointBackgroundColor as string[];
		expect(radius[11]).toBeGreaterThan(0);
		expect(fill[11]).toBe(PARTIAL_POINT_FILL);
		expect(dataset?.pointBorderColor).toBe(SERIES_COLOUR);
		expect(fill.slice(0, 11).every((c) => c === SERIES_COLOUR)).toBe(true);
		// Ordinary points are not drawn: the line is the figure.
		expect(radius.slice(0, 11).every((r) => r === 0)).toBe(true);
	});

	it('gives a value between two gaps a dot, since no line can show it', () => {
		const points = series().map((p, i) => (i === 8 ? p : { ...p, value: null, partial: false }));
		const radius = sparklineConfig(points, { unit: 'count' }).data.datasets[0]
			?.pointRadius as number[];
		expect(radius[8]).toBeGreaterThan(0);
		expect(radius.filter((r) => r > 0)).toHaveLength(1);
	});

	it('has no axes, legend, tooltip, interaction or animation and fills its box', () => {
		const options = sparklineConfig(series(), { unit: 'ratio' }).options;
		expect(options?.animation).toBe(false);
		expect(options?.responsive).toBe(true);
		expect(options?.maintainAspectRatio).toBe(false);
		expect(options?.events).toEqual([]);
		expect(options?.plugins?.legend?.display).toBe(false);
		expect(options?.plugins?.tooltip?.enabled).toBe(false);
		expect(options?.scales?.x?.display).toBe(false);
		expect(options?.scales?.y?.display).toBe(false);
		// Fitted to the data, not rounded out to tick values: a sparkline shows shape.
		expect(options?.scales?.y).toMatchObject({ bounds: 'data' });
	});

	it('uses one fixed blue, readable against white, unless told otherwise', () => {
		expect(contrast(SERIES_COLOUR, '#ffffff')).toBeGreaterThanOrEqual(3);
		const [r, g, b] = [1, 3, 5].map((i) => parseInt(SERIES_COLOUR.slice(i, i + 2), 16));
		expect(b).toBeGreaterThan(Math.max(r ?? 0, g ?? 0));

		const dataset = sparklineConfig(series(), { unit: 'ratio' }).data.datasets[0];
		expect(dataset?.borderColor).toBe(SERIES_COLOUR);
		const custom = sparklineConfig(series(), { unit: 'ratio', colour: '#7c3aed' }).data.datasets[0];
		expect(custom?.borderColor).toBe('#7c3aed');
		expect(custom?.pointBorderColor).toBe('#7c3aed');
	});

	it('is a fresh object each time, so the chart can be updated in place', () => {
		const a = sparklineConfig(series(), { unit: 'ratio' });
		const b = sparklineConfig(series(), { unit: 'ratio' });
		expect(a).not.toBe(b);
		expect(a.data.datasets[0]?.data).toEqual(b.data.datasets[0]?.data);
	});
});
