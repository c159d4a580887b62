import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL, DEMO_SOURCES } from '../db/seed/model';
import { findMetric } from '$lib/server/metrics/catalog';
import { loadBoard } from '$lib/server/board/board';
import type { DB } from '$lib/server/db/schema';
import { appendDemo } from '$lib/server/demo/append';
import { removeDemo } from '$lib/server/demo/remove';
import { seedDemo } from '$lib/server/demo/seed';
import { getDemoState, saveDemoState } from '$lib/server/demo/state';
import { createDemoUsers } from '$lib/server/demo/users';
import { startOfLocalDay } from '$lib/server/metrics/period';
import { setTargets } from '$lib/server/metrics/targets';
import { listFits } from '$lib/server/scoring/customer-models';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database';
import { makeTempDir } from './helpers/processes';

// The demo company (db/seed/): determinism by hashing the tables, the declared parameters
// recovered from the stored rows with estimators written here, the default size and the n behind
// the board's tiles on an anchor on the 1st of a month, the live append, and removal.

const ZONE = 'America/New_York';
const Z95 = 1.959964;

/** Every table the demo writes, hashed row by row in key order without insertion times. */
const HASHED: Record<string, string> = {
	source: 'source',
	program: 'program',
	fx_rate: 'currency, day',
	customer: 'customer_id',
	identity: 'source, kind, value',
	consent: 'customer_id, consent_id',
	customer_order: 'customer_id, order_id',
	interaction_event: 'customer_id, event_id',
	service_case: 'customer_id, case_id',
	survey_response: 'customer_id, response_id',
	program_assignment: 'customer_id, program'
};

async function tableHashes(db: Kysely<DB>): Promise<Record<string, string>> {
	const hashes: Record<string, string> = {};
	for (const [table, key] of Object.entries(HASHED)) {
		const result = await sql<{ hash: string | null; n: number }>`
			select md5(string_agg((to_jsonb(t) - 'created_at')::text, '|' order by ${sql.raw(key)})) as hash,
				count(*)::int as n
			from ${sql.table(table)} t
		`.execute(db);
		const row = result.rows[0];
		hashes[table] = `${row?.n}:${row?.hash}`;
	}
	return hashes;
}

async function setUp(db: Kysely<DB>): Promise<void> {
	await updateSettings(db, { timeZone: ZONE, reportingCurrency: 'USD' });
}

