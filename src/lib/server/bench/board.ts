import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { BOARD_METRICS, loadBoard } from '../board/board';
import { openDatabase, PGDATA, type Database } from '../db/database';
import { LOCK_FILE } from '../db/data-dir-lock';
import { migrateToLatest } from '../db/migrate';
import type { DB } from '../db/schema';
import { refreshRollups, yieldToRequests } from '../rollups/refresh';
import { fitCustomerModels } from '../scoring/customer-models';
import { updateSettings } from '../settings';

/**
 * `npm run bench -- board`: the executive board on rollups at scale (issue 5). Figures only, never
 * assertions. Data is generated in SQL (deterministic: setseed), cached per (size, seed, generator
 * version): a PGlite data folder under .bench-cache/, a PostgreSQL database kept on the server of
 * BENCH_DATABASE_URL (a throwaway server otherwise, so no cache).
 */

/** Bump when the generated data changes, so caches built by an older generator are not reused. */
export const GENERATOR_VERSION = 1;
const SEED = 0.42;
/** The board is loaded as of this instant; the data runs to 1 Jun 2026. */
const NOW = new Date('2026-06-10T10:00:00Z');
const LOADS = 50;

export interface BoardBenchTarget {
	kind: 'pglite' | 'postgres';
	customers: number;
	events: number;
	/** PGlite: the cache folder's parent; PostgreSQL: the admin URL. */
	where: string;
	log: (line: string) => void;
	/** Leave out the two rebuilds (the longest part at 1M customers). */
	skipRebuild?: boolean;
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export async function benchBoard(target: BoardBenchTarget): Promise<void> {
	const { log } = target;
	const label = `${target.kind === 'postgres' ? 'PostgreSQL 15' : 'PGlite'} · ${n(target.customers)} customers / ${n(target.events)} events`;
	log(`\n## ${label}`);
	const started = performance.now();
	const { database, workUrl, cached } = await openBenchDatabase(target);
	const db = database.db;
	try {
		log(
			`data: ${cached ? 'from the cache' : 'generated and rolled up'} in ${((performance.now() - started) / 1000).toFixed(1)} s; ${await sizeOf(db)}`
		);

		// 1. The board, 50 loads after one warm-up.
		await loadBoard(db, { now: NOW });
		const loads: number[] = [];
		for (let i = 0; i < LOADS; i++) {
			const t = performance.now();
			await loadBoard(db, { now: NOW });
			loads.push(performance.now() - t);
		}
		log(
			`board (${BOARD_METRICS.length} tiles, each with its comparison and 12-period sparkline), ${LOADS} loads: p50 ${ms(percentile(loads, 50))}, p95 ${ms(percentile(loads, 95))}`
		);

		const tiles: string[] = [];
		for (const id of BOARD_METRICS) {
			const times: number[] = [];
			for (let i = 0; i < 10; i++) {
				const t0 = performance.now();
				await loadBoard(db, { now: NOW, only: [id] });
				times.push(performance.now() - t0);
			}
			tiles.push(`${id} ${ms(percentile(times, 50))}`);
		}
		log(`one tile alone (p50 of 10, the board's shared reads included): ${tiles.join(', ')}`);

		// 2. Rows each tile reads, from the server's own statistics.
		if (workUrl) {
			// One connection, so that every row read is this backend's and flushed on demand.
			const single = await openDatabase(
				{ kind: 'postgres', url: workUrl, poolSize: 1 },
				{ holder: 'bench' }
			);
			try {
				const rows: string[] = [];
				for (const id of BOARD_METRICS) {
					const before = await rowsRead(single);
					await loadBoard(single.db, { now: NOW, only: [id] });
					rows.push(`${id} ${n((await rowsRead(single)) - before)}`);
				}
				log(`rows read per tile (pg_stat_user_tables): ${rows.join(', ')}`);
			} finally {
				await single.close();
			}
		}

		// 3. A batch of 10,000 events, then one with 500 orders besides, and the refresh after each.
		await addBatch(db, target.customers, 10_000, 0, 1);
		let t = performance.now();
		const events = await refreshRollups(db);
		log(
			`refresh after 10,000 events (each a delivered message): ${ms(performance.now() - t)} (${n(events.deltas)} deltas folded, ${n(events.messages)} messages and ${n(events.contacts)} customers' contact weeks recomputed, ${events.steps} steps)`
		);
		await addBatch(db, target.customers, 10_000, 500, 2);
		t = performance.now();
		const batch = await refreshRollups(db);
		log(
			`refresh after 10,000 events + 500 orders: ${ms(performance.now() - t)} (${n(batch.deltas)} deltas folded, ${n(batch.messages)} messages, ${n(batch.contacts)} contact weeks and ${n(batch.customers)} customers recomputed, ${batch.steps} steps)`
		);

		// 4. The customer models on these customers, as `cx model fit` runs them.
		const rss = process.memoryUsage().rss;
		t = performance.now();
		const fit = await fitCustomerModels(db, { until: '2026-06-01' });
		const { read, fit: fitting, score, write } = fit.timings;
		log(
			`customer models (cx model fit): ${((performance.now() - t) / 1000).toFixed(1)} s — inputs read ${(read / 1000).toFixed(1)} s, BG/NBD + Gamma-Gamma fit ${(fitting / 1000).toFixed(1)} s, scoring ${(score / 1000).toFixed(1)} s, scores written ${(write / 1000).toFixed(1)} s; ${n(fit.summary.scored)} customers scored, BG/NBD on ${n(fit.bgnbd.customers)} (r ${fit.bgnbd.r.toFixed(3)}, alpha ${fit.bgnbd.alpha.toFixed(2)}, a ${fit.bgnbd.a.toFixed(3)}, b ${fit.bgnbd.b.toFixed(3)}); memory (RSS) ${Math.round(rss / 2 ** 20)} → ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`
		);

		// 5. A full rebuild, alone, then again while the board is loaded in a loop.
		if (target.skipRebuild) return;
		t = performance.now();
		await refreshRollups(db, { full: true });
		log(`full rebuild: ${((performance.now() - t) / 1000).toFixed(1)} s`);

		const delay = monitorEventLoopDelay({ resolution: 10 });
		delay.enable();
		const during: number[] = [];
		let rebuilding = true;
		const rebuild = refreshRollups(db, { full: true, pause: yieldToRequests }).finally(() => {
			rebuilding = false;
		});
		while (rebuilding) {
			const t0 = performance.now();
			await loadBoard(db, { now: NOW });
			during.push(performance.now() - t0);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		await rebuild;
		delay.disable();
		log(
			`during a full rebuild: event-loop delay p99 ${ms(delay.percentile(99) / 1e6)} (max ${ms(delay.max / 1e6)}); board p95 ${ms(percentile(during, 95))} over ${during.length} loads (figures labelled "recomputing")`
		);
	} finally {
		await database.close();
		if (target.kind === 'pglite') fs.rmSync(workCopyOf(target), { recursive: true, force: true });
	}
}

async function sizeOf(db: Kysely<DB>): Promise<string> {
	const counts = await sql<{ customers: number; orders: number; events: number }>`
		select (select count(*) from customer)::int as customers,
			(select count(*) from customer_order)::int as orders,
			(select count(*) from interaction_event)::int as events
	`.execute(db);
	const row = counts.rows[0];
	return `${n(row?.customers ?? 0)} customers, ${n(row?.orders ?? 0)} order rows, ${n(row?.events ?? 0)} events`;
}

/** Rows read so far by sequential and index scans over every table of ours. */
async function rowsRead(database: Database): Promise<number> {
	// Our own backend's counts reach the shared statistics at its next transaction end.
	await sql`select pg_stat_force_next_flush()`.execute(database.db);
	await sql`select 1`.execute(database.db);
	const result = await sql<{ n: string }>`
		select (sum(seq_tup_read) + sum(coalesce(idx_tup_fetch, 0)))::text as n
		from pg_stat_user_tables
	`.execute(database.db);
	await sql`select pg_stat_clear_snapshot()`.execute(database.db);
	return Number(result.rows[0]?.n ?? 0);
}

function cacheName(target: BoardBenchTarget): string {
	return `board-${target.customers}-${target.events}-s${SEED}-v${GENERATOR_VERSION}`;
}

function workCopyOf(target: BoardBenchTarget): string {
	return path.join(target.where, `${cacheName(target)}-work`);
}

async function openBenchDatabase(
	target: BoardBenchTarget
): Promise<{ database: Database; workUrl: string | null; cached: boolean }> {
	if (target.kind === 'pglite') {
		const cache = path.join(target.where, cacheName(target));
		const cached = fs.existsSync(path.join(cache, PGDATA, 'PG_VERSION'));
		if (!cached) {
			fs.rmSync(cache, { recursive: true, force: true });
			const database = await openDatabase({ kind: 'pglite', dataDir: cache }, { holder: 'bench' });
			try {
				await generate(database.db, target);
			} finally {
				await database.close();
			}
		} else {
			const database = await openDatabase({ kind: 'pglite', dataDir: cache }, { holder: 'bench' });
			try {
				await bringUpToDate(database.db, target.log);
			} finally {
				await database.close();
			}
		}
		// Each run works on a copy: the cache stays as generated (and migrated).
		const work = workCopyOf(target);
		fs.rmSync(work, { recursive: true, force: true });
		fs.cpSync(cache, work, { recursive: true });
		for (const lock of [LOCK_FILE, 'run'])
			fs.rmSync(path.join(work, lock), { recursive: true, force: true });
		const database = await openDatabase({ kind: 'pglite', dataDir: work }, { holder: 'bench' });
		return { database, workUrl: null, cached };
	}
	const name = cacheName(target).replace(/[^a-z0-9]/gi, '_');
	const client = new pg.Client({ connectionString: target.where });
	await client.connect();
	let cached: boolean;
	try {
		const exists = await client.query('select 1 from pg_database where datname = $1', [
			`${name}_ready`
		]);
		cached = exists.rowCount === 1;
		await client.query(`drop database if exists ${name}_work with (force)`);
		if (!cached) {
			await client.query(`drop database if exists ${name}_ready with (force)`);
			await client.query(`create database ${name}_building template template0`);
			const building = await openDatabase(
				{ kind: 'postgres', url: withDatabase(target.where, `${name}_building`) },
				{ holder: 'bench' }
			);
			try {
				await generate(building.db, target);
			} finally {
				await building.close();
			}
			await client.query(`alter database ${name}_building rename to ${name}_ready`);
		} else {
			const ready = await openDatabase(
				{ kind: 'postgres', url: withDatabase(target.where, `${name}_ready`) },
				{ holder: 'bench' }
			);
			try {
				await bringUpToDate(ready.db, target.log);
			} finally {
				await ready.close();
			}
		}
		await client.query(`create database ${name}_work template ${name}_ready`);
	} finally {
		await client.end();
	}
	const workUrl = withDatabase(target.where, `${name}_work`);
	const database = await openDatabase({ kind: 'postgres', url: workUrl }, { holder: 'bench' });
	return { database, workUrl, cached };
}

/**
 * A cache made by an older schema is migrated in place and its rollups caught up, once (its time is
 * printed, but it is not one of the figures).
 */
async function bringUpToDate(db: Kysely<DB>, log: (line: string) => void): Promise<void> {
	const { applied } = await migrateToLatest(db);
	if (!applied.length) return;
	const t0 = performance.now();
	const caught = await refreshRollups(db);
	await sql`vacuum analyze`.execute(db);
	log(
		`cache migrated (${applied.join(', ')}); rollups caught up for ${n(caught.built)} customers and ${n(caught.messages)} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`
	);
}

function withDatabase(url: string, database: string): string {
	const parsed = new URL(url);
	parsed.pathname = `/${database}`;
	return parsed.toString();
}

/**
 * Customers buying over three years (1–8 purchase days, some refunds), messages and visits, survey
 * answers and cases; then the rollups are built once.
 */
async function generate(db: Kysely<DB>, target: BoardBenchTarget): Promise<void> {
	const { log } = target;
	await migrateToLatest(db);
	await updateSettings(db, {
		timeZone: 'Europe/Berlin',
		organizationName: 'Bench',
		historyStart: '2023-06-01'
	});
	await sql`insert into source (source) values ('bench') on conflict do nothing`.execute(db);
	await sql`select setseed(${SEED}::float8)`.execute(db);
	const step = 50_000;
	let t = performance.now();
	for (let lo = 1; lo <= target.customers; lo += step) {
		const hi = Math.min(target.customers, lo + step - 1);
		await sql`insert into customer (source) select 'bench' from generate_series(${lo}::int, ${hi}::int)`.execute(
			db
		);
		await sql`
			insert into customer_order (customer_id, origin_customer_id, source, order_ref, kind, amount,
				currency, reporting_amount, ordered_at)
			select c.customer_id, c.customer_id, 'bench', c.customer_id || '-' || g, o.kind, o.amount,
				'USD', o.amount, o.at
			from (
				select customer_id, 1 + floor(-ln(1 - random()) * 2.2)::int as purchases,
					timestamptz '2023-06-01 00:00+00' + random() * interval '1000 days' as first_at
				from customer where customer_id between ${lo}::int and ${hi}::int
			) c
			cross join lateral generate_series(1, least(c.purchases, 8)) g
			cross join lateral (
				select case when g > 1 and random() < 0.06 then 'refund' else 'order' end as kind,
					least(c.first_at + (g - 1) * random() * interval '120 days', timestamptz '2026-06-01 00:00+00') as at
			) k
			cross join lateral (
				select k.kind, k.at,
					case when k.kind = 'refund' then -round((5 + random() * 40)::numeric, 2)
						else round((10 + random() * 190)::numeric, 2) end as amount
			) o
		`.execute(db);
		await sql`
			insert into survey_response (customer_id, origin_customer_id, source, response_ref, responded_at, nps)
			select customer_id, customer_id, 'bench', 's' || customer_id,
				timestamptz '2023-06-01 00:00+00' + random() * interval '1096 days', floor(random() * 11)::int
			from customer where customer_id between ${lo}::int and ${hi}::int and random() < 0.4
		`.execute(db);
		await sql`
			insert into service_case (customer_id, origin_customer_id, source, case_ref, opened_at)
			select customer_id, customer_id, 'bench', 'c' || customer_id,
				timestamptz '2023-06-01 00:00+00' + random() * interval '1096 days'
			from customer where customer_id between ${lo}::int and ${hi}::int and random() < 0.08
		`.execute(db);
		log(`  … ${n(hi)} customers`);
	}
	await addEvents(db, target.customers, target.events, 0, log);
	log(`  generated in ${((performance.now() - t) / 1000).toFixed(1)} s; building the rollups…`);
	t = performance.now();
	let last = 0;
	await refreshRollups(db, {
		onProgress: ({ phase, done, total }) => {
			if (phase === 'build' && performance.now() - last > 15_000) {
				last = performance.now();
				log(`  … rollups: ${n(done ?? 0)} of ${n(total ?? 0)} customers`);
			}
		}
	});
	log(`  first rollup build: ${((performance.now() - t) / 1000).toFixed(1)} s`);
	// As a server that has run a while would be: visibility map and statistics up to date.
	await sql`vacuum analyze`.execute(db);
}

const EVENT_TYPES = `(array['delivered','delivered','delivered','opened','opened','clicked','visit','visit','sent','replied'])`;

async function addEvents(
	db: Kysely<DB>,
	customers: number,
	events: number,
	offset: number,
	log: (line: string) => void
): Promise<void> {
	const step = 500_000;
	for (let lo = 1; lo <= events; lo += step) {
		const hi = Math.min(events, lo + step - 1);
		await sql`
			insert into interaction_event (customer_id, origin_customer_id, source, event_ref, occurred_at,
				channel, type, message_ref)
			select e.customer_id, e.customer_id, 'bench', 'e' || (${offset}::bigint + g), e.at, 'email', e.type,
				'm' || (g / 3)
			from generate_series(${lo}::int, ${hi}::int) g
			cross join lateral (
				select 1 + floor(random() * ${customers}::int + 0 * g)::int as customer_id,
					timestamptz '2023-06-01 00:00+00' + (random() + 0 * g) * interval '1096 days' as at,
					${sql.raw(EVENT_TYPES)}[1 + floor(random() * 10 + 0 * g)::int] as type
			) e
		`.execute(db);
		if (events > step) log(`  … ${n(hi)} events`);
	}
}

/** New data as it would land: events now, a few orders for existing customers. */
async function addBatch(
	db: Kysely<DB>,
	customers: number,
	events: number,
	orders: number,
	round: number
): Promise<void> {
	await sql`
		insert into interaction_event (customer_id, origin_customer_id, source, event_ref, occurred_at, channel, type,
			message_ref, message_purpose)
		select c, c, 'bench', 'batch-' || ${round}::int || '-' || g, timestamptz '2026-06-09 12:00+00' + g * interval '1 second',
			'email', 'delivered', 'batch-m-' || ${round}::int || '-' || g, 'marketing'
		from generate_series(1, ${events}::int) g
		cross join lateral (select 1 + floor(random() * ${customers}::int + 0 * g)::int as c) x
	`.execute(db);
	await sql`
		insert into customer_order (customer_id, origin_customer_id, source, order_ref, kind, amount, currency,
			reporting_amount, ordered_at)
		select c, c, 'bench', 'batch-' || ${round}::int || '-' || g, 'order', 25, 'USD', 25,
			timestamptz '2026-06-09 12:00+00' + g * interval '1 minute'
		from generate_series(1, ${orders}::int) g
		cross join lateral (select 1 + floor(random() * ${customers}::int + 0 * g)::int as c) x
	`.execute(db);
}
