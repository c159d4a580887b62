import { describe, expect, it } from 'vitest';
import { defineMetric, type MetricDefinition } from './catalog-entry';
import { statusOf } from './status';

const compute: MetricDefinition['compute'] = async () => {
	throw new Error('not used');
};
const rate = defineMetric({
	id: 'r',
	label: 'R',
	definition: 'd',
	unit: 'ratio',
	better: 'higher',
	compute
});
const churn = defineMetric({
	id: 'c',
	label: 'C',
	definition: 'd',
	unit: 'ratio',
	better: 'lower',
	compute
});
const count = defineMetric({
	id: 'n',
	label: 'N',
	definition: 'd',
	unit: 'count',
	better: 'higher',
	compute
});
const nps = defineMetric({
	id: 'nps',
	label: 'NPS',
	definition: 'd',
	unit: 'index',
	better: 'higher',
	compute
});

describe('statusOf', () => {
	it('is on target at or better than the target in the metric’s direction', () => {
		expect(statusOf(rate, 0.5, 100, 0.5)).toBe('on-target');
		expect(statusOf(rate, 0.61, 100, 0.5)).toBe('on-target');
		expect(statusOf(churn, 0.04, 100, 0.05)).toBe('on-target');
	});

	it('is near when worse by no more than 2 points for percentages', () => {
		expect(statusOf(rate, 0.48, 100, 0.5)).toBe('near');
		expect(statusOf(rate, 0.4799, 100, 0.5)).toBe('off-target');
		expect(statusOf(churn, 0.07, 100, 0.05)).toBe('near');
		expect(statusOf(churn, 0.0701, 100, 0.05)).toBe('off-target');
	});

	it('uses 2 points for NPS and 5% of the target for other units', () => {
		expect(statusOf(nps, 38, 100, 40)).toBe('near');
		expect(statusOf(nps, 37.9, 100, 40)).toBe('off-target');
		expect(statusOf(count, 950, 100, 1000)).toBe('near');
		expect(statusOf(count, 949, 100, 1000)).toBe('off-target');
	});

	it('says not-enough-data below minN or without a value, before looking at the target', () => {
		expect(statusOf(rate, 0.9, 29, 0.5)).toBe('not-enough-data');
		expect(statusOf(rate, 0.9, 30, 0.5)).toBe('on-target');
		expect(statusOf(rate, null, 100, 0.5)).toBe('not-enough-data');
	});

	it('is no-target when the metric has none', () => {
		expect(statusOf(count, 12, 100)).toBe('no-target');
	});

	it('honours an explicit tolerance', () => {
		const strict = { ...rate, tolerance: 0.005 };
		expect(statusOf(strict, 0.496, 100, 0.5)).toBe('near');
		expect(statusOf(strict, 0.49, 100, 0.5)).toBe('off-target');
	});
});
