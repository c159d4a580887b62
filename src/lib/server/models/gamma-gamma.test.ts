import { describe, expect, it } from 'vitest';
import { mulberry32 } from './bgnbd';
import {
	conditionalExpectedAverageValue,
	fitGammaGamma,
	gammaGammaLogLikelihood,
	populationMeanValue,
	simulateMeanSpend
} from './gamma-gamma';

describe('the Gamma-Gamma expectations', () => {
	const params = { p: 6, q: 4, gamma: 15 };

	it('population mean pγ/(q − 1) and conditional mean p(γ + mx)/(px + q − 1), by hand', () => {
		expect(populationMeanValue(params)).toBe(30);
		expect(conditionalExpectedAverageValue(params, 2, 20)).toBeCloseTo(330 / 15, 14);
		expect(conditionalExpectedAverageValue(params, 0, 0)).toBe(30);
		expect(populationMeanValue({ p: 1, q: 0.9, gamma: 1 })).toBe(Infinity);
	});

	it('the conditional mean weighs the population mean against the customer’s own', () => {
		for (const [x, m] of [
			[1, 5],
			[3, 80],
			[40, 12]
		] as const) {
			const weight = (params.p * x) / (params.p * x + params.q - 1);
			expect(conditionalExpectedAverageValue(params, x, m)).toBeCloseTo(
				(1 - weight) * populationMeanValue(params) + weight * m,
				12
			);
		}
	});
});

describe('gammaGammaLogLikelihood', () => {
	it('matches a hand-worked row: p = 1, q = 2, γ = 1, x = 1, m = 1 gives Γ(3)/(Γ(1)Γ(2)) / 2³', () => {
		expect(gammaGammaLogLikelihood({ p: 1, q: 2, gamma: 1 }, [{ x: 1, m: 1 }])).toBeCloseTo(
			-2 * Math.LN2,
			14
		);
	});
});

describe('fitGammaGamma', () => {
	it('recovers simulated parameters and counts the customers left out', () => {
		const truth = { p: 6, q: 4, gamma: 15 };
		const random = mulberry32(3);
		const repeats = Array.from({ length: 20_000 }, () => Math.floor(random() * 6));
		const rows = simulateMeanSpend(truth, repeats, random);
		const fit = fitGammaGamma(rows);
		const withoutRepeat = repeats.filter((x) => x === 0).length;
		expect(fit.leftOut).toBe(withoutRepeat);
		expect(fit.customers).toBe(rows.length - withoutRepeat);
		expect(populationMeanValue(fit)).toBeCloseTo(populationMeanValue(truth), 0);
		expect(Math.abs(fit.q / truth.q - 1)).toBeLessThan(0.1);
		expect(Math.abs(fit.p / truth.p - 1)).toBeLessThan(0.1);
	});

	it('leaves out a mean of 0, and refuses fewer than 100 customers', () => {
		const repeats = Array.from({ length: 120 }, (_, i) => 1 + (i % 4));
		const rows = simulateMeanSpend({ p: 6, q: 4, gamma: 15 }, repeats, mulberry32(5));
		expect(fitGammaGamma([...rows, { x: 2, m: 0 }]).leftOut).toBe(1);
		expect(() => fitGammaGamma(rows.slice(0, 99))).toThrow(
			'The Gamma-Gamma model needs at least 100 customers with repeat purchases of positive value, and 99 qualify.'
		);
	});
});
