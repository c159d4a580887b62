import fs from 'node:fs';
import path from 'node:path';
import {
	conditionalExpectedPurchases,
	expectedPurchases,
	fitBgnbd,
	groupSummaries,
	mulberry32,
	simulateBgnbd,
	summarizePurchases,
	type BgnbdParameters,
	type Purchase,
	type PurchaseSummary
} from '../models/bgnbd';
import { fitGammaGamma, simulateMeanSpend } from '../models/gamma-gamma';

/**
 * `npm run bench -- models`: the customer models of issue 6. Figures only, never assertions:
 * BG/NBD + Gamma-Gamma fit time and memory at 100k and 1M simulated customers, and the holdout
 * honesty check on the CDNOW sample (Fader, Hardie & Lee 2005, calibration to 30 Sep 1997).
 */

/** CDNOW's published fits, used as the truth behind the simulated customers. */
const BGNBD_TRUTH: BgnbdParameters = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const GAMMA_GAMMA_TRUTH = { p: 6.25, q: 3.74, gamma: 15.44 };
const SIZES = [100_000, 1_000_000];
const SEED = 20_050;
/** Like CDNOW: first purchases over the first 12 weeks, calibration to day 272. */
const FIRST_PURCHASE_DAYS = 84;
const CALIBRATION_DAYS = 272;

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const fixed = (value: number, digits = 3) => value.toFixed(digits);

export async function benchModels(log: (line: string) => void): Promise<void> {
	log('\n## Customer models (BG/NBD, Gamma-Gamma)');
	for (const size of SIZES) benchFits(size, log);
	benchHoldout(log);
}

/**
 * Customers as purchase dates give them: the horizon and t_x in whole days (t_x rounded down to
 * the day of the last purchase), so identical summaries can be grouped.
 */
function simulateCustomers(customers: number): PurchaseSummary[] {
	const random = mulberry32(SEED + customers);
	const horizons = (i: number) => (CALIBRATION_DAYS - (i % FIRST_PURCHASE_DAYS)) / 7;
	return simulateBgnbd(BGNBD_TRUTH, customers, horizons, random).map((s) => ({
		...s,
		t_x: Math.floor(s.t_x * 7) / 7
	}));
}

function benchFits(customers: number, log: (line: string) => void): void {
	log(`\n### ${n(customers)} simulated customers`);
	let started = performance.now();
	const summaries = simulateCustomers(customers);
	const spend = simulateMeanSpend(
		GAMMA_GAMMA_TRUTH,
		summaries.map((s) => s.x),
		mulberry32(SEED)
	);
	log(`simulated in ${seconds(performance.now() - started)} (not part of the fit)`);
	const rssBefore = process.memoryUsage().rss;

	started = performance.now();
	const groups = groupSummaries(summaries);
	const grouped = performance.now() - started;
	const bgnbd = fitBgnbd(groups);
	const bgnbdDone = performance.now() - started;
	const gammaGamma = fitGammaGamma(spend);
	const total = performance.now() - started;

	log(`grouping: ${n(groups.length)} distinct (x, t_x, T) in ${seconds(grouped)}`);
	log(
		`BG/NBD fit (with grouping): ${seconds(bgnbdDone)} — r ${fixed(bgnbd.r)} α ${fixed(bgnbd.alpha)} a ${fixed(bgnbd.a)} b ${fixed(bgnbd.b)} (truth ${BGNBD_TRUTH.r} / ${BGNBD_TRUTH.alpha} / ${BGNBD_TRUTH.a} / ${BGNBD_TRUTH.b})`
	);
	log(
		`Gamma-Gamma fit: ${seconds(total - bgnbdDone)} on ${n(gammaGamma.customers)} customers — p ${fixed(gammaGamma.p, 2)} q ${fixed(gammaGamma.q, 2)} γ ${fixed(gammaGamma.gamma, 2)} (truth ${GAMMA_GAMMA_TRUTH.p} / ${GAMMA_GAMMA_TRUTH.q} / ${GAMMA_GAMMA_TRUTH.gamma})`
	);
	log(`both fits: ${seconds(total)}`);
	const rss = process.memoryUsage().rss;
	const peak = process.resourceUsage().maxRSS * 1024;
	log(
		`memory: RSS ${megabytes(rssBefore)} before the fits, ${megabytes(rss)} after; peak RSS of the process ${megabytes(peak)}`
	);
}

