import {
	conditionalExpectedPurchases,
	probabilityAlive,
	type BgnbdParameters
} from '../models/bgnbd';
import { WEEKS_PER_MONTH } from '../models/clv';
import { conditionalExpectedAverageValue, type GammaGammaParameters } from '../models/gamma-gamma';
import {
	DEFAULT_F_BREAKPOINTS,
	frequencyScore,
	quintileScore,
	segmentOf,
	type RfmScore,
	type Score
} from '../models/rfm';
import type { CustomerInput } from './inputs';

/**
 * The scores of PRODUCT.md §3 "High-value churn risk" for every purchasing customer as of D, from
 * fitted parameters: P(alive), expected purchases in the next 90 days, CLV, RFM over the active
 * customers, high value and at risk. Pure: the caller reads the inputs and writes the scores.
 */

export interface ModelParameters {
	bgnbd: BgnbdParameters;
	/** null when the spend model could not be fitted: see `spendFallback`. */
	gammaGamma: GammaGammaParameters | null;
	spendFallback?: SpendFallback | null;
}

/**
 * Without a Gamma-Gamma fit (too few repeat buyers, or no finite mean), every customer's E[AOV]
 * is the mean of the repeat buyers' mean repeat values: CLV is still given, without the model's
 * shrinkage of each customer's own mean towards everyone's.
 */
export interface SpendFallback {
	averageValue: number;
	/** The repeat buyers with a positive mean value it averages. */
	customers: number;
	/** Why the spend model was not fitted, in one sentence. */
	reason: string;
}

export interface ScoreOptions {
	/** The annual discount rate d and the margin of CLV. */
	discountRate: number;
	margin: number;
}

export interface CustomerScore {
	customerId: number;
	pAlive: number;
	expected90: number;
	clv: number;
	netRevenue365: number;
	active: boolean;
	r: number | null;
	f: number | null;
	m: number | null;
	segment: string | null;
	highValue: boolean;
	atRisk: boolean;
	/** Which at-risk rule fired first, for the list ('p-alive', 'segment', 'single-purchase'). */
	reason: 'p-alive' | 'segment' | 'single-purchase' | null;
}

export interface ScoreSummary {
	scored: number;
	active: number;
	highValue: number;
	atRisk: number;
	revenueAtRisk: number;
	clvTotal: number;
	/** Customers per RFM segment (active customers). */
	segments: Record<string, number>;
	/** The net revenue in 365 days a customer needs to count as high value (null: no one). */
	highValueThreshold: number | null;
	/** percentile_cont(0.8) of the days from the first to the second purchase day. */
	secondPurchaseGapP80: number | null;
}

const WEEK = 7;
const HORIZON_DAYS = 90;
const MONTHS = 12;

/** percentile_cont(p) of the values, as SQL computes it (linear between closest ranks). */
export function percentileCont(values: readonly number[], p: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const position = p * (sorted.length - 1);
	const low = Math.floor(position);
	const high = Math.ceil(position);
	const lowValue = sorted[low] as number;
	return lowValue + (position - low) * ((sorted[high] as number) - lowValue);
}

/**
 * What a scoring compares each customer with, taken from the whole set of customers scored at a
 * fit and kept with it, so that a customer rescored later (new purchases) is placed on the same
 * scale: the least values that reach R and M = 2, 3, … (percent rank as SQL gives it), the F
 * breakpoints, the high-value threshold and the single-purchase gap.
 */
export interface ScoringBasis {
	/**
	 * R ≥ k + 2 when the days since the last purchase are below `recency[k]` (null: always);
	 * the scores the set reached, in order, so a set of one customer has none.
	 */
	recency: (number | null)[];
	/** M ≥ k + 2 when the net revenue in 365 days is above `monetary[k]` (null: always). */
	monetary: (number | null)[];
	fBreakpoints: number[];
	/** The net revenue in 365 days a customer needs to count as high value (null: no one). */
	highValueThreshold: number | null;
	/** percentile_cont(0.8) of the days from the first to the second purchase day. */
	secondPurchaseGapP80: number | null;
	discountRate: number;
	margin: number;
}

