import { describe, expect, it } from 'vitest';
import { lapseFreeMonths, projectRetention } from './cohort-retention';

// Fader & Hardie (2007), "How to Project Customer Retention": the High End cohort's survivors
// at renewals 0–7 and the published fit (α 0.668, β 3.806).
const HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491];

describe('the retention projection of a never-lapsed curve', () => {
	// months 0–11 are 100% by definition (W = 365); then the cohort lapses as High End churns
	const curve = [...Array<number>(11).fill(1), ...HIGH_END.map((n) => n / 1000)];

	it('fits the shifted-beta-geometric model to S(k)/S(11) from month 12 on', () => {
		const projection = projectRetention(curve, 1000, 11);
		expect(projection).not.toBeNull();
		expect(Math.abs(projection!.alpha - 0.668)).toBeLessThanOrEqual(0.001);
		expect(Math.abs(projection!.beta - 3.806)).toBeLessThanOrEqual(0.001);
		// observed months stay empty; the next year continues the observed 49.1% at month 18 by
		// the model's retention ratios r(t) = (β + t − 1)/(α + β + t − 1), t = 8, 9, …
		const { alpha, beta, values } = projection!;
		expect(values.slice(0, curve.length).every((v) => v === null)).toBe(true);
		expect(values).toHaveLength(curve.length + 12);
		let survival = 1;
		for (let t = 1; t <= 7; t++) survival *= (beta + t - 1) / (alpha + beta + t - 1);
		expect(Math.abs(survival - 0.491)).toBeLessThan(0.01); // the fitted S(7), observed 49.1%
		let share = 0.491;
		for (let t = 8; t <= 19; t++) {
			share *= (beta + t - 1) / (alpha + beta + t - 1);
			expect(values[11 + t]).toBeCloseTo(share, 12);
		}
		// the month after the last observed is below it, by the model's next retention ratio
		expect(values[19]! / 0.491).toBeCloseTo((beta + 7) / (alpha + beta + 7), 12);
	});

	it('says nothing until 6 months after the lapse-free ones have ended', () => {
		expect(projectRetention(curve.slice(0, 17), 1000, 11)).toBeNull();
		expect(projectRetention([...curve.slice(0, 17), null, null], 1000, 11)).toBeNull();
		expect(projectRetention(curve.slice(0, 18), 1000, 11)).not.toBeNull();
	});
});

describe('the lapse-free months of a cohort', () => {
	it('are the months that end before the first day + W', () => {
		expect(lapseFreeMonths('2025-01', 365)).toBe(11); // first lapse 1 Jan 2026: month 12
		expect(lapseFreeMonths('2025-03', 365)).toBe(11);
		expect(lapseFreeMonths('2024-01', 365)).toBe(10); // a leap year: 31 Dec 2024 is month 11
		expect(lapseFreeMonths('2025-01', 90)).toBe(2); // 1 Apr 2025: month 3
	});
});