const dayOf = (yyyymmdd: string) =>
	Date.UTC(
		Number(yyyymmdd.slice(0, 4)),
		Number(yyyymmdd.slice(4, 6)) - 1,
		Number(yyyymmdd.slice(6, 8))
	) / 86_400_000;

function readCdnowSample(): Purchase[] {
	const file = path.resolve(process.env.CX_REFERENCE_DATA || '../shared/data', 'CDNOW_sample.txt');
	return fs
		.readFileSync(file, 'utf8')
		.split(/\r?\n/)
		.filter((line) => line.trim())
		.map((line) => {
			const [, customer = '', date = '', , value = ''] = line.trim().split(/\s+/);
			return { customer, day: dayOf(date), value: Number(value) };
		});
}

/**
 * FHL 2005's tracking plot as numbers: cumulative repeat purchases week by week (a purchase on day
 * j of the cohort's calendar falls in week ⌊j/7⌋ + 1), predicted as Σ E[X(t)] from each
 * customer's first purchase with the calibration fit, against the actual merged purchase days.
 */
function benchHoldout(log: (line: string) => void): void {
	log('\n### Holdout check: CDNOW sample, calibration to 1997-09-30, 78 weeks');
	let purchases: Purchase[];
	try {
		purchases = readCdnowSample();
	} catch (error) {
		log(`skipped: the CDNOW sample could not be read (${(error as Error).message})`);
		return;
	}
	const start = dayOf('19970101');
	const calibrationEnd = dayOf('19970930');
	const holdoutEnd = dayOf('19980630');
	const calibration = summarizePurchases(purchases, calibrationEnd);
	const fit = fitBgnbd(groupSummaries(calibration));
	log(
		`calibration fit: r ${fixed(fit.r)} α ${fixed(fit.alpha)} a ${fixed(fit.a)} b ${fixed(fit.b)}, log-likelihood ${fit.logLikelihood.toFixed(2)}`
	);

	const repeatDays = repeatPurchaseDays(purchases);
	const firstDays = calibration.map((c) => c.firstDay - start);
	const actualByWeek = new Array<number>(79).fill(0);
	for (const day of repeatDays) {
		const week = Math.floor((day - start) / 7) + 1;
		if (week <= 78) actualByWeek[week] = (actualByWeek[week] as number) + 1;
	}
	let actual = 0;
	log('week   predicted   actual   error');
	for (let week = 1; week <= 78; week++) {
		actual += actualByWeek[week] as number;
		if (![39, 52, 65, 78].includes(week)) continue;
		const lastDay = 7 * week - 1;
		const predicted = firstDays.reduce(
			(sum, first) => sum + (first <= lastDay ? expectedPurchases(fit, (lastDay - first) / 7) : 0),
			0
		);
		log(
			`${String(week).padStart(4)}   ${predicted.toFixed(0).padStart(9)}   ${String(actual).padStart(6)}   ${percent(predicted, actual)}`
		);
	}

	const predictedHoldout = calibration.reduce(
		(sum, c) => sum + conditionalExpectedPurchases(fit, 39, c.x, c.t_x, c.T),
		0
	);
	const actualHoldout = repeatDays.filter(
		(day) => day > calibrationEnd && day <= holdoutEnd
	).length;
	log(
		`holdout only (weeks 40–78, conditional on calibration): predicted ${predictedHoldout.toFixed(0)}, actual ${actualHoldout}, ${percent(predictedHoldout, actualHoldout)}`
	);
}

/** Every purchase day after each customer's first, same-day orders merged. */
function repeatPurchaseDays(purchases: readonly Purchase[]): number[] {
	const daysByCustomer = new Map<string, Set<number>>();
	for (const { customer, day } of purchases) {
		let days = daysByCustomer.get(customer);
		if (!days) daysByCustomer.set(customer, (days = new Set()));
		days.add(day);
	}
	const repeat: number[] = [];
	for (const days of daysByCustomer.values()) {
		const first = Math.min(...days);
		for (const day of days) if (day !== first) repeat.push(day);
	}
	return repeat;
}

const percent = (predicted: number, actual: number) =>
	`${predicted >= actual ? '+' : ''}${((100 * (predicted - actual)) / actual).toFixed(1)}%`;
