/**
 * Special functions for the customer models: log-gamma, log-beta, log-sum-exp and the Gaussian
 * hypergeometric function 2F1. Pure math, double precision, no dependencies.
 */

const LANCZOS_G = 7;
// Lanczos coefficients for g = 7, n = 9 (relative error of Γ below 1e-15 for Re z > 0.5).
const LANCZOS = [
	0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
	-176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
	1.5056327351493116e-7
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln |Γ(x)| by the Lanczos approximation (g = 7), with the reflection formula below 1/2. */
export function logGamma(x: number): number {
	if (Number.isInteger(x) && x <= 0) return Infinity;
	if (x < 0.5) {
		// Γ(x) Γ(1 − x) = π / sin(πx)
		return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
	}
	const z = x - 1;
	let sum = LANCZOS[0] as number;
	for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (z + i);
	const t = z + LANCZOS_G + 0.5;
	return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function logBeta(a: number, b: number): number {
	return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
	if (a === -Infinity) return b;
	if (b === -Infinity) return a;
	const high = Math.max(a, b);
	return high + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** ln Σ e^v over the values without overflow (−∞ for none). */
export function logSumExp(values: readonly number[]): number {
	let high = -Infinity;
	for (const v of values) if (v > high) high = v;
	if (!Number.isFinite(high)) return high;
	let sum = 0;
	for (const v of values) sum += Math.exp(v - high);
	return high + Math.log(sum);
}

const SERIES_LIMIT = 0.5;
const MAX_TERMS = 20_000;
const EPSILON = 1e-17;

/**
 * Gauss's hypergeometric function 2F1(a, b; c; z) for real z < 1 (A&S 15.1.1).
 *
 * |z| ≤ 1/2: the power series. z < −1/2: Pfaff's transformation (A&S 15.3.5) to z/(z − 1) ∈
 * (1/3, 1). 1/2 < z < 1: analytic continuation along [1/2, z] by Taylor re-expansion of the
 * hypergeometric differential equation, each step half-way to the singular point 1. Unlike the
 * 1 − z connection formula (A&S 15.3.6) this needs no special case when c − a − b is (nearly)
 * an integer, which the BG/NBD parameters hit freely.
 */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
	if (Number.isInteger(c) && c <= 0) throw new RangeError(`2F1 is undefined for c = ${c}.`);
	if (!(z < 1)) throw new RangeError(`2F1 is evaluated here only for z < 1, not z = ${z}.`);
	if (z < -SERIES_LIMIT) {
		// Pick the Pfaff form whose second parameter is the larger, for fewer sign changes.
		const [p, q] = c - b >= c - a ? [a, b] : [b, a];
		return Math.pow(1 - z, -p) * hypergeometric2F1(p, c - q, c, z / (z - 1));
	}
	if (z <= SERIES_LIMIT) return hypergeometricSeries(a, b, c, z);
	return continueToZ(a, b, c, z);
}

/** The power series Σ (a)_n (b)_n / ((c)_n n!) zⁿ, summed until the terms stop mattering. */
function hypergeometricSeries(a: number, b: number, c: number, z: number): number {
	let term = 1;
	let sum = 1;
	for (let n = 0; n < MAX_TERMS; n++) {
		const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
		term *= ratio;
		sum += term;
		if (Math.abs(term) <= EPSILON * Math.abs(sum) && Math.abs(ratio) < 1) return sum;
		if (term === 0) return sum;
	}
	throw new RangeError(`The 2F1 series did not converge for a=${a}, b=${b}, c=${c}, z=${z}.`);
}

/** F(z) and F′(z) for 1/2 < z < 1, stepping from 1/2 along the differential equation. */
function continueToZ(a: number, b: number, c: number, z: number): number {
	let at = SERIES_LIMIT;
	let value = hypergeometricSeries(a, b, c, at);
	let slope = ((a * b) / c) * hypergeometricSeries(a + 1, b + 1, c + 1, at);
	while (at < z) {
		const h = Math.min(z - at, (1 - at) / 2);
		[value, slope] = taylorStep(a, b, c, at, value, slope, h);
		at = h === z - at ? z : at + h;
	}
	return value;
}

/**
 * One step of the Taylor series of F about z0 (radius 1 − z0 for z0 ≥ 1/2): the coefficients
 * follow from z(1 − z)F″ + [c − (a + b + 1)z]F′ − abF = 0 with z = z0 + h. The terms d_k = c_k hᵏ
 * are carried instead of c_k, which would overflow while hᵏ underflows close to 1.
 */
function taylorStep(
	a: number,
	b: number,
	c: number,
	z0: number,
	value: number,
	slope: number,
	h: number
): [number, number] {
	const p0 = z0 * (1 - z0);
	const p1 = 1 - 2 * z0;
	const q0 = c - (a + b + 1) * z0;
	const s = a + b + 1;
	let previous = value; // d_k
	let current = slope * h; // d_{k+1}
	let sum = previous + current;
	let derivative = slope;
	let small = 0;
	for (let k = 0; k < MAX_TERMS; k++) {
		const next =
			-((p1 * k + q0) * (k + 1) * current * h - (k * (k - 1) + s * k + a * b) * previous * h * h) /
			(p0 * (k + 2) * (k + 1));
		const slopeTerm = ((k + 2) * next) / h;
		derivative += slopeTerm;
		sum += next;
		previous = current;
		current = next;
		const settled =
			Math.abs(next) <= EPSILON * Math.abs(sum) &&
			Math.abs(slopeTerm) <= EPSILON * Math.abs(derivative);
		small = settled ? small + 1 : 0;
		if (small >= 3) return [sum, derivative];
	}
	throw new RangeError(`The 2F1 continuation did not converge for a=${a}, b=${b}, c=${c}.`);
}
