import { describe, expect, it } from 'vitest';
import {
	deltaDirection,
	deltaPrintsAsZero,
	formatDelta,
	formatValue,
	statusPresentation
} from './format';
import type { MetricStatus } from './metric-types';

const MINUS = '\u2212';

describe('formatValue', () => {
	it('shows ratios as percentages with one decimal', () => {
		expect(formatValue('ratio', 0.4132)).toBe('41.3%');
		expect(formatValue('ratio', 0.25)).toBe('25.0%');
		expect(formatValue('ratio', 1.0512)).toBe('105.1%');
		expect(formatValue('ratio', 0)).toBe('0.0%');
		expect(formatValue('ratio', -0.00001)).toBe('0.0%');
	});

	it('shows counts with thousands separators', () => {
		expect(formatValue('count', 12345)).toBe('12,345');
		expect(formatValue('count', 0)).toBe('0');
		expect(formatValue('count', 1234567)).toBe('1,234,567');
		expect(formatValue('count', 1.43)).toBe('1.4');
		expect(formatValue('count', -35)).toBe(`${MINUS}35`);
	});

	it('shows NPS as a signed integer with a real minus sign', () => {
		expect(formatValue('index', 42)).toBe('+42');
		expect(formatValue('index', 41.6)).toBe('+42');
		expect(formatValue('index', -7)).toBe('\u22127');
		expect(formatValue('index', -7.2)).toBe(`${MINUS}7`);
		expect(formatValue('index', 0)).toBe('0');
		expect(formatValue('index', 0.4)).toBe('0');
		expect(formatValue('index', -0.4)).toBe('0');
	});

	it('shows money in the reporting currency', () => {
		expect(formatValue('currency', 1234)).toBe('$1,234');
		expect(formatValue('currency', 1234.56)).toBe('$1,235');
		expect(formatValue('currency', 48.5)).toBe('$48.50');
		expect(formatValue('currency', 1234, 'EUR')).toBe('€1,234');
		expect(formatValue('currency', -1234)).toBe(`${MINUS}$1,234`);
	});

	it('shows durations with their unit', () => {
		expect(formatValue('days', 12.5)).toBe('12.5 days');
		expect(formatValue('days', 12)).toBe('12 days');
		expect(formatValue('days', 1)).toBe('1 day');
		expect(formatValue('hours', 1)).toBe('1 hour');
		expect(formatValue('score', 5.26)).toBe('5.3');
		expect(formatValue('score', 5)).toBe('5.0');
		expect(formatDelta('score', 0.25)).toBe('+0.3');
		expect(formatValue('hours', 36.5)).toBe('36.5 hours');
		expect(formatValue('months', 30.04)).toBe('30 months');
		expect(formatValue('months', 1)).toBe('1 month');
	});

	it('shows a dash for missing figures, never NaN or null', () => {
		for (const unit of [
			'ratio',
			'count',
			'index',
			'currency',
			'hours',
			'days',
			'months'
		] as const) {
			expect(formatValue(unit, null)).toBe('—');
			expect(formatValue(unit, undefined)).toBe('—');
			expect(formatValue(unit, Number.NaN)).toBe('—');
			expect(formatValue(unit, Number.POSITIVE_INFINITY)).toBe('—');
		}
	});
});

describe('formatDelta', () => {
	it('shows ratio changes in percentage points', () => {
		expect(formatDelta('ratio', 0.021)).toBe('+2.1 pts');
		expect(formatDelta('ratio', -0.004)).toBe(`${MINUS}0.4 pts`);
		expect(formatDelta('ratio', 0.1)).toBe('+10.0 pts');
	});

	it('shows NPS changes in whole points', () => {
		expect(formatDelta('index', 3)).toBe('+3 pts');
		expect(formatDelta('index', -2.6)).toBe(`${MINUS}3 pts`);
	});

	it('shows count, money and duration changes signed', () => {
		expect(formatDelta('count', 120)).toBe('+120');
		expect(formatDelta('count', -35)).toBe(`${MINUS}35`);
		expect(formatDelta('count', 1500)).toBe('+1,500');
		expect(formatDelta('currency', 1234)).toBe('+$1,234');
		expect(formatDelta('currency', -2.5)).toBe(`${MINUS}$2.50`);
		expect(formatDelta('days', 1.5)).toBe('+1.5 days');
		expect(formatDelta('months', -1)).toBe(`${MINUS}1 month`);
	});

	it('shows no change, and changes that round to nothing, as ±0', () => {
		expect(formatDelta('count', 0)).toBe('±0');
		expect(formatDelta('ratio', 0)).toBe('±0 pts');
		expect(formatDelta('ratio', 0.0004)).toBe('±0 pts');
		expect(formatDelta('index', -0.3)).toBe('±0 pts');
		expect(formatDelta('currency', 0)).toBe('±$0');
		expect(formatDelta('days', 0.01)).toBe('±0 days');
		expect(deltaPrintsAsZero('ratio', 0.0004)).toBe(true);
		expect(deltaPrintsAsZero('ratio', 0.0006)).toBe(false);
		expect(deltaPrintsAsZero('count', null)).toBe(true);
	});

	it('shows a dash for a missing change', () => {
		expect(formatDelta('ratio', null)).toBe('—');
		expect(formatDelta('count', Number.NaN)).toBe('—');
	});
});

describe('deltaDirection', () => {
	it('takes the better direction into account', () => {
		expect(deltaDirection(0.02, 'higher')).toBe('better');
		expect(deltaDirection(-0.02, 'higher')).toBe('worse');
		expect(deltaDirection(0.02, 'lower')).toBe('worse');
		expect(deltaDirection(-0.02, 'lower')).toBe('better');
	});

	it('calls no change, or no comparison, the same', () => {
		expect(deltaDirection(0, 'higher')).toBe('same');
		expect(deltaDirection(0, 'lower')).toBe('same');
		expect(deltaDirection(null, 'higher')).toBe('same');
	});
});

describe('statusPresentation', () => {
	it('gives every status an icon, a word and a tone of its own', () => {
		const expected: Record<MetricStatus, [string, string, string]> = {
			'on-target': ['✓', 'On target', 'good'],
			near: ['!', 'Near target', 'warn'],
			'off-target': ['✕', 'Off target', 'bad'],
			'not-enough-data': ['?', 'Not enough data', 'muted'],
			'no-target': ['–', 'No target', 'neutral']
		};
		for (const [status, [icon, word, tone]] of Object.entries(expected)) {
			expect(statusPresentation(status as MetricStatus)).toEqual({ icon, word, tone });
		}
		const tones = Object.keys(expected).map((s) => statusPresentation(s as MetricStatus).tone);
		expect(new Set(tones).size).toBe(5);
	});
});
