import { describe, expect, it } from 'vitest';
import { scoreRfm } from '../models/rfm';
import type { CustomerInput } from './inputs';
import { countScore, emptySummary, rfmOnBasis, scoreCustomers, scoringBasis } from './score';

/** A small generator with ties on purpose (few distinct values). */
function customers(n: number, seed: number): CustomerInput[] {
	let state = seed;
	const next = (k: number) => {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		return state % k;
	};
	return Array.from({ length: n }, (_, i) => {
		const ageDays = 30 + next(700);
		const lastDays = next(ageDays + 1);
		const x = lastDays === 0 ? 0 : 1 + next(8);
		return {
			customerId: i + 1,
			firstDay: '2025-01-01',
			known: true,
			x,
			lastDays,
			ageDays,
			secondGapDays: x > 0 ? 1 + next(lastDays) : null,
			purchaseDays365: next(9),
			netRevenue365: 10 * next(40),
			meanRepeatValue: x > 0 ? 5 + next(50) : 0,
			active: next(5) > 0
		};
	});
}

const PARAMS = {
	bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
	gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 }
};
const OPTIONS = { discountRate: 0.1, margin: 1 };

describe('scoring on a basis', () => {
	it.each([1, 2, 3, 7, 200, 1_001])(
		'gives each of %i active customers the RFM scores percent_rank gives',
		(n) => {
			const inputs = customers(n, n).map((c) => ({ ...c, active: true }));
			const basis = scoringBasis(inputs, OPTIONS);
			const expected = scoreRfm(
				inputs.map((c) => ({
					daysSinceLastPurchase: c.ageDays - c.lastDays,
					purchaseDays: c.purchaseDays365,
					netRevenue: c.netRevenue365
				}))
			);
			expect(inputs.map((c) => rfmOnBasis(basis, c))).toEqual(expected);
		}
	);

	it('places a customer rescored later on the scale of everyone scored before', () => {
		const inputs = customers(500, 11).map((c) => ({ ...c, active: true }));
		const basis = scoringBasis(inputs, OPTIONS);
		// the most recent purchase and the most revenue of all score 5; the least score 1
		const best = { ...inputs[0]!, lastDays: inputs[0]!.ageDays, netRevenue365: 1e6 };
		const worst = { ...inputs[0]!, lastDays: 0, ageDays: 10_000, netRevenue365: -5 };
		expect(rfmOnBasis(basis, best)).toMatchObject({ r: 5, m: 5 });
		expect(rfmOnBasis(basis, worst)).toMatchObject({ r: 1, m: 1 });
	});

	it('refuses to give a score that is not a finite number', () => {
		const broken = { ...PARAMS, bgnbd: { ...PARAMS.bgnbd, alpha: Number.NaN } };
		expect(() => scoreCustomers(customers(20, 3), broken, OPTIONS)).toThrow(
			/no finite P\(alive\), expectation or CLV for 20 customers/
		);
	});

	it('sums the board figures so that taking a customer away and adding it back is exact', () => {
		const inputs = customers(300, 5);
		const { scores, summary, basis } = scoreCustomers(inputs, PARAMS, OPTIONS);
		// the high-value threshold: the revenue of the customer at position ceil(0.2 N), descending
		const active = inputs.filter((c) => c.active).map((c) => c.netRevenue365);
		active.sort((a, b) => b - a);
		expect(basis.highValueThreshold).toBe(active[Math.ceil(0.2 * active.length) - 1]);
		expect(summary.highValue).toBe(
			inputs.filter((c) => c.active && c.netRevenue365 >= basis.highValueThreshold!).length
		);
		const again = emptySummary(basis);
		for (const score of scores) countScore(again, score);
		for (const score of scores.slice(0, 100)) countScore(again, score, -1);
		for (const score of scores.slice(0, 100)) countScore(again, score);
		expect(again.scored).toBe(summary.scored);
		expect(again.atRisk).toBe(summary.atRisk);
		expect(again.segments).toEqual(summary.segments);
		expect(again.clvTotal).toBeCloseTo(summary.clvTotal, 6);
		expect(again.revenueAtRisk).toBeCloseTo(summary.revenueAtRisk, 6);
		expect(Object.values(summary.segments).reduce((a, b) => a + b, 0)).toBe(summary.active);
	});
});
