import { logParameterStandardErrors, minimize } from './optimize';
import { logAddExp, logBeta, logGamma } from './special-functions';

/**
 * The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way": while
 * active a customer buys at Poisson rate λ ~ Gamma(r, α), and after each repeat purchase drops out
 * with probability p ~ Beta(a, b). Time is in weeks.
 */
export interface BgnbdParameters {
	r: number;
	alpha: number;
	a: number;
	b: number;
}

/** One customer's calibration summary: repeat purchase days, and times in weeks since the first. */
export interface PurchaseSummary {
	/** Repeat purchase days (purchase days after the first). */
	x: number;
	/** Weeks from the first to the last purchase day. */
	t_x: number;
	/** Weeks from the first purchase day to the end of calibration. */
	T: number;
}

export interface CustomerSummary extends PurchaseSummary {
	customer: string;
	firstDay: number;
	lastDay: number;
	/** Mean value of the repeat purchase days (same-day values summed); 0 when x = 0. */
	meanRepeatValue: number;
}

export interface Purchase {
	customer: string;
	/** Local date as whole days since 1970-01-01. */
	day: number;
	/** Order value; optional, for the spend model. */
	value?: number;
}

/** Identical summaries with how many customers share them. */
export interface SummaryGroup extends PurchaseSummary {
	count: number;
}

export interface BgnbdFit extends BgnbdParameters {
	logLikelihood: number;
	customers: number;
	standardErrors: BgnbdParameters;
}

/** Fitted parameters stay within 1e-6 … 1e6. */
const LOG_PARAMETER_BOUND = Math.log(1e6);

/** The fit is refused below this many customers: the likelihood is too flat to mean anything. */
export const BGNBD_MINIMUM_CUSTOMERS = 100;
const DAYS_PER_WEEK = 7;

/**
 * Per-customer (x, t_x, T) as the published analyses count them: orders on one day merge into one
 * purchase day, only days ≤ untilDay count, and customers who first bought after untilDay are left
 * out. With values, also the mean value of the repeat purchase days (for Gamma-Gamma).
 */
export function summarizePurchases(
	purchases: Iterable<Purchase>,
	untilDay: number
): CustomerSummary[] {
	const byCustomer = new Map<string, Map<number, number>>();
	for (const { customer, day, value } of purchases) {
		if (day > untilDay) continue;
		let days = byCustomer.get(customer);
		if (!days) byCustomer.set(customer, (days = new Map()));
		days.set(day, (days.get(day) ?? 0) + (value ?? 0));
	}
	const summaries: CustomerSummary[] = [];
	for (const [customer, days] of byCustomer) {
		const ordered = [...days.keys()].sort((u, v) => u - v);
		const firstDay = ordered[0] as number;
		const lastDay = ordered[ordered.length - 1] as number;
		const x = ordered.length - 1;
		let repeatValue = 0;
		for (const day of ordered.slice(1)) repeatValue += days.get(day) as number;
		summaries.push({
			customer,
			x,
			t_x: (lastDay - firstDay) / DAYS_PER_WEEK,
			T: (untilDay - firstDay) / DAYS_PER_WEEK,
			firstDay,
			lastDay,
			meanRepeatValue: x > 0 ? repeatValue / x : 0
		});
	}
	return summaries;
}

/** Identical (x, t_x, T) summaries merged with a count, so a fit costs per group, not customer. */
export function groupSummaries(summaries: Iterable<PurchaseSummary>): SummaryGroup[] {
	const groups = new Map<string, SummaryGroup>();
	for (const { x, t_x, T } of summaries) {
		const key = `${x} ${t_x} ${T}`;
		const group = groups.get(key);
		if (group) group.count++;
		else groups.set(key, { x, t_x, T, count: 1 });
	}
	return [...groups.values()];
}

/** The terms of the log-likelihood that depend on x only, per distinct x (FHL 2005 eq. 6). */
function termsByX(params: BgnbdParameters, maxX: number) {
	const { r, alpha, a, b } = params;
	const common = r * Math.log(alpha) - logGamma(r) - logBeta(a, b);
	const alive: number[] = [];
	const dropped: number[] = [];
	for (let x = 0; x <= maxX; x++) {
		const shared = common + logGamma(r + x);
		alive.push(shared + logBeta(a, b + x));
		dropped.push(x > 0 ? shared + logBeta(a + 1, b + x - 1) : -Infinity);
	}
	return { alive, dropped };
}

/**
 * The BG/NBD log-likelihood, summed over the groups (FHL 2005 eq. 6): ln of
 * B(a, b+x)/B(a, b) · Γ(r+x) αʳ/(Γ(r)(α+T)^(r+x))
 * + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x) αʳ/(Γ(r)(α+t_x)^(r+x)).
 */
