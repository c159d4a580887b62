import { describe, expect, it } from 'vitest';
import {
	invertPositiveDefinite,
	logParameterStandardErrors,
	minimize,
	numericalHessian
} from './optimize';

describe('minimize', () => {
	it('finds the minimum of Rosenbrock’s valley from the textbook start', () => {
		const rosenbrock = ([x = 0, y = 0]: number[]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2;
		const found = minimize(rosenbrock, [-1.2, 1]);
		expect(found.point[0]).toBeCloseTo(1, 6);
		expect(found.point[1]).toBeCloseTo(1, 6);
		expect(found.value).toBeLessThan(1e-12);
	});

	it('finds the centre of a tilted four-dimensional bowl', () => {
		const centre = [0.3, -1.2, 2, 0.7];
		const bowl = (p: number[]) =>
			p.reduce((sum, v, i) => sum + (i + 1) * (v - (centre[i] as number)) ** 2, 0) +
			((p[0] as number) - 0.3) * ((p[1] as number) + 1.2);
		const found = minimize(bowl, [0, 0, 0, 0]);
		found.point.forEach((v, i) => expect(v).toBeCloseTo(centre[i] as number, 6));
	});

	it('treats NaN as +∞, so the objective can refuse points', () => {
		const found = minimize(([x = 0]) => (x < 0 ? NaN : (x - 2) ** 2), [1]);
		expect(found.point[0]).toBeCloseTo(2, 6);
	});
});

describe('numericalHessian and invertPositiveDefinite', () => {
	it('give back the matrix of a quadratic form and its inverse', () => {
		const A = [
			[4, 1, 0.5],
			[1, 3, -0.2],
			[0.5, -0.2, 2]
		];
		const quadratic = (x: number[]) =>
			0.5 *
			A.reduce(
				(s, row, i) => s + row.reduce((t, v, j) => t + (x[i] as number) * v * (x[j] as number), 0),
				0
			);
		const H = numericalHessian(quadratic, [0.4, -0.1, 1.3]);
		H.forEach((row, i) =>
			row.forEach((v, j) => expect(v).toBeCloseTo((A[i] as number[])[j] as number, 6))
		);
		const inverse = invertPositiveDefinite(A);
		for (let i = 0; i < 3; i++) {
			for (let j = 0; j < 3; j++) {
				const product = A[i]!.reduce((s, v, k) => s + v * (inverse[k] as number[])[j]!, 0);
				expect(product).toBeCloseTo(i === j ? 1 : 0, 12);
			}
		}
	});

	it('refuses a matrix that is not positive definite', () => {
		expect(() =>
			invertPositiveDefinite([
				[1, 2],
				[2, 1]
			])
		).toThrow(/positive definite/);
	});
});

describe('logParameterStandardErrors', () => {
	it('gives the Poisson rate’s textbook standard error √(λ̂/n) through the log scale', () => {
		const counts = [3, 0, 2, 5, 1, 4, 2, 2, 3, 1];
		const n = counts.length;
		const total = counts.reduce((s, k) => s + k, 0);
		// −ln L over φ = ln λ, without the constant Σ ln k!.
		const negative = ([phi = 0]: number[]) => n * Math.exp(phi) - total * phi;
		const found = minimize(negative, [0]);
		const lambda = total / n;
		expect(Math.exp(found.point[0] as number)).toBeCloseTo(lambda, 6);
		const [se] = logParameterStandardErrors(negative, found.point);
		expect(se).toBeCloseTo(Math.sqrt(lambda / n), 6);
	});
});
