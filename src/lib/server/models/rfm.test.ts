import { describe, expect, it } from 'vitest';
import {
	DEFAULT_F_BREAKPOINTS,
	RFM_SEGMENTS,
	frequencyScore,
	percentRanks,
	quintileScore,
	scoreRfm,
	segmentOf
} from './rfm';

describe('the RFM segment table', () => {
	it('maps each of the 25 (R, F) cells to exactly one segment, and reaches every segment', () => {
		const reached = new Set<string>();
		for (let r = 1; r <= 5; r++) {
			for (let f = 1; f <= 5; f++) {
				const matching = RFM_SEGMENTS.filter(
					(s) => r >= s.r[0] && r <= s.r[1] && f >= s.f[0] && f <= s.f[1]
				);
				expect(matching, `R${r} F${f}`).toHaveLength(1);
				reached.add(segmentOf(r, f));
			}
		}
		expect([...reached].sort()).toEqual(RFM_SEGMENTS.map((s) => s.name).sort());
		expect(RFM_SEGMENTS).toHaveLength(11);
	});

	it('names the cells PRODUCT.md names', () => {
		expect(segmentOf(5, 1)).toBe('New');
		expect(segmentOf(4, 1)).toBe('Promising');
		expect(segmentOf(5, 3)).toBe('Potential loyalist');
		expect(segmentOf(5, 5)).toBe('Champions');
		expect(segmentOf(3, 4)).toBe('Loyal');
		expect(segmentOf(3, 3)).toBe('Need attention');
		expect(segmentOf(3, 2)).toBe('About to sleep');
		expect(segmentOf(2, 4)).toBe('At risk');
		expect(segmentOf(1, 5)).toBe("Can't lose them");
		expect(segmentOf(2, 1)).toBe('Hibernating');
		expect(segmentOf(1, 2)).toBe('Lost');
		expect(() => segmentOf(0, 3)).toThrow(RangeError);
	});
});

describe('percentRanks', () => {
	it('is (rank − 1)/(n − 1) with ties sharing the lower rank, in either order', () => {
		expect(percentRanks([10, 20, 20, 30], 'asc')).toEqual([0, 1 / 3, 1 / 3, 1]);
		expect(percentRanks([10, 20, 20, 30], 'desc')).toEqual([1, 1 / 3, 1 / 3, 0]);
		expect(percentRanks([5, 5, 5], 'asc')).toEqual([0, 0, 0]);
		expect(percentRanks([42], 'asc')).toEqual([0]);
		expect(percentRanks([], 'asc')).toEqual([]);
	});
});

describe('quintileScore and frequencyScore', () => {
	it('least(5, 1 + floor(5 × percent rank))', () => {
		expect([0, 0.19, 0.2, 0.39, 0.4, 0.6, 0.8, 0.99, 1].map(quintileScore)).toEqual([
			1, 1, 2, 2, 3, 4, 5, 5, 5
		]);
	});

	it('scores purchase days 1 / 2 / 3 / 4–5 / ≥ 6 by default, and by other breakpoints', () => {
		expect(DEFAULT_F_BREAKPOINTS).toEqual([2, 3, 4, 6]);
		expect([0, 1, 2, 3, 4, 5, 6, 40].map((d) => frequencyScore(d))).toEqual([
			1, 1, 2, 3, 4, 4, 5, 5
		]);
		expect([1, 2, 3, 5, 9, 10].map((d) => frequencyScore(d, [2, 4, 6, 10]))).toEqual([
			1, 2, 2, 3, 4, 5
		]);
		expect(() => frequencyScore(3, [2, 2, 3, 4])).toThrow(/increasing/);
	});
});

describe('scoreRfm', () => {
	it('scores six customers as worked by hand', () => {
		// Days since last purchase, descending: 300 (pr 0), 200 (0.2), 90 ×2 (0.4), 30 (0.8), 1 (1).
		// Revenue ascending: 0 (0), 50 ×2 (0.2), 100 (0.6), 400 (0.8), 900 (1).
		const customers = [
			{ daysSinceLastPurchase: 1, purchaseDays: 7, netRevenue: 900 },
			{ daysSinceLastPurchase: 30, purchaseDays: 1, netRevenue: 50 },
			{ daysSinceLastPurchase: 90, purchaseDays: 3, netRevenue: 50 },
			{ daysSinceLastPurchase: 90, purchaseDays: 3, netRevenue: 100 },
			{ daysSinceLastPurchase: 200, purchaseDays: 4, netRevenue: 400 },
			{ daysSinceLastPurchase: 300, purchaseDays: 2, netRevenue: 0 }
		];
		expect(scoreRfm(customers)).toEqual([
			{ r: 5, f: 5, m: 5, segment: 'Champions' },
			{ r: 5, f: 1, m: 2, segment: 'New' },
			{ r: 3, f: 3, m: 2, segment: 'Need attention' },
			{ r: 3, f: 3, m: 4, segment: 'Need attention' },
			{ r: 2, f: 4, m: 5, segment: 'At risk' },
			{ r: 1, f: 2, m: 1, segment: 'Lost' }
		]);
	});

	it('gives equal customers equal scores wherever they stand in the list', () => {
		const twin = { daysSinceLastPurchase: 45, purchaseDays: 2, netRevenue: 120 };
		const others = Array.from({ length: 20 }, (_, i) => ({
			daysSinceLastPurchase: i * 17,
			purchaseDays: i % 7,
			netRevenue: i * 31
		}));
		const scores = scoreRfm([twin, ...others, twin]);
		expect(scores[0]).toEqual(scores[21]);
	});

	it('scores a single customer R = M = 1', () => {
		expect(scoreRfm([{ daysSinceLastPurchase: 3, purchaseDays: 1, netRevenue: 10 }])).toEqual([
			{ r: 1, f: 1, m: 1, segment: 'Lost' }
		]);
	});
});