export function bgnbdLogLikelihood(
	params: BgnbdParameters,
	groups: readonly SummaryGroup[]
): number {
	return packedLogLikelihood(params, packGroups(groups));
}

/**
 * The groups in columns, each distinct time (T or t_x) stored once: whole days make a few hundred
 * of them, so ln(α + time) is taken per distinct time rather than twice per group.
 */
interface PackedGroups {
	maxX: number;
	x: Int32Array;
	count: Float64Array;
	T: Int32Array;
	t_x: Int32Array;
	times: number[];
}

function packGroups(groups: readonly SummaryGroup[]): PackedGroups {
	const timeIndex = new Map<number, number>();
	const indexOf = (time: number) => {
		let index = timeIndex.get(time);
		if (index === undefined) timeIndex.set(time, (index = timeIndex.size));
		return index;
	};
	const packed: PackedGroups = {
		maxX: 0,
		x: new Int32Array(groups.length),
		count: new Float64Array(groups.length),
		T: new Int32Array(groups.length),
		t_x: new Int32Array(groups.length),
		times: []
	};
	groups.forEach((g, i) => {
		packed.maxX = Math.max(packed.maxX, g.x);
		packed.x[i] = g.x;
		packed.count[i] = g.count;
		packed.T[i] = indexOf(g.T);
		packed.t_x[i] = indexOf(g.t_x);
	});
	packed.times = [...timeIndex.keys()];
	return packed;
}

function packedLogLikelihood(params: BgnbdParameters, groups: PackedGroups): number {
	const { alive, dropped } = termsByX(params, groups.maxX);
	const { r, alpha } = params;
	const logTime = groups.times.map((time) => Math.log(alpha + time));
	let total = 0;
	for (let i = 0; i < groups.x.length; i++) {
		const x = groups.x[i] as number;
		const a1 = (alive[x] as number) - (r + x) * (logTime[groups.T[i] as number] as number);
		const a2 =
			x > 0
				? (dropped[x] as number) - (r + x) * (logTime[groups.t_x[i] as number] as number)
				: -Infinity;
		total += (groups.count[i] as number) * logAddExp(a1, a2);
	}
	return total;
}

const toParameters = ([r, alpha, a, b]: number[]): BgnbdParameters => ({
	r: Math.exp(r as number),
	alpha: Math.exp(alpha as number),
	a: Math.exp(a as number),
	b: Math.exp(b as number)
});

/**
 * Maximum-likelihood BG/NBD parameters for the grouped summaries, searched over ln(r, α, a, b)
 * from (1, 1, 1, 1), with standard errors from the Hessian. Refuses fewer than 100 customers and
 * data without any repeat purchase, where the parameters are not identified.
 */
export function fitBgnbd(groups: readonly SummaryGroup[]): BgnbdFit {
	const customers = groups.reduce((sum, g) => sum + g.count, 0);
	if (customers < BGNBD_MINIMUM_CUSTOMERS) {
		throw new Error(
			`The BG/NBD model needs at least ${BGNBD_MINIMUM_CUSTOMERS} customers with a first purchase in the calibration period, and ${customers} qualify.`
		);
	}
	if (!groups.some((g) => g.x > 0 && g.count > 0)) {
		throw new Error('The BG/NBD model needs at least one customer with a repeat purchase.');
	}
	const packed = packGroups(groups);
	// Data where hardly anyone drops out run a and b towards infinity together (a fixed dropout
	// probability): the search stops at a million instead of wandering out for minutes.
	const negative = (logs: number[]) =>
		logs.some((l) => Math.abs(l) > LOG_PARAMETER_BOUND)
			? Infinity
			: -packedLogLikelihood(toParameters(logs), packed);
	const minimum = minimize(negative, [0, 0, 0, 0]);
	const params = toParameters(minimum.point);
	const [r, alpha, a, b] = logParameterStandardErrors(negative, minimum.point);
	return {
		...params,
		logLikelihood: -minimum.value,
		customers,
		standardErrors: { r: r as number, alpha: alpha as number, a: a as number, b: b as number }
	};
}

/** ((α+T)/(α+t_x))^(r+x) · a/(b+x−1): the odds of having dropped out, 0 when x = 0. */
function dropoutOdds(params: BgnbdParameters, x: number, t_x: number, T: number): number {
	if (x === 0) return 0;
	const { r, alpha, a, b } = params;
	return (a / (b + x - 1)) * Math.exp((r + x) * Math.log((alpha + T) / (alpha + t_x)));
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) (Fader, Hardie & Lee
 * 2008, "Computing P(alive) using the BG/NBD model").
 */
