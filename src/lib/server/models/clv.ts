import { conditionalExpectedPurchases, type BgnbdParameters } from './bgnbd';
import { conditionalExpectedAverageValue, type GammaGammaParameters } from './gamma-gamma';

/** A month as PRODUCT.md counts it: 365.25 / 12 days, in weeks. */
export const WEEKS_PER_MONTH = 365.25 / 12 / 7;

export interface ClvOptions {
	/** Annual discount rate d (default 0.10). */
	discountRate?: number;
	/** Margin on revenue (default 1: "revenue CLV"). */
	margin?: number;
	/** Months ahead (default 12). */
	months?: number;
}

export interface ClvCustomer {
	/** Repeat purchase days, and weeks from the first to the last purchase and to scoring. */
	x: number;
	t_x: number;
	T: number;
	/** Mean value of the repeat purchase days (unused when x = 0). */
	m: number;
}

/**
 * CLV by PRODUCT.md §3: margin × Σ_{m=1..12} E[AOV] × (E[X(m)] − E[X(m−1)]) / (1 + d)^(m/12),
 * with E[X(m)] the BG/NBD expected purchases in the m months after scoring given (x, t_x, T) and
 * E[AOV] the Gamma-Gamma conditional mean (the population mean when x = 0).
 */
export function customerLifetimeValue(
	bgnbd: BgnbdParameters,
	gammaGamma: GammaGammaParameters,
	customer: ClvCustomer,
	options: ClvOptions = {}
): number {
	const { discountRate = 0.1, margin = 1, months = 12 } = options;
	const { x, t_x, T, m } = customer;
	const averageValue = conditionalExpectedAverageValue(gammaGamma, x, m);
	let value = 0;
	let before = 0;
	for (let month = 1; month <= months; month++) {
		const expected = conditionalExpectedPurchases(bgnbd, month * WEEKS_PER_MONTH, x, t_x, T);
		value += (averageValue * (expected - before)) / Math.pow(1 + discountRate, month / 12);
		before = expected;
	}
	return margin * value;
}