describe('determinism', () => {
	const open: TestDatabase[] = [];
	afterAll(async () => {
		for (const database of open) await database.close();
	});

	it('gives identical rows for the same seed, anchor and size, and other rows for another seed', async () => {
		const now = new Date('2026-05-10T15:00:00Z');
		const hashes: Record<string, string>[] = [];
		for (const seed of ['alpha', 'alpha', 'beta']) {
			const database = await openTestDatabase();
			open.push(database);
			await setUp(database.db);
			await seedDemo(database.db, { seed, customers: 300, anchor: '2026-03-01', now });
			hashes.push(await tableHashes(database.db));
		}
		expect(Number(hashes[0]?.interaction_event?.split(':')[0])).toBeGreaterThan(5000);
		expect(hashes[1]).toEqual(hashes[0]);
		for (const table of ['customer_order', 'interaction_event', 'survey_response']) {
			expect(hashes[2]?.[table]).not.toEqual(hashes[0]?.[table]);
		}
	});

	it('appends, hour by hour, exactly the rows a demo seeded later holds', async () => {
		const seededAt = new Date('2026-05-09T14:00:00Z');
		const later = new Date('2026-05-12T20:00:00Z');
		const stepwise = await openTestDatabase();
		const direct = await openTestDatabase();
		open.push(stepwise, direct);
		for (const database of [stepwise, direct]) await setUp(database.db);
		await seedDemo(stepwise.db, { seed: 'gamma', customers: 200, now: seededAt });
		for (const at of [
			'2026-05-09T20:00:00.000Z',
			'2026-05-10T06:00:00.000Z',
			later.toISOString()
		]) {
			const appended = await appendDemo(stepwise.db, new Date(at));
			expect(appended?.through.toISOString()).toBe(at);
		}
		// A demo seeded at `later` with the anchor the first one had: the same three years.
		await seedDemo(direct.db, { seed: 'gamma', customers: 200, anchor: '2026-05-09', now: later });
		const a = await tableHashes(stepwise.db);
		expect(Number(a.customer_order?.split(':')[0])).toBeGreaterThan(500);
		// The direct seed stops at the end of its anchor day; the stepwise one went on to `later`.
		// Rows up to the anchor's end agree; the live one holds 10 to 12 May on top.
		const cut = startOfLocalDay('2026-05-10', ZONE);
		for (const table of ['customer_order', 'interaction_event', 'survey_response']) {
			const column = {
				customer_order: 'ordered_at',
				interaction_event: 'occurred_at',
				survey_response: 'responded_at'
			}[table] as string;
			const rows = async (db: Kysely<DB>) =>
				(
					await sql<{ hash: string }>`
						select md5(string_agg((to_jsonb(t) - 'created_at' - 'customer_id' - 'origin_customer_id' - ${idColumn(table)})::text, '|'
							order by ${sql.raw(column)}, ${sql.raw(refColumn(table))})) as hash
						from ${sql.table(table)} t where ${sql.ref(column)} < ${cut}
					`.execute(db)
				).rows[0]?.hash;
			expect(await rows(stepwise.db), table).toBe(await rows(direct.db));
		}
		const afterCut = await sql<{ n: number }>`
			select count(*)::int as n from interaction_event where occurred_at >= ${cut}
		`.execute(stepwise.db);
		expect(afterCut.rows[0]?.n).toBeGreaterThan(0);
	});
});

describe('an interrupted removal', () => {
	it('stops the hourly append and is finished by the next removal', async () => {
		const database = await openTestDatabase();
		try {
			await setUp(database.db);
			await seedDemo(database.db, {
				seed: 'delta',
				customers: 300,
				now: new Date('2026-05-09T14:00:00Z')
			});
			const error = await removeDemo(database.db, {
				chunkBudgetMs: 1,
				onProgress: () => {
					throw new Error('the server stopped');
				}
			}).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(Error);
			expect((await getDemoState(database.db))?.status).toBe('removing');
			const left = async () =>
				Number(
					(await sql<{ n: number }>`select count(*)::int as n from customer`.execute(database.db))
						.rows[0]?.n
				);
			const before = await left();
			expect(before).toBeGreaterThan(0);
			// the live demo does not bring back what the removal already deleted
			expect(await appendDemo(database.db, new Date('2026-05-10T14:00:00Z'))).toBeNull();
			expect(await left()).toBe(before);
			await removeDemo(database.db);
			expect(await left()).toBe(0);
			expect(await getDemoState(database.db)).toBeNull();
		} finally {
			await database.close();
		}
	});
});

function idColumn(table: string): string {
	return {
		customer_order: 'order_id',
		interaction_event: 'event_id',
		survey_response: 'response_id'
	}[table] as string;
}

function refColumn(table: string): string {
	return {
		customer_order: 'order_ref',
		interaction_event: 'event_ref',
		survey_response: 'response_ref'
	}[table] as string;
}

