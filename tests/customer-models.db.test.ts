import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importOrdersCsv } from '$lib/server/ingest/orders';
import { evaluateMetric, evaluateTable, type MetricJson } from '$lib/server/metrics/evaluate';
import { customerLifetimeValue } from '$lib/server/models/clv';
import { refreshRollups } from '$lib/server/rollups/refresh';
import { findCustomerScore, listAtRisk } from '$lib/server/scoring/at-risk';
import {
	abandonInterruptedFits,
	fitCustomerModels,
	listFits,
	type FitOutcome
} from '$lib/server/scoring/customer-models';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, type TestDatabase } from './helpers/database';
import { referenceDataFile } from './helpers/reference-data';

// The CDNOW sample (Fader, Hardie & Lee 2005) through the product: imported as orders, rolled up,
// fitted with `until` 1997-09-30 (the paper's calibration) and scored as of that day. The
// parameters are the published ones; the scores are recomputed here from the raw file.
interface Customer {
	days: Map<number, number>; // purchase day → value of the day's orders
}
const dayOf = (yyyymmdd: string) =>
	Date.UTC(
		Number(yyyymmdd.slice(0, 4)),
		Number(yyyymmdd.slice(4, 6)) - 1,
		Number(yyyymmdd.slice(6))
	) / 86_400_000;
const UNTIL = dayOf('19970930');

