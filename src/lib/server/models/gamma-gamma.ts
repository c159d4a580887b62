import { gammaVariate, type Random } from './bgnbd';
import { minimize } from './optimize';
import { logGamma } from './special-functions';

/**
 * The Gamma-Gamma spend model (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"):
 * a customer's purchase values are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, independent
 * of how often they buy. It is fitted on the mean value of each customer's repeat purchases.
 */
export interface GammaGammaParameters {
	p: number;
	q: number;
	gamma: number;
}

/** One customer: x repeat purchase days and m, the mean value of those days. */
export interface SpendRow {
	x: number;
	m: number;
}

export interface GammaGammaFit extends GammaGammaParameters {
	logLikelihood: number;
	/** Customers the fit used (x ≥ 1 and m > 0). */
	customers: number;
	/** Customers given but left out: no repeat purchase, or a mean value that is not positive. */
	leftOut: number;
}

/** The fit is refused below this many customers with repeat spend. */
export const GAMMA_GAMMA_MINIMUM_CUSTOMERS = 100;

/** Sufficient statistics: per distinct x its count, plus the per-customer x and x·m. */
interface SpendData {
	countByX: Map<number, number>;
	x: Float64Array;
	total: Float64Array;
	sumLogM: number;
	sumXLogM: number;
}

function prepare(rows: readonly SpendRow[]): SpendData {
	const countByX = new Map<number, number>();
	const x = new Float64Array(rows.length);
	const total = new Float64Array(rows.length);
	let sumLogM = 0;
	let sumXLogM = 0;
	rows.forEach((row, i) => {
		countByX.set(row.x, (countByX.get(row.x) ?? 0) + 1);
		x[i] = row.x;
		total[i] = row.x * row.m;
		sumLogM += Math.log(row.m);
		sumXLogM += row.x * Math.log(row.m);
	});
	return { countByX, x, total, sumLogM, sumXLogM };
}

/**
 * The log-likelihood of the mean spends: Σ ln of
 * Γ(px+q)/(Γ(px)Γ(q)) · γ^q m^(px−1) x^(px) / (γ + mx)^(px+q).
 */
function logLikelihoodOf(params: GammaGammaParameters, data: SpendData): number {
	const { p, q, gamma } = params;
	let total = p * data.sumXLogM - data.sumLogM;
	const perCustomer = -logGamma(q) + q * Math.log(gamma);
	for (const [x, count] of data.countByX) {
		total += count * (logGamma(p * x + q) - logGamma(p * x) + perCustomer + p * x * Math.log(x));
	}
	for (let i = 0; i < data.x.length; i++) {
		const x = data.x[i] as number;
		total -= (p * x + q) * Math.log(gamma + (data.total[i] as number));
	}
	return total;
}

/** The Gamma-Gamma log-likelihood of the rows (all must have x ≥ 1 and m > 0). */
export function gammaGammaLogLikelihood(
	params: GammaGammaParameters,
	rows: readonly SpendRow[]
): number {
	return logLikelihoodOf(params, prepare(rows));
}

const qualifies = (row: SpendRow) => row.x >= 1 && row.m > 0 && Number.isFinite(row.m);

/**
 * Maximum-likelihood (p, q, γ) over ln(p, q, γ) from (1, 1, 1), on the customers with a repeat
 * purchase and a positive mean repeat value; the others are counted as left out.
 */
export function fitGammaGamma(rows: readonly SpendRow[]): GammaGammaFit {
	const used = rows.filter(qualifies);
	if (used.length < GAMMA_GAMMA_MINIMUM_CUSTOMERS) {
		throw new Error(
			`The Gamma-Gamma model needs at least ${GAMMA_GAMMA_MINIMUM_CUSTOMERS} customers with repeat purchases of positive value, and ${used.length} qualify.`
		);
	}
	const data = prepare(used);
	const toParameters = ([p, q, gamma]: number[]) => ({
		p: Math.exp(p as number),
		q: Math.exp(q as number),
		gamma: Math.exp(gamma as number)
	});
	const minimum = minimize((logs) => -logLikelihoodOf(toParameters(logs), data), [0, 0, 0]);
	return {
		...toParameters(minimum.point),
		logLikelihood: -minimum.value,
		customers: used.length,
		leftOut: rows.length - used.length
	};
}

/** The population mean of a customer's average purchase value, pγ/(q − 1) (∞ when q ≤ 1). */
export function populationMeanValue(params: GammaGammaParameters): number {
	const { p, q, gamma } = params;
	return q > 1 ? (p * gamma) / (q - 1) : Infinity;
}

/**
 * E[Z | x, m]: the expected average purchase value of a customer with x repeat purchases of mean m
 * (Fader & Hardie 2013), p(γ + mx)/(px + q − 1); the population mean when x = 0.
 */
export function conditionalExpectedAverageValue(
	params: GammaGammaParameters,
	x: number,
	m: number
): number {
	const { p, q, gamma } = params;
	if (x === 0) return populationMeanValue(params);
	return (p * (gamma + m * x)) / (p * x + q - 1);
}

/** Draws a mean spend for each x from the model (ν ~ Gamma(q, γ), mean of x ~ Gamma(px, νx)). */
export function simulateMeanSpend(
	params: GammaGammaParameters,
	repeatPurchases: readonly number[],
	random: Random
): SpendRow[] {
	return repeatPurchases.map((x) => {
		if (x === 0) return { x, m: 0 };
		const nu = gammaVariate(params.q, random) / params.gamma;
		return { x, m: gammaVariate(params.p * x, random) / (nu * x) };
	});
}