export function probabilityAlive(
	params: BgnbdParameters,
	x: number,
	t_x: number,
	T: number
): number {
	return 1 / (1 + dropoutOdds(params, x, t_x, T));
}

/**
 * E[X(t)]: expected purchases in (0, t] of a customer just acquired (FHL 2005 eq. 9),
 * (a+b−1)/(a−1) · [1 − (α/(α+t))ʳ · 2F1(r, b; a+b−1; t/(α+t))], summed by
 * `conditionalExpectationSeries` (no cancellation at a large b, and defined at a = 1).
 */
export function expectedPurchases(params: BgnbdParameters, t: number): number {
	if (t === 0) return 0;
	return expectationWhileAlive(params, t, 0, 0);
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the t weeks after T (FHL 2005 eq. 10),
 * (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))]
 * · P(alive).
 */
export function conditionalExpectedPurchases(
	params: BgnbdParameters,
	t: number,
	x: number,
	t_x: number,
	T: number
): number {
	if (t === 0) return 0;
	return expectationWhileAlive(params, t, x, T) / (1 + dropoutOdds(params, x, t_x, T));
}

/** Above this a, the series needs ~a·z/(1−z) terms and its terms overflow: quadrature instead. */
const SERIES_MAX_A = 100;

/**
 * Expected purchases in the t weeks after T of a customer alive at T after x repeat purchases:
 * λ | alive ~ Gamma(r+x, α+T) and p | alive ~ Beta(a, b+x), and a customer with (λ, p) buys
 * (1 − e^(−λpt))/p on average before dropping out (dropouts come at rate λp), so the expectation
 * is E_p[(1 − ((α+T)/(α+T+pt))^(r+x)) / p] — the bracket of FHL 2005 eqs. 9 and 10.
 */
function expectationWhileAlive(params: BgnbdParameters, t: number, x: number, T: number): number {
	if (params.a <= SERIES_MAX_A) {
		return conditionalExpectationSeries(params, t / (params.alpha + T + t), x);
	}
	return betaExpectation(params.a, params.b + x, (p) => {
		// (1 − (β/(β+pt))^s) / p without cancellation, finite as p → 0
		const loss = -Math.expm1(-(params.r + x) * Math.log1p((p * t) / (params.alpha + T)));
		return p > 0 ? loss / p : ((params.r + x) * t) / (params.alpha + T);
	});
}

/**
 * E[f(p)] for p ~ Beta(a, b) with a large (a fit where the dropout probability is nearly the same
 * for everyone drives a and b up together): Gauss–Legendre over mean ± 12 standard deviations, in
 * four panels, with the density in logs.
 */
export function betaExpectation(a: number, b: number, f: (p: number) => number): number {
	const mean = a / (a + b);
	const sd = Math.sqrt((mean * (1 - mean)) / (a + b + 1));
	const low = Math.max(0, mean - 12 * sd);
	const high = Math.min(1, mean + 12 * sd);
	const logNorm = logBeta(a, b);
	const panels = 4;
	const width = (high - low) / panels;
	let sum = 0;
	for (let panel = 0; panel < panels; panel++) {
		const middle = low + (panel + 0.5) * width;
		for (const [node, weight] of GAUSS_LEGENDRE_24) {
			const p = middle + (node * width) / 2;
			if (p <= 0 || p >= 1) continue;
			const density = Math.exp((a - 1) * Math.log(p) + (b - 1) * Math.log1p(-p) - logNorm);
			sum += ((weight * width) / 2) * density * f(p);
		}
	}
	return sum;
}

/** The 24 nodes and weights of Gauss–Legendre on [−1, 1], by Newton's method on P₂₄. */
const GAUSS_LEGENDRE_24: readonly (readonly [number, number])[] = (() => {
	const n = 24;
	const rule: [number, number][] = [];
	for (let i = 1; i <= n; i++) {
		let x = Math.cos((Math.PI * (i - 0.25)) / (n + 0.5));
		let derivative = 0;
		for (let step = 0; step < 100; step++) {
			let previous = 1;
			let value = x;
			for (let k = 2; k <= n; k++) {
				const next = ((2 * k - 1) * x * value - (k - 1) * previous) / k;
				previous = value;
				value = next;
			}
			derivative = (n * (x * value - previous)) / (x * x - 1);
			const dx = value / derivative;
			x -= dx;
			if (Math.abs(dx) < 1e-16) break;
		}
		rule.push([x, 2 / ((1 - x * x) * derivative * derivative)]);
	}
	return rule;
})();

