import { hypergeometric2F1 } from './special-functions';
import { describe, expect, it } from 'vitest';
import {
	bgnbdLogLikelihood,
	conditionalExpectedPurchases,
	expectedPurchases,
	fitBgnbd,
	groupSummaries,
	mulberry32,
	probabilityAlive,
	probabilityOfPurchases,
	simulateBgnbd,
	summarizePurchases,
	type BgnbdParameters
} from './bgnbd';

const CDNOW: BgnbdParameters = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('summarizePurchases', () => {
	it('merges same-day orders, ignores later days and counts weeks in whole days', () => {
		const purchases = [
			{ customer: 'a', day: 100, value: 10 },
			{ customer: 'a', day: 100, value: 5 },
			{ customer: 'a', day: 107, value: 20 },
			{ customer: 'a', day: 107, value: 2 },
			{ customer: 'a', day: 114, value: 8 },
			{ customer: 'a', day: 130, value: 99 },
			{ customer: 'b', day: 121, value: 0 },
			{ customer: 'c', day: 129, value: 50 }
		];
		const summaries = summarizePurchases(purchases, 128);
		expect(summaries).toEqual([
			{ customer: 'a', x: 2, t_x: 2, T: 4, firstDay: 100, lastDay: 114, meanRepeatValue: 15 },
			{ customer: 'b', x: 0, t_x: 0, T: 1, firstDay: 121, lastDay: 121, meanRepeatValue: 0 }
		]);
	});
});

describe('groupSummaries', () => {
	it('counts identical summaries once each', () => {
		const groups = groupSummaries([
			{ x: 0, t_x: 0, T: 5 },
			{ x: 1, t_x: 2, T: 5 },
			{ x: 0, t_x: 0, T: 5 }
		]);
		expect(groups).toEqual([
			{ x: 0, t_x: 0, T: 5, count: 2 },
			{ x: 1, t_x: 2, T: 5, count: 1 }
		]);
	});
});

describe('bgnbdLogLikelihood', () => {
	const unit = { r: 1, alpha: 1, a: 1, b: 1 };

	it('matches the likelihood worked by hand at r = α = a = b = 1', () => {
		// x = 0, T = 1: (α/(α+T))^r = 1/2. x = 1, t_x = 1, T = 2: B(1,2)/B(1,1) · 1/3² +
		// B(2,1)/B(1,1) · 1/2² = 1/18 + 1/8 = 13/72.
		expect(bgnbdLogLikelihood(unit, [{ x: 0, t_x: 0, T: 1, count: 1 }])).toBeCloseTo(
			Math.log(0.5),
			14
		);
		expect(bgnbdLogLikelihood(unit, [{ x: 1, t_x: 1, T: 2, count: 1 }])).toBeCloseTo(
			Math.log(13 / 72),
			14
		);
	});

	it('is the same over groups as over customers one by one', () => {
		const summaries = simulateBgnbd(CDNOW, 500, 20, mulberry32(7)).map((s) => ({
			...s,
			t_x: Math.round(s.t_x * 7) / 7
		}));
		const grouped = groupSummaries(summaries);
		expect(grouped.length).toBeLessThan(summaries.length);
		const single = summaries.map((s) => ({ ...s, count: 1 }));
		expect(bgnbdLogLikelihood(CDNOW, grouped)).toBeCloseTo(bgnbdLogLikelihood(CDNOW, single), 8);
	});
});

describe('probabilityAlive', () => {
	it('is 1 without repeat purchases and matches a hand-worked case', () => {
		expect(probabilityAlive(CDNOW, 0, 0, 30)).toBe(1);
		// 1 / (1 + a/(b + x − 1) · ((α+T)/(α+t_x))^(r+x)) = 1 / (1 + 1/2 · (3/2)²) = 8/17.
		expect(probabilityAlive({ r: 1, alpha: 1, a: 1, b: 2 }, 1, 1, 2)).toBeCloseTo(8 / 17, 14);
	});

	it('falls the longer a customer has been silent', () => {
		const values = [31, 33, 36, 39].map((T) => probabilityAlive(CDNOW, 3, 30, T));
		values.slice(1).forEach((v, i) => expect(v).toBeLessThan(values[i] as number));
	});
});

describe('expectedPurchases and probabilityOfPurchases', () => {
	it('P(X(t) = n) sums to 1, and its mean is E[X(t)] from the 2F1 formula', () => {
		for (const t of [1, 39, 78, 500]) {
			let total = 0;
			let mean = 0;
			for (let n = 0; n < 3000; n++) {
				const p = probabilityOfPurchases(CDNOW, t, n);
				total += p;
				mean += n * p;
			}
			expect(total).toBeCloseTo(1, 10);
			expect(expectedPurchases(CDNOW, t)).toBeCloseTo(mean, 8);
		}
	});

	it('P(X(t) = 0) is (α/(α+t))^r', () => {
		expect(probabilityOfPurchases(CDNOW, 39, 0)).toBeCloseTo(Math.pow(4.414 / 43.414, 0.243), 14);
	});

	it('a customer seen at the first purchase expects E[X(t)]', () => {
		for (const t of [5, 39, 100]) {
			expect(conditionalExpectedPurchases(CDNOW, t, 0, 0, 0)).toBeCloseTo(
				expectedPurchases(CDNOW, t),
				12
			);
		}
	});

	it('E[X(t)] is the mean count of customers simulated for t weeks', () => {
		const params = { r: 0.5, alpha: 5, a: 0.8, b: 2.5 };
		const counts = simulateBgnbd(params, 40_000, 39, mulberry32(11)).map((s) => s.x);
		const mean = counts.reduce((s, x) => s + x, 0) / counts.length;
		const sd = Math.sqrt(counts.reduce((s, x) => s + (x - mean) ** 2, 0) / (counts.length - 1));
		expect(Math.abs(mean - expectedPurchases(params, 39))).toBeLessThan(
			(3 * sd) / Math.sqrt(counts.length)
		);
	});
});

