import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
	conditionalExpectedPurchases,
	fitBgnbd,
	groupSummaries,
	mulberry32,
	probabilityOfPurchases,
	simulateBgnbd,
	summarizePurchases,
	type BgnbdFit,
	type CustomerSummary,
	type Purchase
} from '$lib/server/models/bgnbd';
import { fitGammaGamma } from '$lib/server/models/gamma-gamma';
import { fitSbg } from '$lib/server/models/sbg';
import { referenceDataFile } from './helpers/reference-data';

// The customer models against published results on real data (../shared/data/README.md): the
// CDNOW purchases of Fader, Hardie & Lee (2005) and the retention cohorts of Fader & Hardie (2007).

const dayOf = (yyyymmdd: string) =>
	Date.UTC(
		Number(yyyymmdd.slice(0, 4)),
		Number(yyyymmdd.slice(4, 6)) - 1,
		Number(yyyymmdd.slice(6, 8))
	) / 86_400_000;

const CALIBRATION_END = dayOf('19970930');
const HOLDOUT_END = dayOf('19980630');

/** CDNOW_sample.txt: no header; master id, sample id, YYYYMMDD, CDs, dollars. */
function readCdnowSample(): Purchase[] {
	return readLines('CDNOW_sample.txt').map((line) => {
		const [, customer = '', date = '', , value = ''] = line.trim().split(/\s+/);
		return { customer, day: dayOf(date), value: Number(value) };
	});
}

/** CDNOW_master.txt: a header, then id, YYYYMMDD, CDs, dollars. */
function readCdnowMaster(): Purchase[] {
	return readLines('CDNOW_master.txt')
		.slice(1)
		.map((line) => {
			const [customer = '', date = '', , value = ''] = line.trim().split(/\s+/);
			return { customer, day: dayOf(date), value: Number(value) };
		});
}

function readLines(name: string): string[] {
	return fs
		.readFileSync(referenceDataFile(name), 'utf8')
		.split(/\r?\n/)
		.filter((line) => line.trim());
}

/** Within ± tolerance (toBeCloseTo works in powers of ten only). */
const within = (actual: number, expected: number, tolerance: number) =>
	expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);

describe('BG/NBD and Gamma-Gamma on the CDNOW sample (calibration to 30 Sep 1997)', () => {
	let purchases: Purchase[];
	let summaries: CustomerSummary[];
	let fit: BgnbdFit;

	beforeAll(() => {
		purchases = readCdnowSample();
		summaries = summarizePurchases(purchases, CALIBRATION_END);
		fit = fitBgnbd(groupSummaries(summaries));
	});

	it('reads 6,919 orders that merge into 6,696 purchase days of 2,357 customers', () => {
		expect(purchases).toHaveLength(6919);
		const everything = summarizePurchases(purchases, HOLDOUT_END);
		expect(everything).toHaveLength(2357);
		// 223 same-day rows (README).
		expect(everything.reduce((sum, c) => sum + c.x + 1, 0)).toBe(6919 - 223);
		expect(summaries).toHaveLength(2357);
	});

	it('fits r 0.243, α 4.414, a 0.793, b 2.426 with log-likelihood −9582.43 (FHL 2005)', () => {
		within(fit.r, 0.243, 0.002);
		within(fit.alpha, 4.414, 0.002);
		within(fit.a, 0.793, 0.002);
		within(fit.b, 2.426, 0.002);
		within(fit.logLikelihood, -9582.43, 0.01);
		expect(fit.customers).toBe(2357);
	});

	it('agrees with the seven-digit estimates of the CLVTools R package', () => {
		// CLVTools tests/testthat/test_correctness_bgnbd.R: r 0.2425945, α 4.4136019, a 0.7929199,
		// b 2.4258881, LL −9582.429 (the optimum is flat in a and b at the fifth digit).
		within(fit.r, 0.2425945, 1e-5);
		within(fit.alpha, 4.4136019, 1e-4);
		within(fit.a, 0.7929199, 1e-4);
		within(fit.b, 2.4258881, 1e-4);
		within(fit.logLikelihood, -9582.429, 1e-3);
		for (const se of Object.values(fit.standardErrors)) expect(se).toBeGreaterThan(0);
	});

	it('expects 1.226 purchases in the next 39 weeks for x = 2, t_x = 30.43, T = 38.86', () => {
		within(conditionalExpectedPurchases(fit, 39, 2, 30.43, 38.86), 1.226, 0.001);
	});

	it('gives P(X(39) = 0) = 0.5737864 for a new customer at the rounded parameters (lifetimes, BTYD)', () => {
		const rounded = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
		within(probabilityOfPurchases(rounded, 39, 0), 0.5737864, 1e-6);
	});

	it('fits Gamma-Gamma p 6.25, q 3.74, γ 15.44 on the 946 customers with repeat spend', () => {
		const spend = fitGammaGamma(summaries.map((c) => ({ x: c.x, m: c.meanRepeatValue })));
		within(spend.p, 6.25, 0.01);
		within(spend.q, 3.74, 0.01);
		within(spend.gamma, 15.44, 0.01);
		expect(spend.customers).toBe(946);
		expect(spend.leftOut).toBe(2357 - 946);
	});
});

