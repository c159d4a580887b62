import { describe, expect, it } from 'vitest';
import { hypergeometric2F1, logAddExp, logBeta, logGamma, logSumExp } from './special-functions';

/** |actual − expected| within tolerance relative to |expected| (absolute below 1). */
const close = (actual: number, expected: number, tolerance: number) =>
	expect(Math.abs(actual - expected)).toBeLessThanOrEqual(
		tolerance * Math.max(1, Math.abs(expected))
	);

describe('logGamma', () => {
	it('is ln((n − 1)!) at the integers', () => {
		let logFactorial = 0;
		for (let n = 1; n <= 60; n++) {
			close(logGamma(n), logFactorial, 1e-14);
			logFactorial += Math.log(n);
		}
	});

	it('matches known values at fractions, and reflects below 1/2', () => {
		close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14);
		close(logGamma(1.5), Math.log(Math.sqrt(Math.PI) / 2), 1e-14);
		close(logGamma(1 / 3), Math.log(2.678938534707748), 1e-14);
		close(logGamma(0.1), Math.log(9.513507698668732), 1e-14);
		close(logGamma(-0.5), Math.log(2 * Math.sqrt(Math.PI)), 1e-14);
		close(logGamma(1e-8), -Math.log(1e-8) - 0.5772156649015329 * 1e-8, 1e-14);
		expect(logGamma(0)).toBe(Infinity);
	});

	it('keeps Γ(x + 1) = x Γ(x) over a wide range', () => {
		for (const x of [0.01, 0.243, 0.793, 2.426, 7.5, 41.2, 1000.5, 1e6]) {
			close(logGamma(x + 1) - logGamma(x), Math.log(x), 1e-12);
		}
	});
});

describe('logBeta', () => {
	it('is ln of Γ(a)Γ(b)/Γ(a + b), and symmetric', () => {
		close(logBeta(2, 3), Math.log(1 / 12), 1e-14);
		close(logBeta(0.5, 0.5), Math.log(Math.PI), 1e-14);
		close(logBeta(1, 7), Math.log(1 / 7), 1e-14);
		expect(logBeta(0.793, 4.426)).toBe(logBeta(4.426, 0.793));
	});
});

describe('logSumExp', () => {
	it('adds in the log domain without overflow', () => {
		close(logSumExp([1000, 1000]), 1000 + Math.LN2, 1e-15);
		close(logSumExp([-1000, -1000, -1000]), -1000 + Math.log(3), 1e-15);
		close(logSumExp([Math.log(2), Math.log(3)]), Math.log(5), 1e-15);
		expect(logSumExp([])).toBe(-Infinity);
		expect(logAddExp(-Infinity, 3)).toBe(3);
		close(logAddExp(800, 800 + Math.log(3)), 800 + Math.log(4), 1e-15);
	});
});

/** The power series summed term by term, for a reference far from where the code sums it. */
function longSeries(a: number, b: number, c: number, z: number, terms: number): number {
	let term = 1;
	let sum = 1;
	for (let n = 0; n < terms; n++) {
		term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
		sum += term;
	}
	return sum;
}

describe('hypergeometric2F1', () => {
	const near1 = [0.1, 0.5, 0.51, 0.75, 0.9, 0.99, 0.999, 1 - 1e-6, 1 - 1e-10];

	it('is −ln(1 − z)/z for (1, 1; 2), where c − a − b = 0 defeats the 1 − z formula', () => {
		for (const z of [...near1, -0.3, -0.9, -5, -100]) {
			close(hypergeometric2F1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-14);
		}
	});

	it('is (1 − z)^−a for c = b, and arcsin and atanh in their closed forms', () => {
		for (const target of near1) {
			const z = target;
			const w = 1 - z; // exact for the z actually passed, so the references stay well conditioned
			const s = Math.sqrt(z);
			close(hypergeometric2F1(2.3, 1.7, 1.7, z), Math.pow(w, -2.3), 1e-13);
			close(hypergeometric2F1(0.5, 0.5, 1.5, z), Math.atan2(s, Math.sqrt(w)) / s, 1e-13);
			// atanh(s) = ½ ln((1 + s)/(1 − s)) with 1 − s = w/(1 + s).
			close(hypergeometric2F1(0.5, 1, 1.5, z), (2 * Math.log1p(s) - Math.log(w)) / (2 * s), 1e-13);
		}
	});

	it('is a polynomial when a is a negative integer', () => {
		const [b, c, z] = [2.5, 3.5, 0.8];
		close(
			hypergeometric2F1(-2, b, c, z),
			1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)),
			1e-14
		);
	});

	it('agrees with the series summed to 20,000 terms at BG/NBD-like parameters', () => {
		// CDNOW's (r + x, b + x; a + b + x − 1) for x = 2, at the z of a 39-week horizon and beyond.
		const [a, b, c] = [0.243 + 2, 2.426 + 2, 0.793 + 2.426 + 2 - 1];
		for (const z of [0.474, 0.8, 0.9, 0.97]) {
			close(hypergeometric2F1(a, b, c, z), longSeries(a, b, c, z, 20_000), 1e-12);
		}
		// The unconditional case, where c − a − b = a − 1 − r < 0 and 2F1 grows without bound.
		const [r, bb, cc] = [0.243, 2.426, 0.793 + 2.426 - 1];
		for (const z of [39 / 43.414, 78 / 82.414, 0.97]) {
			close(hypergeometric2F1(r, bb, cc, z), longSeries(r, bb, cc, z, 20_000), 1e-12);
		}
	});

	it('agrees with the 1 − z connection formula (A&S 15.3.6) where that is well conditioned', () => {
		const [a, b, c] = [0.7, 1.9, 3.05];
		// Γ(x) for x > −1, through Γ(x + 1)/x where x < 0 (logGamma gives only ln |Γ|).
		const g = (x: number): number => (x > 0 ? Math.exp(logGamma(x)) : g(x + 1) / x);
		for (const z of [0.6, 0.95, 0.9999]) {
			const w = 1 - z;
			const first =
				((g(c) * g(c - a - b)) / (g(c - a) * g(c - b))) * longSeries(a, b, a + b - c + 1, w, 200);
			const second =
				Math.pow(w, c - a - b) *
				((g(c) * g(a + b - c)) / (g(a) * g(b))) *
				longSeries(c - a, c - b, c - a - b + 1, w, 200);
			close(hypergeometric2F1(a, b, c, z), first + second, 1e-12);
		}
	});

	it('tends to Gauss’s value Γ(c)Γ(c − a − b)/(Γ(c − a)Γ(c − b)) at z → 1 when c > a + b', () => {
		const [a, b, c] = [0.243, 2.426, 7.219];
		const gauss = Math.exp(logGamma(c) + logGamma(c - a - b) - logGamma(c - a) - logGamma(c - b));
		close(hypergeometric2F1(a, b, c, 1 - 1e-14), gauss, 1e-12);
	});

	it('refuses z ≥ 1 and c a non-positive integer', () => {
		expect(() => hypergeometric2F1(1, 1, 2, 1)).toThrow(RangeError);
		expect(() => hypergeometric2F1(1, 1, -2, 0.3)).toThrow(RangeError);
		expect(hypergeometric2F1(0.3, 0.4, 0.5, 0)).toBe(1);
	});
});
