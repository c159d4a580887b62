import { logParameterStandardErrors, minimize } from './optimize';
import { logBeta } from './special-functions';

/**
 * The shifted-beta-geometric retention model of Fader & Hardie (2007), "How to Project Customer
 * Retention": at each renewal a customer churns with probability θ ~ Beta(α, β), for life.
 */
export interface SbgParameters {
	alpha: number;
	beta: number;
}

export interface SbgFit extends SbgParameters {
	logLikelihood: number;
	/** Periods observed after the start (the survivors given minus one). */
	periods: number;
	standardErrors: SbgParameters;
}

/** The survival-curve fit is refused below this many observed periods. */
export const SBG_MINIMUM_PERIODS = 6;

/** P(T = t) = B(α + 1, β + t − 1) / B(α, β): churn at renewal t ≥ 1. */
export function sbgChurnProbability(params: SbgParameters, t: number): number {
	const { alpha, beta } = params;
	return Math.exp(logBeta(alpha + 1, beta + t - 1) - logBeta(alpha, beta));
}

/** S(t) = B(α, β + t) / B(α, β): still a customer after t renewals. */
export function sbgSurvival(params: SbgParameters, t: number): number {
	const { alpha, beta } = params;
	return Math.exp(logBeta(alpha, beta + t) - logBeta(alpha, beta));
}

/** r(t) = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1): the retention rate at renewal t. */
export function sbgRetention(params: SbgParameters, t: number): number {
	const { alpha, beta } = params;
	return (beta + t - 1) / (alpha + beta + t - 1);
}

/** Checks survivors: a positive start, then non-increasing and non-negative. */
function checkSurvivors(survivors: readonly number[]): void {
	if (!(survivors.length >= 2 && (survivors[0] as number) > 0)) {
		throw new Error('The sBG model needs survivors at the start and at least one period after.');
	}
	survivors.forEach((n, t) => {
		if (!(n >= 0) || (t > 0 && n > (survivors[t - 1] as number))) {
			throw new Error(`The survivors must not grow or go negative, and period ${t} has ${n}.`);
		}
	});
}

/**
 * The sBG log-likelihood of survivors n_0 … n_k (Fader & Hardie 2007):
 * Σ_t (n_{t−1} − n_t) ln P(T = t) for those lost at each renewal, plus n_k ln S(k) for those
 * still there (right-censored).
 */
export function sbgLogLikelihood(params: SbgParameters, survivors: readonly number[]): number {
	const last = survivors.length - 1;
	let total = (survivors[last] as number) * Math.log(sbgSurvival(params, last));
	for (let t = 1; t <= last; t++) {
		const lost = (survivors[t - 1] as number) - (survivors[t] as number);
		if (lost > 0) total += lost * Math.log(sbgChurnProbability(params, t));
	}
	return total;
}

const toParameters = ([alpha, beta]: number[]): SbgParameters => ({
	alpha: Math.exp(alpha as number),
	beta: Math.exp(beta as number)
});

/** Maximum-likelihood (α, β) from the numbers alive at periods 0 … k, over logs from (1, 1). */
export function fitSbg(survivors: readonly number[]): SbgFit {
	checkSurvivors(survivors);
	const negative = (logs: number[]) => -sbgLogLikelihood(toParameters(logs), survivors);
	const minimum = minimize(negative, [0, 0]);
	const [alpha, beta] = logParameterStandardErrors(negative, minimum.point);
	return {
		...toParameters(minimum.point),
		logLikelihood: -minimum.value,
		periods: survivors.length - 1,
		standardErrors: { alpha: alpha as number, beta: beta as number }
	};
}

/**
 * (α, β) from a survival curve: the share of a cohort still active at periods 0 … k (the first
 * is the start, normally 1). Shares give the same maximum as counts, but no standard errors, so
 * only (α, β) is returned. Refuses fewer than 6 observed periods, too few to tell α from β.
 */
export function fitSbgToSurvivalCurve(survival: readonly number[]): SbgParameters {
	const periods = survival.length - 1;
	if (periods < SBG_MINIMUM_PERIODS) {
		throw new Error(
			`The retention projection needs at least ${SBG_MINIMUM_PERIODS} observed periods, and ${Math.max(periods, 0)} are.`
		);
	}
	const start = survival[0] as number;
	if (!(start > 0)) throw new Error('The survival curve must start above zero.');
	const { alpha, beta } = fitSbg(survival.map((share) => share / start));
	return { alpha, beta };
}