describe('BG/NBD on the whole CDNOW cohort', () => {
	it('fits 23,570 customers to values the 1-in-10 sample reaches within 3 of its standard errors', () => {
		const summaries = summarizePurchases(readCdnowMaster(), CALIBRATION_END);
		expect(summaries).toHaveLength(23_570);
		const master = fitBgnbd(groupSummaries(summaries));
		const sample = fitBgnbd(groupSummaries(summarizePurchases(readCdnowSample(), CALIBRATION_END)));
		for (const key of ['r', 'alpha', 'a', 'b'] as const) {
			expect(Math.abs(sample[key] - master[key]), key).toBeLessThan(3 * sample.standardErrors[key]);
			expect(master.standardErrors[key], key).toBeLessThan(sample.standardErrors[key]);
		}
	});
});

describe('shifted-beta-geometric on the two retention cohorts (Fader & Hardie 2007)', () => {
	/** Customers still there at years 0 … 7 per cohort, from each customer's last active year. */
	function survivorsByCohort(): Map<string, number[]> {
		const [header = '', ...rows] = readLines('sbg_retention_cohorts.csv');
		const columns = header.split(',');
		const recencyAt = columns.indexOf('recency');
		const cohortAt = columns.indexOf('cohorts');
		const survivors = new Map<string, number[]>();
		for (const row of rows) {
			const cells = row.split(',');
			const recency = Number(cells[recencyAt]);
			const cohort = cells[cohortAt] as string;
			let counts = survivors.get(cohort);
			if (!counts) survivors.set(cohort, (counts = new Array<number>(8).fill(0)));
			// Alive at year k for every k below the last active year (recency 8: all seven renewals).
			for (let k = 0; k < Math.min(recency, 8); k++) counts[k] = (counts[k] as number) + 1;
		}
		return survivors;
	}

	it('counts the published survivors and fits High End α 0.668, β 3.806; Regular α 0.704, β 1.182', () => {
		const survivors = survivorsByCohort();
		expect(survivors.get('highend')).toEqual([1000, 869, 743, 653, 593, 551, 517, 491]);
		expect(survivors.get('regular')).toEqual([1000, 631, 468, 382, 326, 289, 262, 241]);
		const highEnd = fitSbg(survivors.get('highend') as number[]);
		const regular = fitSbg(survivors.get('regular') as number[]);
		expect(highEnd.periods).toBe(7);
		within(highEnd.alpha, 0.668, 0.001);
		within(highEnd.beta, 3.806, 0.001);
		within(regular.alpha, 0.704, 0.001);
		within(regular.beta, 1.182, 0.001);
	});
});

describe('BG/NBD on simulated customers', () => {
	it('recovers r 0.5, α 5, a 0.8, b 2.5 from 20,000 customers within 3 standard errors', () => {
		const truth = { r: 0.5, alpha: 5, a: 0.8, b: 2.5 };
		// First purchases spread over 13 weeks, observed to week 39, like the CDNOW cohort.
		const customers = simulateBgnbd(truth, 20_000, (i) => 26 + (i % 92) / 7, mulberry32(20_050));
		const fit = fitBgnbd(groupSummaries(customers));
		for (const key of ['r', 'alpha', 'a', 'b'] as const) {
			expect(Math.abs(fit[key] - truth[key]), key).toBeLessThan(3 * fit.standardErrors[key]);
		}
	});
});
