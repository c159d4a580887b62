import { describe, expect, it } from 'vitest';
import {
	fitSbg,
	fitSbgToSurvivalCurve,
	sbgChurnProbability,
	sbgLogLikelihood,
	sbgRetention,
	sbgSurvival
} from './sbg';

describe('the sBG survival identities', () => {
	const params = { alpha: 0.704, beta: 1.182 };

	it('S(t) is the product of the retention rates and 1 minus the churn so far', () => {
		let product = 1;
		let churned = 0;
		for (let t = 1; t <= 20; t++) {
			product *= sbgRetention(params, t);
			churned += sbgChurnProbability(params, t);
			expect(sbgSurvival(params, t)).toBeCloseTo(product, 13);
			expect(sbgSurvival(params, t)).toBeCloseTo(1 - churned, 13);
		}
		expect(sbgSurvival(params, 0)).toBeCloseTo(1, 15);
	});

	it('retention rises with tenure towards 1 (the survivors are the loyal ones)', () => {
		const rates = [1, 2, 5, 10, 100].map((t) => sbgRetention(params, t));
		rates.slice(1).forEach((r, i) => expect(r).toBeGreaterThan(rates[i] as number));
		expect(rates[4]).toBeLessThan(1);
	});

	it('matches α = β = 1 by hand: P(T = t) = 1/(t(t + 1)), S(t) = 1/(t + 1), r(t) = t/(t + 1)', () => {
		const flat = { alpha: 1, beta: 1 };
		for (const t of [1, 2, 3, 10]) {
			expect(sbgChurnProbability(flat, t)).toBeCloseTo(1 / (t * (t + 1)), 14);
			expect(sbgSurvival(flat, t)).toBeCloseTo(1 / (t + 1), 14);
			expect(sbgRetention(flat, t)).toBeCloseTo(t / (t + 1), 14);
		}
		// Survivors 2, 1, 0: one lost at renewal 1, one at renewal 2.
		expect(sbgLogLikelihood(flat, [2, 1, 0])).toBeCloseTo(Math.log(1 / 2) + Math.log(1 / 6), 14);
		// Survivors 3, 2, 2: one lost at renewal 1, two still there after 2.
		expect(sbgLogLikelihood(flat, [3, 2, 2])).toBeCloseTo(
			Math.log(1 / 2) + 2 * Math.log(1 / 3),
			14
		);
	});
});

describe('fitSbg', () => {
	it('recovers the parameters behind an exact expected survivor curve', () => {
		const truth = { alpha: 1.3, beta: 2.7 };
		const survivors = Array.from({ length: 13 }, (_, t) => 1e6 * sbgSurvival(truth, t));
		const fit = fitSbg(survivors);
		expect(fit.alpha).toBeCloseTo(truth.alpha, 5);
		expect(fit.beta).toBeCloseTo(truth.beta, 5);
		expect(fit.periods).toBe(12);
	});

	it('refuses survivors that grow', () => {
		expect(() => fitSbg([100, 80, 90])).toThrow('period 2 has 90');
	});
});

describe('fitSbgToSurvivalCurve', () => {
	const survivors = [1000, 631, 468, 382, 326, 289, 262, 241];

	it('gives the same (α, β) from shares as from counts', () => {
		const fromCounts = fitSbg(survivors);
		const fromShares = fitSbgToSurvivalCurve(survivors.map((n) => n / 1000));
		expect(fromShares.alpha).toBeCloseTo(fromCounts.alpha, 6);
		expect(fromShares.beta).toBeCloseTo(fromCounts.beta, 6);
	});

	it('needs six observed periods', () => {
		expect(() => fitSbgToSurvivalCurve([1, 0.63, 0.47, 0.38, 0.33, 0.29])).toThrow(
			'The retention projection needs at least 6 observed periods, and 5 are.'
		);
		expect(fitSbgToSurvivalCurve([1, 0.63, 0.47, 0.38, 0.33, 0.29, 0.26]).alpha).toBeGreaterThan(0);
	});
});
