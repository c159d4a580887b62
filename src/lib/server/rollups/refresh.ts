import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { nextChunkSize } from '../db/chunked';
import { getSettings } from '../settings';
import {
	GENERATION_FACT_TABLES,
	GENERATION_ROLLUP_TABLES,
	recomputeCustomers,
	type GenerationSpec
} from './facts';
import { recomputeQueuedContacts } from './interactions';
import { recomputeQueuedMessages } from './messages';

/**
 * Keeping the rollups current, in short transactions (STACK.md pitfall 4: on PGlite a transaction
 * holds the one session every request needs).
 *
 * Each step takes one transaction-scoped advisory lock, so steps of two refreshes that overlap —
 * the server's and a `cx refresh`, or two instances on one PostgreSQL — run one after the other and
 * each claims queue entries the other has not (claimed entries are deleted in the step's own
 * transaction: a step that fails leaves them queued).
 */

/** Lets queued I/O (requests) run between two steps. */
export function yieldToRequests(): Promise<void> {
	return new Promise((resolve) => setImmediate(resolve));
}

/** Work per step aims at this many milliseconds. */
const STEP_BUDGET_MS = 100;
/**
 * Customer-facts steps aim longer: each runs some 60 statements whatever its size, so on PGlite a
 * 100 ms step spent most of its time on that fixed cost (about 15 customers a step); a quarter of a
 * second still keeps a request's wait short.
 */
const FACTS_STEP_BUDGET_MS = 250;
const ROLLUP_LOCK = 4_242_001;

export interface RefreshProgress {
	/** What the step did. */
	phase: 'fold' | 'messages' | 'contacts' | 'customers' | 'build' | 'retire' | 'idle';
	/** For a build: customers done and in all. */
	done?: number;
	total?: number;
}

export interface RefreshOptions {
	/** Rebuild every customer's facts (a new generation), as after a settings change. */
	full?: boolean;
	onProgress?: (progress: RefreshProgress) => void;
	/** Between steps; the server passes a macrotask yield so requests run in between. */
	pause?: () => Promise<void>;
}

export interface RefreshReport {
	steps: number;
	deltas: number;
	messages: number;
	/** Customers whose weekly marketing messages were rewritten. */
	contacts: number;
	customers: number;
	built: number;
	generation: number | null;
}

interface StepSizes {
	deltas: number;
	messages: number;
	contacts: number;
	customers: number;
	build: number;
}

type StepResult =
	| { phase: 'fold'; rows: number }
	| { phase: 'messages'; messages: number }
	| { phase: 'contacts'; customers: number }
	| { phase: 'customers'; customers: number }
	| { phase: 'build'; customers: number; done: number; total: number }
	| { phase: 'retire'; rows: number }
	| { phase: 'idle' };

/**
 * Runs steps until nothing is pending: folds queued deltas, recomputes queued customers, builds a
 * generation when the time zone or activity window changed (or `full` asks), and clears retired
 * generations.
 */
export async function refreshRollups(
	db: Kysely<DB>,
	options: RefreshOptions = {}
): Promise<RefreshReport> {
	if (options.full) await startGeneration(db, { force: true });
	else await ensureGeneration(db);
	const sizes: StepSizes = {
		deltas: 2_000,
		messages: 1_000,
		contacts: 1_000,
		customers: 200,
		build: 500
	};
	const report: RefreshReport = {
		steps: 0,
		deltas: 0,
		messages: 0,
		contacts: 0,
		customers: 0,
		built: 0,
		generation: null
	};
	for (;;) {
		const started = performance.now();
		// Turns alternate between the row queues (deltas, then messages) and the customers' facts,
		// so that a steady stream of new rows never keeps the customers' facts waiting.
		const result = await refreshStep(db, sizes, report.steps % 2 === 1);
		const elapsed = performance.now() - started;
		if (result.phase === 'idle') break;
		report.steps++;
		if (result.phase === 'fold') {
			report.deltas += result.rows;
			sizes.deltas = nextChunkSize(sizes.deltas, elapsed, STEP_BUDGET_MS, {
				min: 100,
				max: 100_000
			});
		} else if (result.phase === 'messages') {
			report.messages += result.messages;
			sizes.messages = nextChunkSize(sizes.messages, elapsed, STEP_BUDGET_MS, {
				min: 50,
				max: 50_000
			});
			options.onProgress?.({ phase: 'messages' });
		} else if (result.phase === 'contacts') {
			report.contacts += result.customers;
			sizes.contacts = nextChunkSize(sizes.contacts, elapsed, STEP_BUDGET_MS, {
				min: 50,
				max: 50_000
			});
			options.onProgress?.({ phase: 'contacts' });
		} else if (result.phase === 'customers') {
			report.customers += result.customers;
			sizes.customers = nextChunkSize(sizes.customers, elapsed, FACTS_STEP_BUDGET_MS, {
				min: 10,
				max: 10_000
			});
		} else if (result.phase === 'build') {
			report.built += result.customers;
			sizes.build = nextChunkSize(sizes.build, elapsed, FACTS_STEP_BUDGET_MS, {
				min: 10,
				max: 10_000
			});
			options.onProgress?.({ phase: 'build', done: result.done, total: result.total });
		} else {
			options.onProgress?.({ phase: result.phase });
		}
		if (options.pause) await options.pause();
	}
	report.generation = (await liveGeneration(db))?.generation ?? null;
	return report;
}