/**
 * (a+b+x−1)/(a−1) · [1 − (1−z)^(r+x) · 2F1(r+x, b+x; a+b+x−1; z)], the bracket of FHL 2005
 * eqs. 9 and 10 (z = t/(α+T+t)), summed without cancellation. Written as it stands it is a difference of nearly
 * equal numbers times a large factor once b is large (a fit where hardly anyone drops out runs b
 * towards infinity: at b ≈ 100 the closed form is already off in the fourth digit) and 0/0 at
 * a = 1. By Euler's transformation it equals C (1−z)^(a−1) Σ_{n≥1} (a)_{n−1}/n! zⁿ (1 − ρₙ), C = a+b+x−1,
 * ρₙ = Π_{k<n} (C−r−x+k)/(C+k), a sum of terms of one sign (1 − ρₙ is built up, never subtracted).
 */
function conditionalExpectationSeries(params: BgnbdParameters, z: number, x: number): number {
	const { r, a, b } = params;
	// C = a + b + x − 1
	const big = a + b + x - 1;
	const shape = r + x;
	let term = z; // (a)_0 / 1! · z
	let gap = shape / big; // 1 − ρ₁
	let sum = 0;
	for (let n = 1; n < 100_000; n++) {
		const add = term * gap;
		sum += add;
		if (Math.abs(add) <= 1e-16 * Math.abs(sum) && n > 2) break;
		term *= ((a + n - 1) / (n + 1)) * z;
		gap += (1 - gap) * (shape / (big + n));
	}
	return big * Math.pow(1 - z, a - 1) * sum;
}

/**
 * P(X(t) = n) for a customer just acquired (FHL 2005 eq. 8): B(a, b+n)/B(a, b) · NBD(n)
 * + [n > 0] B(a+1, b+n−1)/B(a, b) · (1 − Σ_{j<n} NBD(j)),
 * with NBD(j) = Γ(r+j)/(Γ(r) j!) (α/(α+t))ʳ (t/(α+t))ʲ.
 */
export function probabilityOfPurchases(params: BgnbdParameters, t: number, n: number): number {
	const { r, alpha, a, b } = params;
	const logStay = r * Math.log(alpha / (alpha + t));
	const logGo = n > 0 ? Math.log(t / (alpha + t)) : 0;
	const nbd = Math.exp(logGamma(r + n) - logGamma(r) - logGamma(n + 1) + logStay + n * logGo);
	const active = Math.exp(logBeta(a, b + n) - logBeta(a, b)) * nbd;
	if (n === 0) return active;
	let below = 0;
	let term = Math.exp(logStay);
	const share = t / (alpha + t);
	for (let j = 0; j < n; j++) {
		below += term;
		term *= ((r + j) / (j + 1)) * share;
	}
	return active + Math.exp(logBeta(a + 1, b + n - 1) - logBeta(a, b)) * (1 - below);
}

/**
 * Draws customers from the BG/NBD process over T weeks after their first purchase (λ from
 * Gamma(r, α), p from Beta(a, b), exponential gaps, dropping out after each repeat purchase with
 * probability p). T is one horizon for all, or one per customer.
 */
export function simulateBgnbd(
	params: BgnbdParameters,
	customers: number,
	T: number | ((customer: number) => number),
	random: Random
): PurchaseSummary[] {
	const summaries: PurchaseSummary[] = [];
	for (let i = 0; i < customers; i++) {
		const horizon = typeof T === 'number' ? T : T(i);
		const lambda = gammaVariate(params.r, random) / params.alpha;
		const p = betaVariate(params.a, params.b, random);
		let x = 0;
		let now = 0;
		let last = 0;
		for (;;) {
			now += -Math.log(1 - random()) / lambda;
			if (now > horizon) break;
			x++;
			last = now;
			if (random() < p) break;
		}
		summaries.push({ x, t_x: last, T: horizon });
	}
	return summaries;
}

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** The mulberry32 generator: a small, fast, seeded uniform source for simulations. */
export function mulberry32(seed: number): Random {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** A standard normal draw (Box–Muller). */
export function normalVariate(random: Random): number {
	const u = 1 - random();
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Gamma(shape, 1) draw by Marsaglia & Tsang (2000), boosted by U^(1/shape) below shape 1. */
export function gammaVariate(shape: number, random: Random): number {
	if (shape < 1) return gammaVariate(shape + 1, random) * Math.pow(random(), 1 / shape);
	const d = shape - 1 / 3;
	const c = 1 / Math.sqrt(9 * d);
	for (;;) {
		const x = normalVariate(random);
		const v = (1 + c * x) ** 3;
		if (v <= 0) continue;
		if (Math.log(random()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
	}
}

/** A Beta(a, b) draw as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function betaVariate(a: number, b: number, random: Random): number {
	const x = gammaVariate(a, random);
	return x / (x + gammaVariate(b, random));
}
