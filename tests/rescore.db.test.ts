import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probabilityAlive } from '$lib/server/models/bgnbd';
import { refreshRollups } from '$lib/server/rollups/refresh';
import { fitCustomerModels, type FitOutcome } from '$lib/server/scoring/customer-models';
import { rescoreQueued } from '$lib/server/scoring/rescore';
import { dueModelWork } from '$lib/server/scoring/schedule';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, type TestDatabase } from './helpers/database';
import { addCustomer, addOrder } from './helpers/fixtures';

// Between fits, the customers touched by new data are rescored with the fit's parameters and on
// its scale; everyone else keeps the fit's scores, and the day's board figures stay the sums of
// the stored rows. The expectations are recomputed here from the orders and the stored rows.
const NOW = new Date('2026-06-10T12:00:00Z');
const LATER = new Date('2026-06-10T14:00:00Z');
const DAY = 86_400_000;

describe('rescoring the customers touched between fits', () => {
	let database: TestDatabase;
	let fit: FitOutcome;
	const touched: Record<'atRisk' | 'single' | 'gone' | 'newcomer', number> = {
		atRisk: 0,
		single: 0,
		gone: 0,
		newcomer: 0
	};
	type Row = Record<string, unknown>;
	const rowsOf = async (fitId: number): Promise<Map<number, Row>> => {
		const rows = await database.db
			.selectFrom('customer_score')
			.selectAll()
			.where('fit_id', '=', fitId)
			.execute();
		return new Map(rows.map((row) => [Number(row.customer_id), row as Row]));
	};
	let before: Map<number, Row>;

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', historyStart: '2022-01-01' });
		await sql`insert into source (source) values ('fixture')`.execute(db);
		// 400 customers with a known first purchase 100–700 days ago and 1–5 purchase days
		await sql`
			with c as (
				insert into customer (source, first_order_at)
				select 'fixture', ${NOW.toISOString()}::timestamptz - ((g * 37) % 600 + 100) * interval '1 day'
				from generate_series(1, 400) g
				returning customer_id, first_order_at
			)
			insert into customer_order (customer_id, origin_customer_id, source, order_ref, kind, amount,
				currency, reporting_amount, ordered_at)
			select customer_id, customer_id, 'fixture', 'o-' || customer_id || '-' || k, 'order',
				10 + (customer_id % 7) * k * 9, 'USD', 10 + (customer_id % 7) * k * 9,
				first_order_at + k * (customer_id % 13 + 5) * interval '1 day'
			from c cross join lateral generate_series(0, (customer_id % 5)::int) k
		`.execute(db);
		// one whose first purchase only its order tells
		const gone = await addCustomer(db);
		await addOrder(db, gone, '2025-11-02T10:00:00Z', { amount: '30' });
		await refreshRollups(db);
		fit = await fitCustomerModels(db, { until: '2026-06-09', now: NOW });
		before = await rowsOf(fit.fitId);
		const rows = [...before.values()];
		const atRisk = rows
			.filter((row) => row.at_risk)
			.sort((a, b) => Number(b.net_revenue_365) - Number(a.net_revenue_365))[0];
		const singles = rows.filter((row) => row.purchase_days === 1 && !row.at_risk);
		expect(atRisk, 'the data has a high-value customer at risk').toBeDefined();
		touched.atRisk = Number(atRisk!.customer_id);
		touched.single = Number(singles[0]!.customer_id);
		touched.gone = gone;
		// new data: purchases today, a customer's orders withdrawn, a new customer
		await addOrder(db, touched.atRisk, '2026-06-10T09:00:00Z', { amount: '80' });
		await addOrder(db, touched.single, '2026-06-10T10:00:00Z', { amount: '15' });
		await db.deleteFrom('customer_order').where('customer_id', '=', touched.gone).execute();
		touched.newcomer = await addCustomer(db, { firstOrderAt: '2026-06-10T08:00:00Z' });
		await addOrder(db, touched.newcomer, '2026-06-10T08:00:00Z', { amount: '25' });
		await refreshRollups(db);
	}, 120_000);
	afterAll(async () => database?.close());

	it('queues exactly the customers whose facts the refresh recomputed; the fit had cleared it', async () => {
		const queued = await database.db.selectFrom('score_queue').select('customer_id').execute();
		expect(queued.map((row) => Number(row.customer_id)).sort((a, b) => a - b)).toEqual(
			Object.values(touched).sort((a, b) => a - b)
		);
	});

	it('waits while the facts are not those of the fit, then rescores them as of today', async () => {
		const report = await rescoreQueued(database.db, { now: LATER });
		expect(report).toEqual({ rescored: 3, removed: 1, waiting: null });
		expect(await database.db.selectFrom('score_queue').select('customer_id').execute()).toEqual([]);
		const after = await rowsOf(fit.fitId);

		// everyone else keeps the fit's scores, exactly
		for (const [id, row] of before) {
			if (Object.values(touched).includes(id)) continue;
			expect(after.get(id)).toEqual(row);
		}
		expect(after.has(touched.gone)).toBe(false);

		// the at-risk customer bought today: x, t_x, T from the orders, P(alive) from the fit
		const orders = await database.db
			.selectFrom('customer_order')
			.select('ordered_at')
			.where('customer_id', '=', touched.atRisk)
			.execute();
		const days = [
			...new Set(orders.map((o) => Math.floor(new Date(o.ordered_at).getTime() / DAY)))
		].sort((a, b) => a - b);
		const today = Math.floor(LATER.getTime() / DAY);
		const x = days.length - 1;
		const t_x = (days.at(-1)! - days[0]!) / 7;
		const T = (today - days[0]!) / 7;
		const row = after.get(touched.atRisk)!;
		expect(row.scored_on).toBe('2026-06-10');
		expect(row.purchase_days).toBe(days.length);
		expect(row.p_alive as number).toBeCloseTo(probabilityAlive(fit.bgnbd, x, t_x, T), 10);
		expect(row.p_alive as number).toBeGreaterThan(before.get(touched.atRisk)!.p_alive as number);
		// the most recent purchase of all: R 5 on the fit's scale
		expect(row.r).toBe(5);
		expect(row.last_day).toBe('2026-06-10');

		const newcomer = after.get(touched.newcomer)!;
		expect(newcomer).toMatchObject({
			first_day: '2026-06-10',
			purchase_days: 1,
			scored_on: '2026-06-10',
			p_alive: 1
		});
		expect(after.get(touched.single)!.purchase_days).toBe(2);
	});

	it("keeps the fit's figures for its day and writes today's as the sums of the stored rows", async () => {
		const figures = await database.db
			.selectFrom('rollup_model_score')
			.selectAll()
			.orderBy('scored_on')
			.execute();
		expect(figures.map((f) => f.scored_on)).toEqual(['2026-06-09', '2026-06-10']);
		const [fitDay, today] = figures;
		expect(fitDay).toMatchObject({
			scored: fit.summary.scored,
			at_risk: fit.summary.atRisk,
			revenue_at_risk: fit.summary.revenueAtRisk.toFixed(2)
		});
		const sums = await sql<{
			scored: number;
			active: number;
			high_value: number;
			at_risk: number;
			revenue_at_risk: string;
			clv_total: string;
		}>`
			select count(*)::int as scored, count(*) filter (where active)::int as active,
				count(*) filter (where high_value)::int as high_value,
				count(*) filter (where at_risk)::int as at_risk,
				coalesce(sum(net_revenue_365) filter (where at_risk), 0)::numeric(14, 2)::text
					as revenue_at_risk,
				coalesce(sum(clv) filter (where active), 0)::numeric(14, 2)::text as clv_total
			from customer_score where fit_id = ${fit.fitId}
		`.execute(database.db);
		const expected = sums.rows[0]!;
		expect(today).toMatchObject({
			fit_id: fit.fitId,
			scored: expected.scored,
			active: expected.active,
			high_value: expected.high_value,
			at_risk: expected.at_risk
		});
		expect(Number(today!.revenue_at_risk)).toBeCloseTo(Number(expected.revenue_at_risk), 2);
		expect(Number(today!.clv_total)).toBeCloseTo(Number(expected.clv_total), 2);
		const segments = await sql<{ segment: string; customers: number }>`
			select segment, count(*)::int as customers from customer_score
			where fit_id = ${fit.fitId} and active group by segment
		`.execute(database.db);
		expect(today!.segments).toEqual(
			Object.fromEntries(segments.rows.map((row) => [row.segment, row.customers]))
		);
		// the customer who bought today left the at-risk count
		expect(today!.at_risk).toBeLessThanOrEqual(fitDay!.at_risk);
	});

	it('asks for a rescoring when customers wait, and for a fit when the scale changed', async () => {
		const db = database.db;
		const due = (lookForFit: boolean) =>
			dueModelWork(db, { now: Date.now(), lookForFit, dataLandedAt: 0, env: {} });
		expect(await due(true)).toBeNull();
		await addOrder(db, touched.single, '2026-06-10T11:00:00Z', { amount: '5' });
		await refreshRollups(db);
		expect(await due(false)).toBe('score');
		// a new margin or F breakpoints: every customer is refitted, not just those waiting
		await updateSettings(db, { margin: 0.4 });
		expect(await due(true)).toBe('fit');
		await updateSettings(db, { margin: 1, rfmFrequencyBreakpoints: [2, 4, 6, 8] });
		expect(await due(true)).toBe('fit');
		await updateSettings(db, { rfmFrequencyBreakpoints: [2, 3, 4, 6] });
		expect(await due(true)).toBe('score');
		// a new activity window builds new facts: the queue waits for the fit
		await updateSettings(db, { activityWindowDays: 200 });
		await refreshRollups(db);
		expect(await due(true)).toBe('fit');
		const waiting = await rescoreQueued(db, { now: LATER });
		expect(waiting.rescored).toBe(0);
		expect(waiting.waiting).toMatch(/next fit scores everyone/);
		// the fit clears the queue it read
		await fitCustomerModels(db, { until: '2026-06-10', now: LATER });
		expect(await db.selectFrom('score_queue').select('customer_id').execute()).toEqual([]);
		expect(await due(true)).toBeNull();
	});
});

describe('the first fit', () => {
	it('waits until the first purchases are in the facts, not just in the orders', async () => {
		const database = await openTestDatabase();
		try {
			const db = database.db;
			const due = () =>
				dueModelWork(db, { now: Date.now(), lookForFit: true, dataLandedAt: 0, env: {} });
			await refreshRollups(db);
			expect(await due()).toBeNull();
			// orders that land while a refresh ends: queued, not yet facts
			const customer = await addCustomer(db);
			await addOrder(db, customer, '2026-06-01T10:00:00Z');
			expect(await due()).toBeNull();
			await refreshRollups(db);
			expect(await due()).toBe('fit');
		} finally {
			await database.close();
		}
	});
});
