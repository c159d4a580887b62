/**
 * A seeded pseudo-random stream (sfc32 seeded through cyrb128) with the distributions the demo
 * company draws from. Every stream is named by a string key, so a person's purchases, messages and
 * surveys each have their own stream: stopping one early never shifts another, and appending a
 * simulated day later reproduces exactly what a full run would have drawn.
 */
export interface Random {
	/** Uniform on [0, 1). */
	next(): number;
	uniform(min: number, max: number): number;
	/** Integer on [0, n). */
	int(n: number): number;
	bernoulli(p: number): boolean;
	/** Exponential with the given mean. */
	exponential(mean: number): number;
	normal(mean?: number, sd?: number): number;
	/** Gamma with shape k and rate θ⁻¹ = `rate` (mean k / rate). */
	gamma(shape: number, rate: number): number;
	beta(a: number, b: number): number;
	poisson(mean: number): number;
	pick<T>(items: readonly T[]): T;
	/** One of `items`, chosen with the given weights (they need not sum to 1). */
	weighted<T>(items: readonly (readonly [T, number])[]): T;
}

/** cyrb128: four 32-bit words from a string. */
function hashKey(key: string): [number, number, number, number] {
	let h1 = 1779033703,
		h2 = 3144134277,
		h3 = 1013904242,
		h4 = 2773480762;
	for (let i = 0; i < key.length; i++) {
		const k = key.charCodeAt(i);
		h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
		h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
		h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
		h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
	}
	h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
	h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
	h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
	h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
	h1 ^= h2 ^ h3 ^ h4;
	h2 ^= h1;
	h3 ^= h1;
	h4 ^= h1;
	return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

export function createRandom(key: string): Random {
	let [a, b, c, d] = hashKey(key);
	const next = (): number => {
		a >>>= 0;
		b >>>= 0;
		c >>>= 0;
		d >>>= 0;
		let t = (a + b) | 0;
		a = b ^ (b >>> 9);
		b = (c + (c << 3)) | 0;
		c = (c << 21) | (c >>> 11);
		d = (d + 1) | 0;
		t = (t + d) | 0;
		c = (c + t) | 0;
		return (t >>> 0) / 4294967296;
	};
	// Warm up: the first outputs of sfc32 still show the seed's structure.
	for (let i = 0; i < 12; i++) next();

	let spareNormal: number | undefined;
	const standardNormal = (): number => {
		if (spareNormal !== undefined) {
			const value = spareNormal;
			spareNormal = undefined;
			return value;
		}
		let u: number;
		let v: number;
		let s: number;
		do {
			u = next() * 2 - 1;
			v = next() * 2 - 1;
			s = u * u + v * v;
		} while (s >= 1 || s === 0);
		const factor = Math.sqrt((-2 * Math.log(s)) / s);
		spareNormal = v * factor;
		return u * factor;
	};

	// Marsaglia & Tsang (2000); shapes below 1 through the boost X·U^(1/k).
	const gammaUnitRate = (shape: number): number => {
		if (shape < 1) return gammaUnitRate(shape + 1) * Math.pow(1 - next(), 1 / shape);
		const d3 = shape - 1 / 3;
		const c3 = 1 / Math.sqrt(9 * d3);
		for (;;) {
			let x: number;
			let v: number;
			do {
				x = standardNormal();
				v = 1 + c3 * x;
			} while (v <= 0);
			v = v * v * v;
			const u = 1 - next();
			if (u < 1 - 0.0331 * x * x * x * x) return d3 * v;
			if (Math.log(u) < 0.5 * x * x + d3 * (1 - v + Math.log(v))) return d3 * v;
		}
	};

	const random: Random = {
		next,
		uniform: (min, max) => min + (max - min) * next(),
		int: (n) => Math.floor(next() * n),
		bernoulli: (p) => next() < p,
		exponential: (mean) => -mean * Math.log(1 - next()),
		normal: (mean = 0, sd = 1) => mean + sd * standardNormal(),
		gamma: (shape, rate) => gammaUnitRate(shape) / rate,
		beta(a, b) {
			const x = gammaUnitRate(a);
			return x / (x + gammaUnitRate(b));
		},
		poisson(mean) {
			if (mean <= 0) return 0;
			if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * standardNormal()));
			const limit = Math.exp(-mean);
			let k = 0;
			let p = next();
			while (p > limit) {
				k++;
				p *= next();
			}
			return k;
		},
		pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
		weighted(items) {
			let total = 0;
			for (const [, weight] of items) total += weight;
			let u = next() * total;
			for (const [item, weight] of items) {
				u -= weight;
				if (u < 0) return item;
			}
			return (items[items.length - 1] as (typeof items)[number])[0];
		}
	};
	return random;
}
