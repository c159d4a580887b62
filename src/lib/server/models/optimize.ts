/**
 * Minimisation and curvature for maximum-likelihood fits on log-parameters: Nelder–Mead with
 * restarts, a central-difference Hessian, and standard errors by the delta method.
 */

export interface Minimum {
	/** The point found. */
	point: number[];
	/** The objective there. */
	value: number;
	evaluations: number;
}

export interface MinimizeOptions {
	/** Initial simplex edge along each coordinate (default 0.5). */
	step?: number;
	/** Stop when the simplex values agree to this, relative to 1 + |f| (default 1e-12). */
	valueTolerance?: number;
	/** …and the simplex is this small along every coordinate (default 1e-8). */
	pointTolerance?: number;
	/** Give up after this many evaluations in all (default 20,000). */
	maxEvaluations?: number;
}

/**
 * The minimum of f by Nelder–Mead (standard coefficients 1, 2, ½, ½), restarted from the best point
 * with a fresh simplex until a restart no longer improves it, which guards against a collapsed
 * simplex. Non-finite values count as +∞, so f may refuse points outside its domain.
 */
export function minimize(
	f: (point: number[]) => number,
	start: readonly number[],
	options: MinimizeOptions = {}
): Minimum {
	const maxEvaluations = options.maxEvaluations ?? 20_000;
	let evaluations = 0;
	const objective = (point: number[]) => {
		evaluations++;
		const value = f(point);
		return Number.isNaN(value) ? Infinity : value;
	};
	const valueTolerance = options.valueTolerance ?? 1e-12;
	let best = { point: [...start], value: objective([...start]) };
	let step = options.step ?? 0.5;
	for (let restart = 0; restart < 20 && evaluations < maxEvaluations; restart++) {
		const found = nelderMead(objective, best.point, step, options, maxEvaluations - evaluations);
		const improved = best.value - found.value;
		best = found.value <= best.value ? found : best;
		const settled = improved <= valueTolerance * (1 + Math.abs(best.value));
		if (restart > 0 && settled) break;
		step = Math.max(0.01, step / 5);
	}
	if (!Number.isFinite(best.value))
		throw new Error('The minimiser found no point where the objective is finite.');
	return { ...best, evaluations };
}

interface Vertex {
	point: number[];
	value: number;
}

/** One Nelder–Mead run from an axis-aligned simplex at start. */
function nelderMead(
	f: (point: number[]) => number,
	start: readonly number[],
	step: number,
	options: MinimizeOptions,
	budget: number
): Vertex {
	const valueTolerance = options.valueTolerance ?? 1e-12;
	const pointTolerance = options.pointTolerance ?? 1e-8;
	const n = start.length;
	const simplex: Vertex[] = [{ point: [...start], value: f([...start]) }];
	for (let i = 0; i < n; i++) {
		const point = [...start];
		point[i] = (point[i] as number) + step;
		simplex.push({ point, value: f(point) });
	}
	let used = n + 1;
	while (used < budget) {
		simplex.sort((u, v) => u.value - v.value);
		const lowest = simplex[0] as Vertex;
		const highest = simplex[n] as Vertex;
		const spread = highest.value - lowest.value;
		if (spread <= valueTolerance * (1 + Math.abs(lowest.value)) && size(simplex) <= pointTolerance)
			break;
		const centroid = centroidOf(simplex.slice(0, n));
		const along = (t: number) => centroid.map((c, i) => c + t * ((highest.point[i] as number) - c));
		const reflected = vertexAt(f, along(-1));
		used++;
		const secondHighest = simplex[n - 1] as Vertex;
		if (reflected.value < lowest.value) {
			const expanded = vertexAt(f, along(-2));
			used++;
			simplex[n] = expanded.value < reflected.value ? expanded : reflected;
		} else if (reflected.value < secondHighest.value) {
			simplex[n] = reflected;
		} else {
			const outside = reflected.value < highest.value;
			const contracted = vertexAt(f, along(outside ? -0.5 : 0.5));
			used++;
			if (contracted.value < (outside ? reflected.value : highest.value)) {
				simplex[n] = contracted;
			} else {
				used += shrink(f, simplex);
			}
		}
	}
	simplex.sort((u, v) => u.value - v.value);
	return simplex[0] as Vertex;
}

const vertexAt = (f: (point: number[]) => number, point: number[]): Vertex => ({
	point,
	value: f(point)
});