/**
 * The least count of values ranked before a customer's that reaches each score 2, 3, … of
 * least(5, 1 + floor(5 × percent_rank)), computed as quintileScore computes it.
 */
function scoreSteps(n: number): number[] {
	const steps: number[] = [];
	for (let before = 0, score = 2; before < n && score <= 5; before++) {
		while (score <= 5 && quintileScore(n > 1 ? before / (n - 1) : 0) >= score) {
			steps.push(before);
			score++;
		}
	}
	return steps;
}

/** The basis of a scoring of `inputs` (all the purchasing customers as of D). */
export function scoringBasis(
	inputs: readonly CustomerInput[],
	options: ScoreOptions & { fBreakpoints?: readonly number[] }
): ScoringBasis {
	const active = inputs.filter((c) => c.active);
	const steps = scoreSteps(active.length);
	// R: days since the last purchase, descending (the most recent last); a value v has
	// #{values > v} before it, which reaches `before` exactly when v < the before-th largest.
	const recency = active.map((c) => c.ageDays - c.lastDays).sort((a, b) => b - a);
	// M: net revenue ascending; v has #{values < v} before it.
	const revenues = active.map((c) => c.netRevenue365).sort((a, b) => a - b);
	const boundary = (sorted: number[]) =>
		steps.map((before) => (before === 0 ? null : (sorted[before - 1] as number)));
	// High value: net revenue in 365 days > 0 and at least the customer's at position
	// ceil(0.2 N) in descending order, N the active customers.
	const cut = revenues[active.length - Math.ceil(0.2 * active.length)];
	return {
		recency: boundary(recency),
		monetary: boundary(revenues),
		fBreakpoints: [...(options.fBreakpoints ?? DEFAULT_F_BREAKPOINTS)],
		highValueThreshold: active.length > 0 && cut !== undefined && cut > 0 ? cut : null,
		secondPurchaseGapP80: percentileCont(
			inputs.flatMap((c) => (c.secondGapDays === null ? [] : [c.secondGapDays])),
			0.8
		),
		discountRate: options.discountRate,
		margin: options.margin
	};
}

/** The RFM scores of an active customer on a basis. */
export function rfmOnBasis(basis: ScoringBasis, input: CustomerInput): RfmScore {
	const days = input.ageDays - input.lastDays;
	const r = (1 + basis.recency.filter((least) => least === null || days < least).length) as Score;
	const m = (1 +
		basis.monetary.filter((least) => least === null || input.netRevenue365 > least)
			.length) as Score;
	const f = frequencyScore(input.purchaseDays365, basis.fBreakpoints);
	return { r, f, m, segment: segmentOf(r, f) };
}

/** An empty summary on a basis: add customers with `countScore`. */
export function emptySummary(basis: ScoringBasis): ScoreSummary {
	return {
		scored: 0,
		active: 0,
		highValue: 0,
		atRisk: 0,
		revenueAtRisk: 0,
		clvTotal: 0,
		segments: {},
		highValueThreshold: basis.highValueThreshold,
		secondPurchaseGapP80: basis.secondPurchaseGapP80
	};
}

/** What one customer's scores add to the board figures (sign −1 takes them away). */
export function countScore(
	summary: ScoreSummary,
	score: Pick<
		CustomerScore,
		'active' | 'highValue' | 'atRisk' | 'clv' | 'netRevenue365' | 'segment'
	>,
	sign: 1 | -1 = 1
): void {
	summary.scored += sign;
	if (score.active) {
		summary.active += sign;
		// as stored: cents, so the figures equal the sums over the stored rows
		summary.clvTotal += sign * roundCents(score.clv);
		if (score.segment) {
			summary.segments[score.segment] = (summary.segments[score.segment] ?? 0) + sign;
			if (summary.segments[score.segment] === 0) delete summary.segments[score.segment];
		}
	}
	if (score.highValue) summary.highValue += sign;
	if (score.atRisk) {
		summary.atRisk += sign;
		summary.revenueAtRisk += sign * score.netRevenue365;
	}
}

export const roundCents = (value: number): number => Math.round(value * 100) / 100;

