import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases } from './bgnbd';
import { customerLifetimeValue, WEEKS_PER_MONTH } from './clv';
import { conditionalExpectedAverageValue, populationMeanValue } from './gamma-gamma';

const bgnbd = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const gammaGamma = { p: 6.25, q: 3.74, gamma: 15.44 };
const regular = { x: 4, t_x: 30, T: 38, m: 42 };

describe('customerLifetimeValue', () => {
	it('without discount is E[AOV] × E[X(12 months)], the monthly sum telescoping', () => {
		const expected =
			conditionalExpectedAverageValue(gammaGamma, 4, 42) *
			conditionalExpectedPurchases(bgnbd, 12 * WEEKS_PER_MONTH, 4, 30, 38);
		expect(customerLifetimeValue(bgnbd, gammaGamma, regular, { discountRate: 0 })).toBeCloseTo(
			expected,
			10
		);
	});

	it('discounts month m by (1 + d)^(m/12), worked out for two months', () => {
		const aov = conditionalExpectedAverageValue(gammaGamma, 4, 42);
		const one = conditionalExpectedPurchases(bgnbd, WEEKS_PER_MONTH, 4, 30, 38);
		const two = conditionalExpectedPurchases(bgnbd, 2 * WEEKS_PER_MONTH, 4, 30, 38);
		const expected = (aov * one) / 1.1 ** (1 / 12) + (aov * (two - one)) / 1.1 ** (2 / 12);
		expect(customerLifetimeValue(bgnbd, gammaGamma, regular, { months: 2 })).toBeCloseTo(
			expected,
			10
		);
	});

	it('takes a month as 365.25/12 days', () => {
		expect(WEEKS_PER_MONTH * 7 * 12).toBeCloseTo(365.25, 12);
	});

	it('scales with the margin and falls as the discount rate rises', () => {
		const revenue = customerLifetimeValue(bgnbd, gammaGamma, regular);
		expect(customerLifetimeValue(bgnbd, gammaGamma, regular, { margin: 0.3 })).toBeCloseTo(
			0.3 * revenue,
			10
		);
		expect(customerLifetimeValue(bgnbd, gammaGamma, regular, { discountRate: 0.2 })).toBeLessThan(
			revenue
		);
		expect(customerLifetimeValue(bgnbd, gammaGamma, regular, { discountRate: 0 })).toBeGreaterThan(
			revenue
		);
	});

	it('values a one-purchase customer at the population mean spend', () => {
		const single = { x: 0, t_x: 0, T: 20, m: 0 };
		const expected =
			populationMeanValue(gammaGamma) *
			conditionalExpectedPurchases(bgnbd, 12 * WEEKS_PER_MONTH, 0, 0, 20);
		expect(customerLifetimeValue(bgnbd, gammaGamma, single, { discountRate: 0 })).toBeCloseTo(
			expected,
			10
		);
	});
});