/**
 * The refresh after most rows went at once (the demo company removed): building a new generation
 * over the customers left is far cheaper than recomputing every removed customer to subtract them,
 * and the old one is cleared in slices as retired. With no event left at all, the message facts
 * and their sums are emptied outright instead of recomputed message by message.
 */
export async function refreshAfterBulkRemoval(
	db: Kysely<DB>,
	options: RefreshOptions = {}
): Promise<RefreshReport> {
	await db.transaction().execute(async (trx) => {
		await sql`select pg_advisory_xact_lock(${ROLLUP_LOCK}::bigint)`.execute(trx);
		const anyEvent = await trx
			.selectFrom('interaction_event')
			.select('event_id')
			.limit(1)
			.executeTakeFirst();
		if (anyEvent) return;
		for (const table of [
			'rollup_message_dirty',
			'rc_message',
			'rollup_message',
			'rollup_message_day'
		] as const) {
			await trx.deleteFrom(table).execute();
		}
	});
	await startGeneration(db, { force: true });
	return refreshRollups(db, options);
}

/** One short transaction of refresh work; 'idle' when there was none. */
export async function refreshStep(
	db: Kysely<DB>,
	sizes: StepSizes,
	factsFirst = false
): Promise<StepResult> {
	return db.transaction().execute(async (trx) => {
		await sql`select pg_advisory_xact_lock(${ROLLUP_LOCK}::bigint)`.execute(trx);
		const live = await liveGenerationIn(trx);
		const building = await trx
			.selectFrom('rollup_generation')
			.selectAll()
			.where('status', '=', 'building')
			.orderBy('generation', 'desc')
			.executeTakeFirst();
		// The customer facts: a chunk of the build under way, else the queued customers.
		const factsWork = async (): Promise<StepResult | null> => {
			if (building) return buildChunk(trx, building, sizes.build);
			if (!live) return null;
			const customers = await recomputeQueued(trx, live, sizes.customers);
			return customers > 0 ? { phase: 'customers', customers } : null;
		};
		if (factsFirst) {
			const done = await factsWork();
			if (done) return done;
		}
		const folded = await foldDeltas(trx, sizes.deltas);
		if (folded > 0) return { phase: 'fold', rows: folded };
		const messages = await recomputeQueuedMessages(trx, sizes.messages);
		if (messages > 0) return { phase: 'messages', messages };
		// Weekly marketing messages of the live facts; during a build they wait for the swap (the
		// build reads the deliveries as they are then, and a later rewrite is idempotent).
		if (live && !building) {
			const customers = await recomputeQueuedContacts(trx, live, sizes.contacts);
			if (customers > 0) return { phase: 'contacts', customers };
		}
		if (!factsFirst) {
			const done = await factsWork();
			if (done) return done;
		}
		const retired = await clearRetired(trx);
		if (retired > 0) return { phase: 'retire', rows: retired };
		return { phase: 'idle' };
	});
}

async function foldDeltas(trx: Transaction<DB>, limit: number): Promise<number> {
	const result = await sql<{ rows: number }>`
		with claimed as (
			delete from rollup_delta
			where seq in (select seq from rollup_delta order by seq limit ${limit}::int)
			returning measure, bucket, value, latest_at
		), folded as (
			insert into rollup_additive (measure, bucket, value, latest_at)
			select measure, bucket, sum(value), max(latest_at) from claimed group by 1, 2
			on conflict (measure, bucket) do update set
				value = rollup_additive.value + excluded.value,
				latest_at = greatest(rollup_additive.latest_at, excluded.latest_at)
			returning 1
		)
		select (select count(*) from claimed)::int as rows, (select count(*) from folded)::int as folded
	`.execute(trx);
	return Number(result.rows[0]?.rows ?? 0);
}