/** Scores every input and sums the board figures; RFM and high value compare with everyone. */
export function scoreCustomers(
	inputs: readonly CustomerInput[],
	params: ModelParameters,
	options: ScoreOptions & { fBreakpoints?: readonly number[] }
): { scores: CustomerScore[]; summary: ScoreSummary; basis: ScoringBasis } {
	const basis = scoringBasis(inputs, options);
	return { ...scoreOnBasis(inputs, params, basis), basis };
}

/** Throws when a score is not a finite number: no such score is ever stored or summed. */
export function checkFinite(scores: readonly CustomerScore[]): void {
	const broken = scores.filter(
		(s) => !Number.isFinite(s.pAlive) || !Number.isFinite(s.expected90) || !Number.isFinite(s.clv)
	).length;
	if (broken > 0) {
		throw new Error(
			`the models gave no finite P(alive), expectation or CLV for ${broken} customer${broken === 1 ? '' : 's'}`
		);
	}
}

/** Scores the inputs on a basis (a fit's, for customers rescored after it). */
export function scoreOnBasis(
	inputs: readonly CustomerInput[],
	params: ModelParameters,
	basis: ScoringBasis
): { scores: CustomerScore[]; summary: ScoreSummary } {
	const discountedPurchases = memoizedDiscountedPurchases(params.bgnbd, basis.discountRate);
	const threshold = basis.highValueThreshold;
	const gapP80 = basis.secondPurchaseGapP80;
	const summary = emptySummary(basis);
	const scores = inputs.map((c): CustomerScore => {
		const x = c.x;
		const t_x = c.lastDays / WEEK;
		const T = c.ageDays / WEEK;
		const pAlive = probabilityAlive(params.bgnbd, x, t_x, T);
		const expected90 = conditionalExpectedPurchases(params.bgnbd, HORIZON_DAYS / WEEK, x, t_x, T);
		const averageValue = params.gammaGamma
			? conditionalExpectedAverageValue(params.gammaGamma, x, c.meanRepeatValue)
			: (params.spendFallback?.averageValue ?? 0);
		const clv = basis.margin * averageValue * discountedPurchases(x, t_x, T);
		const scoresRfm = c.active ? rfmOnBasis(basis, c) : null;
		const highValue =
			c.active && threshold !== null && c.netRevenue365 > 0 && c.netRevenue365 >= threshold;
		let reason: CustomerScore['reason'] = null;
		if (highValue) {
			if (pAlive < 0.5) reason = 'p-alive';
			else if (scoresRfm?.segment === 'At risk' || scoresRfm?.segment === "Can't lose them")
				reason = 'segment';
			else if (x === 0 && gapP80 !== null && c.ageDays > gapP80) reason = 'single-purchase';
		}
		const score: CustomerScore = {
			customerId: c.customerId,
			pAlive,
			expected90,
			clv,
			netRevenue365: c.netRevenue365,
			active: c.active,
			r: scoresRfm?.r ?? null,
			f: scoresRfm?.f ?? null,
			m: scoresRfm?.m ?? null,
			segment: scoresRfm?.segment ?? null,
			highValue,
			atRisk: reason !== null,
			reason
		};
		countScore(summary, score);
		return score;
	});
	checkFinite(scores);
	return { scores, summary };
}

/**
 * Σ over months m = 1..12 of (E[X(m)] − E[X(m−1)]) / (1 + d)^(m/12) for a summary, memoized:
 * customers share few distinct (x, t_x, T) in whole days, and each term needs a 2F1.
 */
function memoizedDiscountedPurchases(params: BgnbdParameters, discountRate: number) {
	const memo = new Map<string, number>();
	return (x: number, t_x: number, T: number): number => {
		const key = `${x} ${t_x} ${T}`;
		let value = memo.get(key);
		if (value === undefined) {
			value = 0;
			let before = 0;
			for (let month = 1; month <= MONTHS; month++) {
				const expected = conditionalExpectedPurchases(params, month * WEEKS_PER_MONTH, x, t_x, T);
				value += (expected - before) / Math.pow(1 + discountRate, month / MONTHS);
				before = expected;
			}
			memo.set(key, value);
		}
		return value;
	};
}