describe('customer models on the CDNOW sample', () => {
	let database: TestDatabase;
	let work: string;
	let outcome: FitOutcome;
	let beforeFit: MetricJson;
	const september = (id: string, to = '1997-09-30') =>
		evaluateMetric(database.db, {
			id,
			from: `${to.slice(0, 8)}01`,
			to,
			now: new Date('2026-01-01')
		});
	const customers = new Map<string, Customer>();

	beforeAll(async () => {
		const lines = fs
			.readFileSync(referenceDataFile('CDNOW_sample.txt'), 'utf8')
			.split(/\r?\n/)
			.filter((line) => line.trim());
		const csv = ['source,order_ref,customer_ref,ordered_at,amount'];
		lines.forEach((line, i) => {
			const [master = '', , date = '', , value = ''] = line.trim().split(/\s+/);
			const customer = customers.get(master) ?? { days: new Map<number, number>() };
			customers.set(master, customer);
			const day = dayOf(date);
			customer.days.set(day, (customer.days.get(day) ?? 0) + Number(value));
			csv.push(
				`cdnow,${i + 1},${master},${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)},${value}`
			);
		});
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-models-'));
		fs.writeFileSync(path.join(work, 'orders.csv'), csv.join('\n'));
		database = await openTestDatabase();
		// The cohort's first purchases are complete from 1 Jan 1997: known when the history is said
		// to start a year before.
		await updateSettings(database.db, { timeZone: 'America/Chicago', historyStart: '1996-01-01' });
		const summary = await importOrdersCsv(database.db, path.join(work, 'orders.csv'), {
			now: new Date('2026-01-01T00:00:00Z')
		});
		expect(summary.stored).toBe(lines.length);
		await refreshRollups(database.db);
		beforeFit = await september('average-clv');
		outcome = await fitCustomerModels(database.db, { until: '1997-09-30' });
	}, 120_000);
	afterAll(async () => {
		await database?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('fits BG/NBD and Gamma-Gamma to the published parameters', async () => {
		const { bgnbd } = outcome;
		const gammaGamma = outcome.gammaGamma!;
		expect(bgnbd.customers).toBe(2357);
		expect(Math.abs(bgnbd.r - 0.243)).toBeLessThanOrEqual(0.002);
		expect(Math.abs(bgnbd.alpha - 4.414)).toBeLessThanOrEqual(0.002);
		expect(Math.abs(bgnbd.a - 0.793)).toBeLessThanOrEqual(0.002);
		expect(Math.abs(bgnbd.b - 2.426)).toBeLessThanOrEqual(0.002);
		expect(Math.abs(bgnbd.logLikelihood - -9582.43)).toBeLessThanOrEqual(0.01);
		expect(outcome.spendFallback).toBeNull();
		expect(gammaGamma.customers).toBe(946);
		expect(gammaGamma.leftOut).toBe(2357 - 946);
		expect(Math.abs(gammaGamma.p - 6.25)).toBeLessThanOrEqual(0.01);
		expect(Math.abs(gammaGamma.q - 3.74)).toBeLessThanOrEqual(0.01);
		expect(Math.abs(gammaGamma.gamma - 15.44)).toBeLessThanOrEqual(0.01);
		const [stored] = await listFits(database.db, 1);
		expect(stored).toMatchObject({ status: 'succeeded', until: '1997-09-30', customers: 2357 });
		expect(stored?.parameters?.bgnbd.r).toBeCloseTo(bgnbd.r, 12);
	});

	it('scores every customer as of the calibration end, as recomputed from the file', async () => {
		const { bgnbd } = outcome;
		const gammaGamma = outcome.gammaGamma!;
		// Independently: summaries from the raw file, P(alive) by FHL 2008, RFM by PRODUCT.md.
		const all = [...customers.entries()].map(([ref, c]) => {
			const days = [...c.days.keys()].filter((d) => d <= UNTIL).sort((a, b) => a - b);
			const first = days[0] as number;
			const last = days[days.length - 1] as number;
			const repeatValues = days.slice(1).map((d) => c.days.get(d) as number);
			const x = days.length - 1;
			const t_x = (last - first) / 7;
			const T = (UNTIL - first) / 7;
			const odds =
				x === 0
					? 0
					: (bgnbd.a / (bgnbd.b + x - 1)) *
						((bgnbd.alpha + T) / (bgnbd.alpha + t_x)) ** (bgnbd.r + x);
			return {
				ref,
				x,
				t_x,
				T,
				first,
				last,
				second: days[1] ?? null,
				revenue: days.reduce((sum, d) => sum + (c.days.get(d) as number), 0),
				mean: x ? repeatValues.reduce((a, b) => a + b, 0) / x : 0,
				pAlive: 1 / (1 + odds)
			};
		});
		// Every customer bought within 365 days of 30 Sep 1997: all are active.
		const n = all.length;
		const pr = (values: number[], v: number, desc: boolean) =>
			n > 1 ? values.filter((w) => (desc ? w > v : w < v)).length / (n - 1) : 0;
		const score = (p: number) => Math.min(5, 1 + Math.floor(5 * p));
		const recencies = all.map((c) => UNTIL - c.last);
		const fScore = (d: number) => (d >= 6 ? 5 : d >= 4 ? 4 : d);
		const revenues = all.map((c) => c.revenue).sort((a, b) => b - a);
		const threshold = revenues[Math.ceil(0.2 * n) - 1] as number;
		const gaps = all
			.filter((c) => c.second !== null)
			.map((c) => (c.second as number) - c.first)
			.sort((a, b) => a - b);
		const pos = 0.8 * (gaps.length - 1);
		const p80 =
			(gaps[Math.floor(pos)] as number) +
			(pos - Math.floor(pos)) *
				((gaps[Math.ceil(pos)] as number) - (gaps[Math.floor(pos)] as number));
		let atRisk = 0;
		let revenueAtRisk = 0;
		let clvTotal = 0;
		const segments: Record<string, number> = {};
		for (const c of all) {
			const r = score(pr(recencies, UNTIL - c.last, true));
			const f = fScore(c.x + 1);
			const segment =
				r <= 2 && f >= 3 && f <= 4
					? 'At risk'
					: r <= 2 && f === 5
						? "Can't lose them"
						: r === 5 && f === 1
							? 'New'
							: r === 4 && f === 1
								? 'Promising'
								: r >= 4 && f >= 2 && f <= 3
									? 'Potential loyalist'
									: r === 5
										? 'Champions'
										: r >= 3 && f >= 4
											? 'Loyal'
											: r === 3 && f === 3
												? 'Need attention'
												: r === 3
													? 'About to sleep'
													: r === 2
														? 'Hibernating'
														: 'Lost';
			segments[segment] = (segments[segment] ?? 0) + 1;
			const high = c.revenue > 0 && c.revenue >= threshold;
			const risky =
				c.pAlive < 0.5 ||
				segment === 'At risk' ||
				segment === "Can't lose them" ||
				(c.x === 0 && UNTIL - c.first > p80);
			if (high && risky) {
				atRisk++;
				revenueAtRisk += c.revenue;
			}
			// the total of the CLVs as stored, in cents
			const clv = customerLifetimeValue(bgnbd, gammaGamma, {
				x: c.x,
				t_x: c.t_x,
				T: c.T,
				m: c.mean
			});
			clvTotal += Math.round(clv * 100) / 100;
		}
		const rollup = await database.db
			.selectFrom('rollup_model_score')
			.selectAll()
			.where('scored_on', '=', '1997-09-30')
			.executeTakeFirstOrThrow();
		expect(rollup).toMatchObject({ scored: n, active: n, at_risk: atRisk, segments });
		expect(rollup.high_value).toBe(all.filter((c) => c.revenue >= threshold).length);
		expect(Number(rollup.revenue_at_risk)).toBeCloseTo(revenueAtRisk, 2);
		expect(Number(rollup.clv_total)).toBeCloseTo(clvTotal, 2);
		expect(atRisk).toBeGreaterThan(0);

		// The board's figures read that row.
		expect(await september('high-value-at-risk')).toMatchObject({
			value: atRisk,
			denominator: rollup.high_value
		});
		const revenue = await september('revenue-at-risk');
		expect(revenue.value).toBeCloseTo(revenueAtRisk, 2);
		expect(revenue.extra).toMatchObject({ scoredOn: '1997-09-30' });
		const clv = await september('average-clv');
		expect(clv.value).toBeCloseTo(clvTotal / n, 2);
		expect(clv).toMatchObject({ denominator: n });
		const table = await evaluateTable(database.db, {
			id: 'rfm-segments',
			from: '1997-09-01',
			to: '1997-09-30',
			now: new Date('2026-01-01')
		});
		expect(Object.fromEntries(table.rows.map((r) => [r.segment, r.customers]))).toMatchObject(
			segments
		);

		// One customer's stored scores, from the file.
		const sample = all.find((c) => c.x === 2) as (typeof all)[number];
		const stored = await database.db
			.selectFrom('customer_score as s')
			.innerJoin('identity as i', 'i.customer_id', 's.customer_id')
			.selectAll('s')
			.where('i.kind', '=', 'ref')
			.where('i.value', '=', sample.ref)
			.executeTakeFirstOrThrow();
		expect(stored.purchase_days).toBe(3);
		expect(stored.p_alive).toBeCloseTo(sample.pAlive, 9);
		expect(Number(stored.clv)).toBeCloseTo(
			customerLifetimeValue(bgnbd, gammaGamma, { ...sample, m: sample.mean }),
			2
		);
	});

	it('lists the customers at risk for the CX lead, sorted as asked', async () => {
		const rollup = await database.db
			.selectFrom('rollup_model_score')
			.select('at_risk')
			.executeTakeFirstOrThrow();
		for (const sort of ['revenue', 'p-alive', 'clv', 'last-purchase'] as const) {
			for (const descending of [true, false]) {
				const { customers: listed, total } = await listAtRisk(database.db, {
					sort,
					descending,
					limit: 1000
				});
				expect(total).toBe(rollup.at_risk);
				expect(listed).toHaveLength(Math.min(1000, total));
				expect(listed.every((c) => c.atRisk && c.highValue && c.ref !== null)).toBe(true);
				const key = (c: (typeof listed)[number]) =>
					sort === 'revenue'
						? c.netRevenue365
						: sort === 'p-alive'
							? c.pAlive
							: sort === 'clv'
								? c.clv
								: Date.parse(c.lastDay);
				const keys = listed.map(key);
				const sorted = [...keys].sort((a, b) => (descending ? b - a : a - b));
				expect(keys, `${sort} ${descending ? 'desc' : 'asc'}`).toEqual(sorted);
			}
		}
		const first = (await listAtRisk(database.db, { sort: 'clv', descending: true, limit: 1 }))
			.customers[0]!;
		expect(await findCustomerScore(database.db, first.customerId)).toEqual(first);
		expect(await findCustomerScore(database.db, 10 ** 9)).toBeUndefined();
	});

	it('says the models are not fitted until a fit, and when scoring began for earlier periods', async () => {
		expect(beforeFit.value).toBeNull();
		expect(beforeFit.extra).toMatchObject({ notFitted: true });
		expect(String(beforeFit.extra.reason)).toMatch(/not been fitted yet/);
		const august = await september('revenue-at-risk', '1997-08-31');
		expect(august.value).toBeNull();
		expect(august.extra.reason).toBe(
			'The customers were first scored on 1997-09-30, after this period.'
		);
	});

	it('refuses a fit when an order has a negative amount, keeping the scores it had', async () => {
		const db = database.db;
		const before = await db.selectFrom('customer_score').select('fit_id').distinct().execute();
		await db
			.updateTable('customer_order')
			.set({ amount: '-5' })
			.where('order_ref', '=', '7')
			.execute();
		await expect(fitCustomerModels(db, { until: '1997-09-30' })).rejects.toThrow(
			/An order from source "cdnow" has a negative amount/
		);
		const [failed] = await listFits(db, 1);
		expect(failed).toMatchObject({ status: 'failed', parameters: null });
		expect(failed?.error).toMatch(/refunds are not purchases/);
		// the board keeps the previous scoring's figures and says why in one sentence
		const revenue = await september('revenue-at-risk');
		expect(revenue.value).not.toBeNull();
		expect(revenue.extra.failedFit).toMatch(
			/^The latest fit failed: An order from source "cdnow" has a negative amount, and refunds are not purchases; import such rows as refunds and fit again\.$/
		);
		expect(await db.selectFrom('customer_score').select('fit_id').distinct().execute()).toEqual(
			before
		);
	});

	it('runs one fit at a time, and none on data after today', async () => {
		const db = database.db;
		const other = await db
			.insertInto('model_fit')
			.values({ status: 'running', until_day: '1997-09-30' })
			.returning('fit_id')
			.executeTakeFirstOrThrow();
		await expect(fitCustomerModels(db, { until: '1997-09-30' })).rejects.toThrow(
			/^Another fit of the customer models is under way \(started .*\); wait for it to finish\.$/
		);
		// the embedded database's server, starting, knows no one else can be fitting
		expect(await abandonInterruptedFits(db)).toBe(1);
		const [interrupted] = await listFits(db, 1);
		expect(interrupted).toMatchObject({
			fitId: Number(other.fit_id),
			status: 'failed',
			error: 'Interrupted: the command center stopped while the fit ran.'
		});
		await db.deleteFrom('model_fit').where('fit_id', '=', other.fit_id).execute();
		await expect(
			fitCustomerModels(db, { until: '2026-03-02', now: new Date('2026-03-01T12:00:00Z') })
		).rejects.toThrow('--until 2026-03-02 is after today (2026-03-01)');
	});

	it('refuses a fit on fewer than 100 customers with a known first purchase', async () => {
		const db = database.db;
		await db
			.updateTable('customer_order')
			.set({ amount: '5' })
			.where('order_ref', '=', '7')
			.execute();
		await expect(fitCustomerModels(db, { until: '1997-01-02' })).rejects.toThrow(
			/at least 100 customers/
		);
	});

	it('fits without the spend model below 100 repeat buyers: CLV at their average value', async () => {
		// to 31 Jan 1997: 781 customers, of whom 74 bought again
		const until = dayOf('19970131');
		const means: number[] = [];
		for (const c of customers.values()) {
			const days = [...c.days.keys()].filter((d) => d <= until).sort((a, b) => a - b);
			if (days.length < 2) continue;
			const values = days.slice(1).map((d) => c.days.get(d) as number);
			const mean = values.reduce((a, b) => a + b, 0) / values.length;
			if (mean > 0) means.push(mean);
		}
		expect(means.length).toBeLessThan(100);
		const fit = await fitCustomerModels(database.db, { until: '1997-01-31' });
		expect(fit.gammaGamma).toBeNull();
		expect(fit.spendFallback).toMatchObject({ customers: means.length });
		expect(fit.spendFallback!.reason).toMatch(/at least 100 customers with repeat purchases/);
		const average = means.reduce((a, b) => a + b, 0) / means.length;
		expect(fit.spendFallback!.averageValue).toBeCloseTo(average, 9);
		// everyone's E[AOV] is that average: CLV = average × the discounted expected purchases, here
		// through a Gamma-Gamma whose every conditional mean is 1 (q = p + 1, γ = m = 1)
		const unit = { p: 1, q: 2, gamma: 1 };
		const rows = await database.db
			.selectFrom('customer_score')
			.select(['clv', 'purchase_days', 'first_day', 'last_day'])
			.where('fit_id', '=', fit.fitId)
			.execute();
		expect(rows.length).toBe(fit.summary.scored);
		for (const row of rows.slice(0, 50)) {
			const first = dayOf(row.first_day.replaceAll('-', ''));
			const expected = customerLifetimeValue(fit.bgnbd, unit, {
				x: row.purchase_days - 1,
				t_x: (dayOf(row.last_day.replaceAll('-', '')) - first) / 7,
				T: (until - first) / 7,
				m: 1
			});
			expect(Number(row.clv)).toBeCloseTo(average * expected, 2);
		}
		const [latest] = await listFits(database.db, 1);
		expect(latest?.parameters?.gammaGamma).toBeNull();
		expect(latest?.parameters?.spendFallback?.customers).toBe(means.length);
	});
});
