/**
 * RFM scores and segments as PRODUCT.md §3 defines them: R and M by percent rank (ties share a
 * score), F by fixed breakpoints, and segments by (R, F).
 */

export type Score = 1 | 2 | 3 | 4 | 5;

export interface RfmInput {
	/** Days since the customer's last purchase. */
	daysSinceLastPurchase: number;
	/** Purchase days in the last 365 days. */
	purchaseDays: number;
	/** Net revenue in the last 365 days. */
	netRevenue: number;
}

export interface RfmScore {
	r: Score;
	f: Score;
	m: Score;
	segment: RfmSegmentName;
}

/** The least purchase days for F = 2, 3, 4 and 5: the default 1 / 2 / 3 / 4–5 / ≥ 6. */
export const DEFAULT_F_BREAKPOINTS: readonly [number, number, number, number] = [2, 3, 4, 6];

export type RfmSegmentName =
	| 'New'
	| 'Promising'
	| 'Potential loyalist'
	| 'Champions'
	| 'Loyal'
	| 'Need attention'
	| 'About to sleep'
	| 'At risk'
	| "Can't lose them"
	| 'Hibernating'
	| 'Lost';

export interface RfmSegment {
	name: RfmSegmentName;
	/** Inclusive ranges of R and F. */
	r: readonly [Score, Score];
	f: readonly [Score, Score];
}

/** The (R, F) → segment table; together the ranges cover each of the 25 cells exactly once. */
export const RFM_SEGMENTS: readonly RfmSegment[] = [
	{ name: 'New', r: [5, 5], f: [1, 1] },
	{ name: 'Promising', r: [4, 4], f: [1, 1] },
	{ name: 'Potential loyalist', r: [4, 5], f: [2, 3] },
	{ name: 'Champions', r: [5, 5], f: [4, 5] },
	{ name: 'Loyal', r: [3, 4], f: [4, 5] },
	{ name: 'Need attention', r: [3, 3], f: [3, 3] },
	{ name: 'About to sleep', r: [3, 3], f: [1, 2] },
	{ name: 'At risk', r: [1, 2], f: [3, 4] },
	{ name: "Can't lose them", r: [1, 2], f: [5, 5] },
	{ name: 'Hibernating', r: [2, 2], f: [1, 2] },
	{ name: 'Lost', r: [1, 1], f: [1, 2] }
];

const within = (value: number, [low, high]: readonly [number, number]) =>
	value >= low && value <= high;

/** The segment of an (R, F) cell; throws for a score outside 1…5. */
export function segmentOf(r: number, f: number): RfmSegmentName {
	const segment = RFM_SEGMENTS.find((s) => within(r, s.r) && within(f, s.f));
	if (!segment) throw new RangeError(`No RFM segment has R = ${r} and F = ${f}.`);
	return segment.name;
}

/**
 * SQL's percent_rank() over the values in the given order: (rank − 1)/(n − 1), where rank is one
 * more than the number of values strictly before; equal values share it; 0 when n = 1.
 */
export function percentRanks(values: readonly number[], order: 'asc' | 'desc'): number[] {
	const sign = order === 'asc' ? 1 : -1;
	const indices = values
		.map((_, i) => i)
		.sort((i, j) => sign * ((values[i] as number) - (values[j] as number)));
	const ranks = new Array<number>(values.length).fill(0);
	const n = values.length;
	indices.forEach((index, position) => {
		const previous = indices[position - 1];
		const tied = previous !== undefined && values[previous] === values[index];
		ranks[index] = tied ? (ranks[previous] as number) : n > 1 ? position / (n - 1) : 0;
	});
	return ranks;
}

/** least(5, 1 + floor(5 × percent_rank)), with the same floating-point steps as the SQL. */
export function quintileScore(percentRank: number): Score {
	return Math.min(5, 1 + Math.floor(5 * percentRank)) as Score;
}

/** F from purchase days by the breakpoints: the least purchase days for F = 2, 3, 4 and 5. */
export function frequencyScore(
	purchaseDays: number,
	breakpoints: readonly number[] = DEFAULT_F_BREAKPOINTS
): Score {
	checkBreakpoints(breakpoints);
	return (1 + breakpoints.filter((least) => purchaseDays >= least).length) as Score;
}

function checkBreakpoints(breakpoints: readonly number[]): void {
	const increasing = breakpoints.every((b, i) => i === 0 || b > (breakpoints[i - 1] as number));
	if (breakpoints.length !== 4 || !increasing) {
		throw new RangeError('The F breakpoints must be four increasing purchase-day counts.');
	}
}

/**
 * R, F, M and the segment of each active customer: R by percent rank over days since the last
 * purchase, descending (the most recent scores 5); M likewise over net revenue, ascending; F by the
 * breakpoints. Scores are relative, so pass all active customers at once.
 */
export function scoreRfm(
	customers: readonly RfmInput[],
	breakpoints: readonly number[] = DEFAULT_F_BREAKPOINTS
): RfmScore[] {
	checkBreakpoints(breakpoints);
	const recency = percentRanks(
		customers.map((c) => c.daysSinceLastPurchase),
		'desc'
	);
	const monetary = percentRanks(
		customers.map((c) => c.netRevenue),
		'asc'
	);
	return customers.map((customer, i) => {
		const r = quintileScore(recency[i] as number);
		const f = frequencyScore(customer.purchaseDays, breakpoints);
		return { r, f, m: quintileScore(monetary[i] as number), segment: segmentOf(r, f) };
	});
}