/** Moves every vertex half-way to the best one; returns the evaluations used. */
function shrink(f: (point: number[]) => number, simplex: Vertex[]): number {
	const best = simplex[0] as Vertex;
	for (let j = 1; j < simplex.length; j++) {
		const point = (simplex[j] as Vertex).point.map(
			(x, i) => (best.point[i] as number) + 0.5 * (x - (best.point[i] as number))
		);
		simplex[j] = vertexAt(f, point);
	}
	return simplex.length - 1;
}

function centroidOf(vertices: readonly Vertex[]): number[] {
	const sum = new Array<number>((vertices[0] as Vertex).point.length).fill(0);
	for (const v of vertices) v.point.forEach((x, i) => (sum[i] = (sum[i] as number) + x));
	return sum.map((s) => s / vertices.length);
}

/** The largest coordinate distance from the best vertex. */
function size(simplex: readonly Vertex[]): number {
	const best = (simplex[0] as Vertex).point;
	let largest = 0;
	for (const v of simplex)
		v.point.forEach((x, i) => (largest = Math.max(largest, Math.abs(x - (best[i] as number)))));
	return largest;
}

/** The Hessian of f at point by central differences with step h in every coordinate. */
export function numericalHessian(
	f: (point: number[]) => number,
	point: readonly number[],
	h = 1e-3
): number[][] {
	const n = point.length;
	const at = (shifts: [number, number][]) => {
		const p = [...point];
		for (const [i, d] of shifts) p[i] = (p[i] as number) + d;
		return f(p);
	};
	const centre = f([...point]);
	const hessian = Array.from({ length: n }, () => new Array<number>(n).fill(0));
	for (let i = 0; i < n; i++) {
		const row = hessian[i] as number[];
		row[i] = (at([[i, h]]) - 2 * centre + at([[i, -h]])) / (h * h);
		for (let j = 0; j < i; j++) {
			const mixed =
				(at([
					[i, h],
					[j, h]
				]) -
					at([
						[i, h],
						[j, -h]
					]) -
					at([
						[i, -h],
						[j, h]
					]) +
					at([
						[i, -h],
						[j, -h]
					])) /
				(4 * h * h);
			row[j] = mixed;
			(hessian[j] as number[])[i] = mixed;
		}
	}
	return hessian;
}

/** The inverse of a symmetric positive-definite matrix by Cholesky; throws when it is not one. */
export function invertPositiveDefinite(matrix: readonly (readonly number[])[]): number[][] {
	const n = matrix.length;
	const lower = Array.from({ length: n }, () => new Array<number>(n).fill(0));
	const m = (i: number, j: number) => (matrix[i] as readonly number[])[j] as number;
	const l = (i: number, j: number) => (lower[i] as number[])[j] as number;
	for (let i = 0; i < n; i++) {
		for (let j = 0; j <= i; j++) {
			let sum = m(i, j);
			for (let k = 0; k < j; k++) sum -= l(i, k) * l(j, k);
			if (i === j) {
				if (!(sum > 0)) throw new Error('The matrix is not positive definite.');
				(lower[i] as number[])[i] = Math.sqrt(sum);
			} else {
				(lower[i] as number[])[j] = sum / l(j, j);
			}
		}
	}
	// Columns of the inverse: solve L Lᵀ x = e_k.
	const inverse = Array.from({ length: n }, () => new Array<number>(n).fill(0));
	for (let k = 0; k < n; k++) {
		const y = new Array<number>(n).fill(0);
		for (let i = 0; i < n; i++) {
			let sum = i === k ? 1 : 0;
			for (let j = 0; j < i; j++) sum -= l(i, j) * (y[j] as number);
			y[i] = sum / l(i, i);
		}
		for (let i = n - 1; i >= 0; i--) {
			let sum = y[i] as number;
			for (let j = i + 1; j < n; j++) sum -= l(j, i) * ((inverse[j] as number[])[k] as number);
			(inverse[i] as number[])[k] = sum / l(i, i);
		}
	}
	return inverse;
}

/**
 * Standard errors of the natural parameters θ = e^φ from the negative log-likelihood over φ = ln θ:
 * the covariance of φ is the inverse Hessian, and by the delta method se(θ) = θ · se(φ).
 * NaN everywhere when the Hessian is not positive definite (a flat or boundary optimum).
 */
export function logParameterStandardErrors(
	negativeLogLikelihood: (logParameters: number[]) => number,
	logParameters: readonly number[]
): number[] {
	const hessian = numericalHessian(negativeLogLikelihood, logParameters);
	let covariance: number[][];
	try {
		covariance = invertPositiveDefinite(hessian);
	} catch {
		return logParameters.map(() => NaN);
	}
	return logParameters.map(
		(phi, i) => Math.exp(phi) * Math.sqrt((covariance[i] as number[])[i] as number)
	);
}