// The default-size company (7,900 people, 450,000 rows) once, on the PostgreSQL server: what it
// checks is the generator's, and PGlite writes and builds the same company end to end in the
// first-start browser test (`npm start` on the embedded database), removal included.
if (testDatabaseKind() === 'postgres') {
	describe('the default demo company, anchored on the 1st of a month', () => {
		const ANCHOR = '2026-06-01';
		let database: TestDatabase;
		let db: Kysely<DB>;
		/** The end of the anchor day: the whole simulated day is in. */
		let asOf: Date;

		beforeAll(async () => {
			database = await openTestDatabase();
			db = database.db;
			await setUp(db);
			asOf = new Date(startOfLocalDay('2026-06-02', ZONE).getTime() - 1000);
			await seedDemo(db, { anchor: ANCHOR, now: new Date('2026-06-20T12:00:00Z') });
		}, 600_000);

		afterAll(async () => {
			await database?.close();
		});

		it('has at least 5,000 customers and 100,000 events', async () => {
			const counts = await sql<{ buyers: number; events: number; prospects: number }>`
			select
				(select count(distinct customer_id)::int from customer_order) as buyers,
				(select count(*)::int from interaction_event) as events,
				(select count(*)::int from customer c
					where not exists (select 1 from customer_order o where o.customer_id = c.customer_id)) as prospects
		`.execute(db);
			const row = counts.rows[0];
			expect(row?.buyers).toBeGreaterThanOrEqual(5000);
			expect(row?.events).toBeGreaterThanOrEqual(100_000);
			expect(row?.prospects).toBeGreaterThan(500);
		});

		it('puts n ≥ 100 behind every customer tile, and enough behind the others', async () => {
			const board = await loadBoard(db, { now: asOf });
			expect(board.tiles.length).toBeGreaterThanOrEqual(3);
			for (const tile of board.tiles) {
				// the messages of one day (the month to date on the 1st) and a count of failures need less
				const entry = findMetric(tile.id);
				const least =
					tile.id === 'human-engagement-rate' || entry?.minN === 0 ? (entry?.minN ?? 0) : 100;
				expect(tile.n, tile.id).toBeGreaterThanOrEqual(least);
				expect(tile.value, tile.id).not.toBeNull();
				expect(tile.status, tile.id).not.toBe('not-enough-data');
			}
		});

		it('is realistic: two sources, shared identities, the blocklisted address, two currencies, refunds, every event kind', async () => {
			const facts = await sql<Record<string, number>>`
			select
				(select count(*)::int from (select customer_id from identity group by customer_id
					having count(distinct source) >= 2) x) as two_sources,
				(select count(*)::int from identity where kind = 'email' and value = 'test@test.com') as test_address,
				(select count(distinct customer_id)::int from identity where kind = 'email' and value = 'test@test.com') as test_customers,
				(select count(*)::int from (select value from identity where kind = 'phone'
					group by value having count(distinct source) = 2) x) as shared_phones,
				(select count(distinct currency)::int from customer_order) as currencies,
				(select count(*)::int from customer_order where kind = 'refund') as refunds,
				(select count(*)::int from customer_order where kind = 'cancellation') as cancellations,
				(select count(distinct type)::int from interaction_event) as event_types,
				(select count(distinct channel)::int from interaction_event) as channels,
				(select count(distinct message_purpose)::int from interaction_event) as purposes,
				(select count(*)::int from service_case where resolved_at is null) as unresolved,
				(select count(*)::int from survey_response where stated_category_spend is not null) as stated_spend,
				(select count(*)::int from survey_response where effort is not null) as effort_answers,
				(select count(*)::int from survey_response where csat is not null) as csat_answers,
				(select count(*)::int from consent where status = 'opted_out' and changed_at > (
					select min(changed_at) + interval '1 day' from consent)) as opt_outs_later,
				(select count(distinct program)::int from program_assignment) as programs,
				(select count(*)::int from interaction_event e join service_case s on s.customer_id = e.customer_id
					and e.message_purpose = 'marketing' and e.type = 'sent'
					and e.occurred_at > s.opened_at and (s.resolved_at is null or e.occurred_at < s.resolved_at)) as conflicting
		`.execute(db);
			const f = facts.rows[0] as Record<string, number>;
			expect(f.two_sources).toBeGreaterThan(1000);
			expect(f.test_address).toBe(2);
			expect(f.test_customers).toBe(2);
			expect(f.shared_phones).toBeGreaterThan(100);
			expect(f.currencies).toBe(2);
			expect(f.refunds).toBeGreaterThan(100);
			expect(f.cancellations).toBeGreaterThan(50);
			expect(f.event_types).toBeGreaterThanOrEqual(11);
			// email, sms, web, app, phone, chat
			expect(f.channels).toBe(6);
			expect(f.purposes).toBe(3);
			expect(f.unresolved).toBeGreaterThan(20);
			expect(f.stated_spend).toBeGreaterThan(1000);
			expect(f.effort_answers).toBeGreaterThan(100);
			expect(f.csat_answers).toBeGreaterThan(1000);
			expect(f.opt_outs_later).toBeGreaterThan(50);
			expect(f.programs).toBe(2);
			expect(f.conflicting).toBeGreaterThan(10);
			const fx = await sql<{ n: number }>`
			select count(*)::int as n from customer_order o
			where o.currency = 'EUR' and o.reporting_amount = o.amount
		`.execute(db);
			expect(fx.rows[0]?.n).toBe(0);
		});

		it('recovers the machine-open share (flagged and unflagged) within its 95% interval', async () => {
			// Machine opens as a reader finds them: flagged by the producer, or unflagged but within
			// 2 s of the message's delivery. Whether someone's mail sits behind a privacy proxy is a
			// trait of the person, so the share of delivered e-mails with a machine open is estimated
			// per person and averaged over people (each person one observation).
			const result = await sql<{ delivered: number; machine: number; flagged: number }>`
			with delivered as (
				select customer_id, channel, message_ref, min(occurred_at) as at
				from interaction_event where type = 'delivered' and channel = 'email'
				group by customer_id, channel, message_ref
			), opens as (
				select d.customer_id, d.message_ref,
					bool_or(o.machine_open is true
						or (o.machine_open is null and o.occurred_at - d.at <= interval '2 seconds')) as machine,
					count(*) filter (where o.machine_open is true) as flagged
				from delivered d
				left join interaction_event o on o.customer_id = d.customer_id and o.channel = d.channel
					and o.message_ref = d.message_ref and o.type = 'opened'
				group by d.customer_id, d.message_ref
			)
			select count(*)::int as delivered,
				count(*) filter (where machine)::int as machine,
				sum(flagged)::int as flagged
			from opens group by customer_id
		`.execute(db);
			const shares = result.rows.map((r) => r.machine / r.delivered);
			const n = shares.length;
			const mean = shares.reduce((s, v) => s + v, 0) / n;
			const sd = Math.sqrt(shares.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
			const { privacyProxyShare, machineFlaggedShare } = DEMO_MODEL;
			expect(n).toBeGreaterThan(5000);
			expect(
				Math.abs(mean - privacyProxyShare),
				`machine-open share ${mean.toFixed(4)} ± ${((Z95 * sd) / Math.sqrt(n)).toFixed(4)}`
			).toBeLessThan((Z95 * sd) / Math.sqrt(n));
			// The producer flags each machine open on its own: a binomial share of the machine opens.
			const machine = result.rows.reduce((s, r) => s + r.machine, 0);
			const flagged = result.rows.reduce((s, r) => s + r.flagged, 0);
			const se = Math.sqrt((machineFlaggedShare * (1 - machineFlaggedShare)) / machine);
			expect(Math.abs(flagged / machine - machineFlaggedShare)).toBeLessThan(Z95 * se);
			expect(machine - flagged).toBeGreaterThan(1000);
		});

		it("recovers each program arm's conversion lift within its 95% Wald interval", async () => {
			const result = await sql<{ program: string; arm: string; n: number; converted: number }>`
			select a.program, a.arm, count(*)::int as n,
				count(*) filter (where exists (
					select 1 from customer_order o
					where o.customer_id = a.customer_id and o.kind = 'order'
						and o.ordered_at > a.assigned_at
						and o.ordered_at <= a.assigned_at + p.measurement_window_days * interval '1 day'
				))::int as converted
			from program_assignment a join program p on p.program = a.program
			where a.assigned_at + p.measurement_window_days * interval '1 day' <= ${asOf}
			group by a.program, a.arm
		`.execute(db);
			const arms = new Map(result.rows.map((r) => [`${r.program}/${r.arm}`, r]));
			let checked = 0;
			for (const [program, spec] of Object.entries(DEMO_MODEL.programs)) {
				const control = arms.get(`${program}/control`);
				const declaredControl = spec.arms.find(([arm]) => arm === 'control')?.[2] as number;
				expect(control?.n, `${program} control`).toBeGreaterThan(100);
				for (const [arm, , conversion] of spec.arms) {
					if (arm === 'control') continue;
					const treated = arms.get(`${program}/${arm}`);
					expect(treated?.n, `${program}/${arm}`).toBeGreaterThan(100);
					const pt = (treated?.converted ?? 0) / (treated?.n ?? 1);
					const pc = (control?.converted ?? 0) / (control?.n ?? 1);
					const se = Math.sqrt(
						(pt * (1 - pt)) / (treated?.n ?? 1) + (pc * (1 - pc)) / (control?.n ?? 1)
					);
					const lift = pt - pc;
					const declared = conversion - declaredControl;
					expect(
						declared,
						`${program}/${arm} lift ${lift.toFixed(4)} ± ${(Z95 * se).toFixed(4)}`
					).toBeGreaterThanOrEqual(lift - Z95 * se);
					expect(declared).toBeLessThanOrEqual(lift + Z95 * se);
					checked++;
				}
			}
			expect(checked).toBe(3);
		});

		it('recovers the mean purchase days per customer-year (BG/NBD) within its 95% interval', async () => {
			// Each customer's first year: the first purchase day plus the purchase days in the 364 days
			// after it, over customers whose first year ended by the anchor.
			const result = await sql<{ days: number }>`
			with days as (
				select distinct customer_id, (ordered_at at time zone ${ZONE})::date as day
				from customer_order where kind = 'order'
			), firsts as (
				select customer_id, min(day) as first from days group by customer_id
			)
			select count(*)::int as days
			from firsts f join days d on d.customer_id = f.customer_id
				and d.day between f.first and f.first + 364
			where f.first + 364 <= ${ANCHOR}::date
			group by f.customer_id
		`.execute(db);
			const values = result.rows.map((r) => r.days);
			const n = values.length;
			const mean = values.reduce((s, v) => s + v, 0) / n;
			const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
			const declared = 1 + expectedRepeatPurchases(52, DEMO_MODEL.bgnbd);
			expect(n).toBeGreaterThan(2000);
			expect(
				Math.abs(mean - declared),
				`mean ${mean.toFixed(3)}, declared ${declared.toFixed(3)}`
			).toBeLessThan((Z95 * sd) / Math.sqrt(n));
		});

		it('is fitted when seeded, and the fit recovers the declared BG/NBD within 3 standard errors', async () => {
			const [fit] = await listFits(db, 1);
			expect(fit).toMatchObject({ status: 'succeeded', until: ANCHOR });
			const bgnbd = fit!.parameters!.bgnbd;
			expect(bgnbd.customers).toBeGreaterThan(2000);
			for (const name of ['r', 'alpha', 'a', 'b'] as const) {
				const declared = DEMO_MODEL.bgnbd[name];
				expect(
					Math.abs(bgnbd[name] - declared),
					`${name}: fitted ${bgnbd[name].toFixed(3)} ± ${bgnbd.standardErrors[name].toFixed(3)}, declared ${declared}`
				).toBeLessThan(3 * bgnbd.standardErrors[name]);
			}
		});

		it('removes every demo row, its users and its rates, and nothing else', async () => {
			await db.insertInto('source').values({ source: 'shop' }).execute();
			const keep = await db
				.insertInto('customer')
				.values({ source: 'shop' })
				.returning('customer_id')
				.executeTakeFirstOrThrow();
			const dataDir = makeTempDir('cx-demo-users-');
			const users = await createDemoUsers(db, dataDir);
			const state = await getDemoState(db);
			await saveDemoState(db, { ...(state as NonNullable<typeof state>), userIds: users.ids });
			expect(users.ids).toHaveLength(3);

			const demoTargets = await sql<{ n: number }>`
			select count(*)::int as n from metric_target where demo
		`.execute(db);
			expect(demoTargets.rows[0]?.n).toBe(96);
			await setTargets(db, null, { metricId: 'nps', month: '2030-01', value: '30' });

			const summary = await removeDemo(db, { chunkBudgetMs: 100 });
			expect(summary.customers).toBeGreaterThan(7000);
			expect(summary.chunks).toBeGreaterThan(5);
			for (const table of [
				'customer',
				'identity',
				'consent',
				'customer_order',
				'interaction_event',
				'service_case',
				'survey_response',
				'program_assignment',
				'ingest_key',
				'source'
			] as const) {
				const left = await sql<{ n: number }>`
				select count(*)::int as n from ${sql.table(table)} where source = any(${[...DEMO_SOURCES]}::text[])
			`.execute(db);
				expect(left.rows[0]?.n, table).toBe(0);
			}
			const rest = await sql<Record<string, number>>`
			select (select count(*)::int from customer) as customers,
				(select count(*)::int from interaction_event) as events,
				(select count(*)::int from fx_rate) as rates,
				(select count(*)::int from program) as programs,
				(select count(*)::int from app_user where email like '%@demo.example') as users,
				(select count(*)::int from setting where key = 'demo') as state,
				(select count(*)::int from audit_log where action = 'demo.remove') as audited,
				(select count(*)::int from metric_target) as targets
		`.execute(db);
			expect(rest.rows[0]).toEqual({
				customers: 1,
				events: 0,
				rates: 0,
				programs: 0,
				users: 0,
				state: 0,
				audited: 1,
				// the admin's own target stays; the demo's 4 × 24 months go
				targets: 1
			});
			const kept = await db.selectFrom('customer').select('customer_id').executeTakeFirst();
			expect(kept?.customer_id).toBe(keep.customer_id);
			// the figures went with it: one generation over what is left, no message facts
			const rollups = await sql<Record<string, number>>`
			select (select count(*)::int from rollup_generation) as generations,
				(select count(*)::int from rollup_generation where status = 'live') as live,
				(select coalesce(sum(starts - ends), 0)::int from rollup_spell_edge) as active,
				(select count(*)::int from rc_purchase_day) as purchase_days,
				(select count(*)::int from rc_message) as messages,
				(select count(*)::int from model_fit) + (select count(*)::int from customer_score)
					+ (select count(*)::int from rollup_model_score) as model_rows,
				(select coalesce(sum(delivered), 0)::int from rollup_message_day) as delivered
		`.execute(db);
			expect(rollups.rows[0]).toEqual({
				generations: 1,
				live: 1,
				active: 0,
				purchase_days: 0,
				messages: 0,
				model_rows: 0,
				delivered: 0
			});
		});
	});
}

/** BG/NBD E[X(t)] (Fader, Hardie & Lee 2005, eq. 9), with the Gauss hypergeometric series. */
function expectedRepeatPurchases(
	t: number,
	{ r, alpha, a, b }: { r: number; alpha: number; a: number; b: number }
): number {
	const z = t / (alpha + t);
	let term = 1;
	let sum = 1;
	for (let k = 0; k < 10_000 && Math.abs(term) > 1e-14; k++) {
		term *= ((r + k) * (b + k) * z) / ((a + b - 1 + k) * (k + 1));
		sum += term;
	}
	return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * sum);
}
