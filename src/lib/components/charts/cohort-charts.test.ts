import { describe, expect, it } from 'vitest';
import { SECOND_COLOUR } from './board-charts';
import {
	contrast,
	HEAT_COLOUR,
	heatShade,
	lastObserved,
	PROJECTION_DASH,
	projectionCaption,
	retentionProjectionConfig
} from './cohort-charts';
import { SERIES_COLOUR } from './sparkline';

describe('the retention projection chart', () => {
	// Months 0–3 observed, month 4 not ended; the projection runs two months beyond month 3.
	const neverLapsed = [1, 0.9, 0.75, 0.6, null];
	const projection = { alpha: 1.2345, beta: 6.789, values: [null, null, null, null, 0.5, 0.42] };

	it('draws the observed curve solid and marked, in percent, months not ended as gaps', () => {
		const config = retentionProjectionConfig({ neverLapsed, projection });
		expect(config.data.labels).toEqual(['M0', 'M1', 'M2', 'M3', 'M4', 'M5']);
		const observed = config.data.datasets[0]!;
		expect(observed.data).toEqual([100, 90, 75, 60, null, null]);
		expect(observed).toMatchObject({ borderColor: SERIES_COLOUR, spanGaps: false });
		expect(observed.borderDash).toBeUndefined();
		expect(observed.pointRadius).toBeGreaterThan(0);
	});

	it('draws the projection dashed, from the last observed point on, null before it', () => {
		const config = retentionProjectionConfig({ neverLapsed, projection });
		expect(config.data.datasets).toHaveLength(2);
		const projected = config.data.datasets[1]!;
		expect(projected.borderDash).toEqual([...PROJECTION_DASH]);
		expect(projected.borderDash!.length).toBeGreaterThan(0);
		expect(projected.borderColor).toBe(SECOND_COLOUR);
		// month 3 is the last observed: the dashed line starts on its point (60%), then 50%, 42%
		expect(projected.data).toEqual([null, null, null, 60, 50, 42]);
		expect(lastObserved(neverLapsed)).toBe(3);
	});

	it('has no projection series for a cohort without one', () => {
		const config = retentionProjectionConfig({ neverLapsed: [1, 1, null], projection: null });
		expect(config.data.datasets).toHaveLength(1);
		expect(config.data.labels).toEqual(['M0', 'M1', 'M2']);
		expect(config.data.datasets[0]!.data).toEqual([100, 100, null]);
	});

	it('runs the axis on to the months a projection would need', () => {
		const config = retentionProjectionConfig(
			{ neverLapsed: [1, 1], projection: null },
			{ minMonths: 5 }
		);
		expect(config.data.labels).toEqual(['M0', 'M1', 'M2', 'M3', 'M4']);
		expect(config.data.datasets[0]!.data).toEqual([100, 100, null, null, null]);
	});

	it('keeps the y axis at 0–100% and leaves the legend to the page', () => {
		const config = retentionProjectionConfig({ neverLapsed, projection });
		expect(config.options?.scales?.y).toMatchObject({ min: 0, max: 100 });
		expect(config.options?.plugins?.legend?.display).toBe(false);
		expect(config.options?.animation).toBe(false);
	});

	it('names the model and its parameters to three digits', () => {
		expect(projectionCaption(projection)).toBe(
			'projected by the shifted-beta-geometric model (α 1.23, β 6.79)'
		);
	});
});

describe('the heat-map shades', () => {
	it('runs from white at 0% to the full colour at 100%, clamped beyond', () => {
		expect(heatShade(0)?.background).toBe('#ffffff');
		expect(heatShade(1)?.background).toBe(HEAT_COLOUR);
		expect(heatShade(1.8)?.background).toBe(HEAT_COLOUR);
		expect(heatShade(-0.2)?.background).toBe('#ffffff');
		// half-way: each channel half-way between white (255) and #1d4ed8 (29, 78, 216), rounded
		expect(heatShade(0.5)?.background).toBe('#8ea7ec');
	});

	it('leaves the cells of months not ended empty', () => {
		expect(heatShade(null)).toBeNull();
		expect(heatShade(Number.NaN)).toBeNull();
	});

	it('keeps at least 4.5:1 contrast for the text at every shade', () => {
		for (let i = 0; i <= 200; i++) {
			const shade = heatShade(i / 200)!;
			expect(contrast(shade.background, shade.color), `share ${i / 200}`).toBeGreaterThanOrEqual(
				4.5
			);
		}
		// the contrast formula itself: black on white is 21:1, white on white 1:1
		expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
		expect(contrast('#ffffff', '#ffffff')).toBe(1);
	});

	it('gets darker as the share grows', () => {
		const light = heatShade(0.2)!.background;
		const dark = heatShade(0.8)!.background;
		expect(contrast(light, '#ffffff')).toBeLessThan(contrast(dark, '#ffffff'));
	});
});