async function recomputeQueued(
	trx: Transaction<DB>,
	live: GenerationSpec,
	limit: number
): Promise<number> {
	// Whole customers: every queue entry of a customer goes with the first one claimed.
	const claimed = await sql<{ customer_id: number }>`
		with picked as (
			select distinct customer_id from (
				select customer_id from rollup_dirty order by seq limit ${limit}::int
			) first_entries
		)
		delete from rollup_dirty d using picked p
		where d.customer_id = p.customer_id
		returning d.customer_id
	`.execute(trx);
	const ids = [...new Set(claimed.rows.map((row) => Number(row.customer_id)))];
	await recomputeCustomers(trx, live, ids);
	// their scores follow (scoring/rescore.ts); touched again, a customer moves to the back
	if (ids.length > 0) {
		await sql`
			insert into score_queue (customer_id) select unnest(${ids}::bigint[])
			on conflict (customer_id) do update set seq = excluded.seq
		`.execute(trx);
	}
	return ids.length;
}

async function buildChunk(
	trx: Transaction<DB>,
	building: BuildingRow,
	limit: number
): Promise<StepResult> {
	const spec = specOf(building);
	const rows = await trx
		.selectFrom('customer')
		.select('customer_id')
		.where('customer_id', '>', building.last_customer_id)
		.orderBy('customer_id')
		.limit(limit)
		.execute();
	const ids = rows.map((row) => Number(row.customer_id));
	if (ids.length > 0) {
		const before = Number(building.customers_done);
		// Fresh statistics as the facts grow (at 1k, 2k, 4k, … customers): with a table's size
		// unknown, PostgreSQL reads "customer_id = any(500 ids)" as most of it and scans it all.
		if (
			before === 0 ||
			Math.floor(Math.log2(before / 1000)) < Math.floor(Math.log2((before + ids.length) / 1000))
		) {
			await sql`analyze customer, customer_order, rc_purchase_day, rc_spell, rc_customer, rc_customer_month`.execute(
				trx
			);
		}
		await recomputeCustomers(trx, spec, ids);
		const done = before + ids.length;
		await trx
			.updateTable('rollup_generation')
			.set({ last_customer_id: ids[ids.length - 1], customers_done: done })
			.where('generation', '=', building.generation)
			.execute();
		return {
			phase: 'build',
			customers: ids.length,
			done,
			total: Math.max(Number(building.customers_total), done)
		};
	}
	// Every customer is in: the queue entries from before the build began are covered by it, and
	// the new generation replaces the live one in this same transaction.
	await trx.deleteFrom('rollup_dirty').where('seq', '<=', building.dirty_seq).execute();
	await trx
		.updateTable('rollup_generation')
		.set({ status: 'retired' })
		.where('status', '=', 'live')
		.execute();
	await trx
		.updateTable('rollup_generation')
		.set({ status: 'live', finished_at: new Date() })
		.where('generation', '=', building.generation)
		.execute();
	return {
		phase: 'build',
		customers: 0,
		done: Number(building.customers_done),
		total: Number(building.customers_done)
	};
}

type BuildingRow = {
	generation: number;
	time_zone: string;
	activity_window_days: number;
	fiscal_year_start_month: number;
	last_customer_id: number;
	customers_done: number;
	customers_total: number;
	dirty_seq: number;
};

/** Customer ids whose facts one step of clearing a retired generation deletes. */
const RETIRE_CUSTOMERS_PER_STEP = 500;

/** Deletes a slice of the rows of retired (or abandoned) generations. */
async function clearRetired(trx: Transaction<DB>): Promise<number> {
	const retired = await trx
		.selectFrom('rollup_generation')
		.select('generation')
		.where('status', '=', 'retired')
		.orderBy('generation')
		.executeTakeFirst();
	if (!retired) return 0;
	const g = retired.generation;
	// Per-customer facts by ranges of customer ids from the lowest left (an index range each time:
	// slices picked by a scan from the table's start would pass over ever more deleted rows, as
	// PGlite never vacuums), the aggregates whole (they hold a row per day or bucket at most).
	for (const table of GENERATION_FACT_TABLES) {
		const first = await sql<{ customer_id: string }>`
			select customer_id::text from ${sql.table(table)}
			where generation = ${g}::int order by customer_id limit 1
		`.execute(trx);
		const from = first.rows[0]?.customer_id;
		if (from === undefined) continue;
		const result = await sql`
			delete from ${sql.table(table)}
			where generation = ${g}::int and customer_id >= ${from}::bigint
				and customer_id < ${from}::bigint + ${RETIRE_CUSTOMERS_PER_STEP}::int
		`.execute(trx);
		return Math.max(1, Number(result.numAffectedRows ?? 0));
	}
	for (const table of GENERATION_ROLLUP_TABLES) {
		const result = await sql`
			delete from ${sql.table(table)} where generation = ${g}::int
		`.execute(trx);
		if (Number(result.numAffectedRows ?? 0) > 0) return Number(result.numAffectedRows);
	}
	await trx.deleteFrom('rollup_generation').where('generation', '=', g).execute();
	return 1;
}