describe('conditionalExpectedPurchases', () => {
	it('grows with the horizon and is 0 over none', () => {
		expect(conditionalExpectedPurchases(CDNOW, 0, 2, 30, 39)).toBe(0);
		const values = [4, 13, 26, 52].map((t) => conditionalExpectedPurchases(CDNOW, t, 2, 30, 39));
		values.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(values[i] as number));
	});

	it('sums the closed form of FHL 2005 eq. 9 and 10, and stays exact where it cancels', () => {
		// the closed form with the Gaussian 2F1, where it is well conditioned (CDNOW)
		const { r, alpha, a, b } = CDNOW;
		for (const t of [5, 39, 100]) {
			const closed =
				((a + b - 1) / (a - 1)) *
				(1 - (alpha / (alpha + t)) ** r * hypergeometric2F1(r, b, a + b - 1, t / (alpha + t)));
			expect(Math.abs(expectedPurchases(CDNOW, t) - closed) / closed).toBeLessThan(1e-12);
		}
		// b towards infinity (no one drops out): an active customer's rate is Gamma(r + x, α + T),
		// so t (r + x)/(α + T)
		for (const [x, t_x, T] of [
			[0, 0, 20],
			[2, 30.43, 38.86],
			[12, 50, 52]
		] as const) {
			const limit = (39 * (r + x)) / (alpha + T);
			const huge = conditionalExpectedPurchases({ ...CDNOW, b: 1e9 }, 39, x, t_x, T);
			expect(Math.abs(huge - limit) / limit).toBeLessThan(1e-6);
		}
		// smooth through a = 1, where the closed form is 0/0
		const near = conditionalExpectedPurchases({ ...CDNOW, a: 1 + 1e-5 }, 39, 2, 30.43, 38.86);
		const one = conditionalExpectedPurchases({ ...CDNOW, a: 1 }, 39, 2, 30.43, 38.86);
		expect(Math.abs(one - near) / near).toBeLessThan(1e-4);
	});

	it('is the same on both sides of the switch from the series to quadrature at large a', () => {
		// the Euler series up to a = 100, Gauss–Legendre over p's Beta posterior above
		for (const [x, t_x, T, t] of [
			[0, 0, 20, 13],
			[2, 30.43, 38.86, 39],
			[6, 50, 52, 52]
		] as const) {
			const series = conditionalExpectedPurchases({ ...CDNOW, a: 100, b: 240 }, t, x, t_x, T);
			const quadrature = conditionalExpectedPurchases(
				{ ...CDNOW, a: 100 * (1 + 1e-12), b: 240 },
				t,
				x,
				t_x,
				T
			);
			expect(Math.abs(quadrature - series) / series).toBeLessThan(1e-9);
		}
		for (const t of [5, 39, 100]) {
			const series = expectedPurchases({ ...CDNOW, a: 100, b: 3 }, t);
			const quadrature = expectedPurchases({ ...CDNOW, a: 100 * (1 + 1e-12), b: 3 }, t);
			// a Beta(100, 3) leans on p = 1: the panels converge a little slower there
			expect(Math.abs(quadrature - series) / series).toBeLessThan(1e-8);
		}
	});

	it('is finite where a and b run to the bounds: nearly one dropout probability for all', () => {
		// a fit on customers who all stop after a burst: a ≈ 6.5e5, b ≈ 1e6. With p fixed, an active
		// customer buys (1 − ((α+T)/(α+T+pt))^(r+x))/p in t weeks on average
		const params = { r: 0.634, alpha: 1.228, a: 654_837.7, b: 995_663.6 };
		for (const [x, t_x, T] of [
			[0, 0, 0],
			[1, 0.86, 19.3],
			[4, 30, 60]
		] as const) {
			const p = params.a / (params.a + params.b + x);
			const beta = params.alpha + T;
			const fixed =
				(probabilityAlive(params, x, t_x, T) * (1 - (beta / (beta + p * 13)) ** (params.r + x))) /
				p;
			const value = conditionalExpectedPurchases(params, 13, x, t_x, T);
			expect(Number.isFinite(value)).toBe(true);
			expect(Math.abs(value - fixed) / fixed).toBeLessThan(1e-4);
		}
	});

	it('expects more from a customer who bought recently than from one gone quiet', () => {
		const recent = conditionalExpectedPurchases(CDNOW, 39, 5, 38, 39);
		const quiet = conditionalExpectedPurchases(CDNOW, 39, 5, 10, 39);
		expect(recent).toBeGreaterThan(quiet);
	});
});

describe('fitBgnbd', () => {
	it('refuses fewer than 100 customers in one sentence', () => {
		expect(() => fitBgnbd([{ x: 1, t_x: 2, T: 10, count: 99 }])).toThrow(
			'The BG/NBD model needs at least 100 customers with a first purchase in the calibration period, and 99 qualify.'
		);
	});

	it('refuses data without a repeat purchase', () => {
		expect(() => fitBgnbd([{ x: 0, t_x: 0, T: 10, count: 500 }])).toThrow(/repeat purchase/);
	});
});
