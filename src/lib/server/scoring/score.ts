import {
	conditionalExpectedPurchases,
	probabilityAlive,
	type BgnbdParameters
} from '../models/bgnbd';
import { WEEKS_PER_MONTH } from '../models/clv';
import { conditionalExpectedAverageValue, type GammaGammaParameters } from '../models/gamma-gamma';
import { scoreRfm, type RfmScore } from '../models/rfm';
import type { CustomerInput } from './inputs';

/**
 * The scores of PRODUCT.md §3 "High-value churn risk" for every purchasing customer as of D, from
 * fitted parameters: P(alive), expected purchases in the next 90 days, CLV, RFM over the active
 * customers, high value and at risk. Pure: the caller reads the inputs and writes the scores.
 */

export interface ModelParameters {
	bgnbd: BgnbdParameters;
	gammaGamma: GammaGammaParameters;
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

/** Scores every input; RFM, high value and the single-purchase rule look at the whole set. */
export function scoreCustomers(
	inputs: readonly CustomerInput[],
	params: ModelParameters,
	options: ScoreOptions
): { scores: CustomerScore[]; summary: ScoreSummary } {
	const discountedPurchases = memoizedDiscountedPurchases(params.bgnbd, options.discountRate);
	const active = inputs.filter((c) => c.active);
	// RFM over the active customers.
	const rfmScores = scoreRfm(
		active.map((c) => ({
			daysSinceLastPurchase: c.ageDays - c.lastDays,
			purchaseDays: c.purchaseDays365,
			netRevenue: c.netRevenue365
		}))
	);
	const rfm = new Map(active.map((c, i) => [c.customerId, rfmScores[i] as RfmScore]));

	// High value: net revenue in 365 days > 0 and at least the customer's at position ceil(0.2 N)
	// in descending order, N the active customers.
	const revenues = active.map((c) => c.netRevenue365).sort((a, b) => b - a);
	const cut = revenues[Math.ceil(0.2 * active.length) - 1];
	const threshold = cut !== undefined && cut > 0 ? cut : null;
	const gapP80 = percentileCont(
		inputs.flatMap((c) => (c.secondGapDays === null ? [] : [c.secondGapDays])),
		0.8
	);

	const summary: ScoreSummary = {
		scored: inputs.length,
		active: active.length,
		highValue: 0,
		atRisk: 0,
		revenueAtRisk: 0,
		clvTotal: 0,
		segments: {},
		highValueThreshold: threshold,
		secondPurchaseGapP80: gapP80
	};
	const scores = inputs.map((c): CustomerScore => {
		const x = c.x;
		const t_x = c.lastDays / WEEK;
		const T = c.ageDays / WEEK;
		const pAlive = probabilityAlive(params.bgnbd, x, t_x, T);
		const expected90 = conditionalExpectedPurchases(params.bgnbd, HORIZON_DAYS / WEEK, x, t_x, T);
		const averageValue = conditionalExpectedAverageValue(params.gammaGamma, x, c.meanRepeatValue);
		const clv = options.margin * averageValue * discountedPurchases(x, t_x, T);
		const scoresRfm = rfm.get(c.customerId) ?? null;
		const highValue =
			c.active && threshold !== null && c.netRevenue365 > 0 && c.netRevenue365 >= threshold;
		let reason: CustomerScore['reason'] = null;
		if (highValue) {
			if (pAlive < 0.5) reason = 'p-alive';
			else if (scoresRfm?.segment === 'At risk' || scoresRfm?.segment === "Can't lose them")
				reason = 'segment';
			else if (x === 0 && gapP80 !== null && c.ageDays > gapP80) reason = 'single-purchase';
		}
		if (c.active) {
			summary.clvTotal += clv;
			if (scoresRfm) {
				summary.segments[scoresRfm.segment] = (summary.segments[scoresRfm.segment] ?? 0) + 1;
			}
		}
		if (highValue) summary.highValue++;
		if (reason) {
			summary.atRisk++;
			summary.revenueAtRisk += c.netRevenue365;
		}
		return {
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
	});
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