/** A generation's row as the spec the facts and the metrics use (a new one per call). */
function specOf(row: {
	generation: number;
	time_zone: string;
	activity_window_days: number;
	fiscal_year_start_month: number;
}): GenerationSpec {
	return {
		generation: row.generation,
		timeZone: row.time_zone,
		activityWindowDays: row.activity_window_days,
		fiscalYearStartMonth: row.fiscal_year_start_month
	};
}

export async function liveGeneration(db: Kysely<DB>): Promise<GenerationSpec | null> {
	return liveGenerationIn(db);
}

async function liveGenerationIn(db: Kysely<DB> | Transaction<DB>): Promise<GenerationSpec | null> {
	const row = await db
		.selectFrom('rollup_generation')
		.select(['generation', 'time_zone', 'activity_window_days', 'fiscal_year_start_month'])
		.where('status', '=', 'live')
		.executeTakeFirst();
	return row ? specOf(row) : null;
}

/**
 * Starts building a generation when the settings' time zone or activity window differ from the
 * newest generation's (or none exists). Returns whether it started one.
 */
export async function ensureGeneration(db: Kysely<DB>): Promise<boolean> {
	return startGeneration(db, { force: false });
}

async function startGeneration(db: Kysely<DB>, { force }: { force: boolean }): Promise<boolean> {
	const settings = await getSettings(db);
	return db.transaction().execute(async (trx) => {
		await sql`select pg_advisory_xact_lock(${ROLLUP_LOCK}::bigint)`.execute(trx);
		const newest = await trx
			.selectFrom('rollup_generation')
			.selectAll()
			.where('status', 'in', ['building', 'live'])
			.orderBy('generation', 'desc')
			.executeTakeFirst();
		const matches =
			newest !== undefined &&
			newest.time_zone === settings.timeZone &&
			newest.activity_window_days === settings.activityWindowDays &&
			newest.fiscal_year_start_month === settings.fiscalYearStartMonth;
		if (matches && !(force && newest.status === 'live')) return false;
		// A build for other settings is abandoned; its rows are cleared like a retired generation's.
		await trx
			.updateTable('rollup_generation')
			.set({ status: 'retired' })
			.where('status', '=', 'building')
			.execute();
		const top = await trx
			.selectFrom('rollup_generation')
			.select((eb) => eb.fn.max('generation').as('generation'))
			.executeTakeFirst();
		const watermark = await trx
			.selectFrom('rollup_dirty')
			.select((eb) => eb.fn.max('seq').as('seq'))
			.executeTakeFirst();
		const total = await trx
			.selectFrom('customer')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.executeTakeFirstOrThrow();
		await trx
			.insertInto('rollup_generation')
			.values({
				generation: Number(top?.generation ?? 0) + 1,
				time_zone: settings.timeZone,
				activity_window_days: settings.activityWindowDays,
				fiscal_year_start_month: settings.fiscalYearStartMonth,
				status: 'building',
				customers_total: Number(total.n),
				dirty_seq: Number(watermark?.seq ?? 0)
			})
			.execute();
		return true;
	});
}

/** What the board says about the rollups: building (with progress) and how much is queued. */
export interface RollupStatus {
	live: GenerationSpec | null;
	building: { done: number; total: number } | null;
	pending: boolean;
}

export async function rollupStatus(db: Kysely<DB>): Promise<RollupStatus> {
	const generations = await db
		.selectFrom('rollup_generation')
		.selectAll()
		.where('status', 'in', ['building', 'live'])
		.execute();
	const live = generations.find((g) => g.status === 'live');
	const building = generations.find((g) => g.status === 'building');
	const pending = await sql<{ pending: boolean }>`
		select exists (select 1 from rollup_delta) or exists (select 1 from rollup_dirty)
			or exists (select 1 from rollup_message_dirty)
			or exists (select 1 from rollup_contact_dirty) as pending
	`.execute(db);
	return {
		live: live ? specOf(live) : null,
		building: building
			? {
					done: Number(building.customers_done),
					total: Math.max(Number(building.customers_total), Number(building.customers_done))
				}
			: null,
		pending: Boolean(pending.rows[0]?.pending)
	};
}
