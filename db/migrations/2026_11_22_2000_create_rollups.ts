import { sql, type Kysely } from 'kysely';

/**
 * Rollups: the pre-aggregated figures boards, the API and the CLI read (PRODUCT.md §3 "Exactness").
 *
 * Two kinds, so that each costs what it must:
 *
 * - **Additive figures** (order rows, net revenue, deliveries, cases opened, survey answers) per
 *   15-minute UTC bucket in `rollup_additive`. Every zone's offset is a multiple of 15 minutes, so a
 *   bucket lies inside one local day of any zone: sums over buckets are exact for any period in any
 *   time zone, and a time-zone change costs nothing. Statement-level triggers write each change as a
 *   signed delta into `rollup_delta` in the writer's own transaction — whatever process wrote it —
 *   and a refresh folds the deltas in.
 * - **Customer facts** that depend on the time zone and the activity window (purchase days, active
 *   spells, first purchase and repeat) per customer in `rc_*` tables, with their aggregates in
 *   `rollup_purchase`, `rollup_spell_edge` and `rollup_first`. Triggers list the customers a change
 *   touched in `rollup_dirty`; a refresh recomputes those customers' facts and moves the aggregates by
 *   the difference. Each set is a `generation` of `rollup_generation`, built for one (time zone,
 *   window): a settings change builds the next generation in the background while the live one keeps
 *   serving, then swaps.
 *
 * `seq` of the delta and dirty queues is the refresh watermark. Frozen: later changes come as new
 * migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	await run([
		`create table rollup_additive (
			measure text not null,
			bucket timestamptz not null,
			value numeric not null,
			latest_at timestamptz,
			primary key (measure, bucket)
		)`,
		`create table rollup_delta (
			seq bigint generated always as identity primary key,
			measure text not null,
			bucket timestamptz not null,
			value numeric not null,
			latest_at timestamptz
		)`,
		`create table rollup_dirty (
			seq bigint generated always as identity primary key,
			customer_id bigint not null
		)`,
		`create table rollup_generation (
			generation integer primary key,
			time_zone text not null,
			activity_window_days integer not null,
			status text not null check (status in ('building', 'live', 'retired')),
			started_at timestamptz not null default now(),
			finished_at timestamptz,
			last_customer_id bigint not null default 0,
			customers_done bigint not null default 0,
			customers_total bigint not null default 0,
			dirty_seq bigint not null default 0
		)`,
		`create unique index rollup_generation_one_live on rollup_generation (status)
			where status = 'live'`,
		// One row per customer and local purchase day; bucket = the day's first order's bucket.
		`create table rc_purchase_day (
			generation integer not null,
			customer_id bigint not null,
			day date not null,
			bucket timestamptz not null,
			primary key (generation, customer_id, day)
		)`,
		// Active spells [start_day, end_day): end_day is the day the customer becomes lapsed.
		`create table rc_spell (
			generation integer not null,
			customer_id bigint not null,
			start_day date not null,
			end_day date not null,
			primary key (generation, customer_id, start_day)
		)`,
		`create index rc_spell_start on rc_spell (generation, start_day)`,
		// Every current (unmerged) customer; first_day is null for prospects.
		`create table rc_customer (
			generation integer not null,
			customer_id bigint not null,
			first_day date,
			first_given boolean not null,
			repeat_day date,
			primary key (generation, customer_id)
		)`,
		`create table rollup_purchase (
			generation integer not null,
			bucket timestamptz not null,
			purchase_days bigint not null,
			primary key (generation, bucket)
		)`,
		`create table rollup_spell_edge (
			generation integer not null,
			day date not null,
			starts bigint not null,
			ends bigint not null,
			primary key (generation, day)
		)`,
		`create table rollup_first (
			generation integer not null,
			first_day date not null,
			first_given boolean not null,
			customers bigint not null,
			repeaters bigint not null,
			primary key (generation, first_day, first_given)
		)`,
		// The bucket of an instant: 15 minutes, aligned to UTC and so to every zone's local hours.
		`create function rollup_bucket(at timestamptz) returns timestamptz
			language sql immutable parallel safe
			as $$ select date_bin('15 minutes', at, timestamptz '2000-01-01 00:00:00+00') $$`
	]);

	// Triggers: one delta row per (measure, bucket) of each statement, and the customers touched.
	for (const [table, body] of Object.entries(TRIGGER_BODIES)) {
		await run([
			`create function ${table}_rollup_insert() returns trigger language plpgsql as $$
			begin ${body('new_rows', '')} return null; end $$`,
			`create function ${table}_rollup_delete() returns trigger language plpgsql as $$
			begin ${body('old_rows', '-')} return null; end $$`,
			`create function ${table}_rollup_update() returns trigger language plpgsql as $$
			begin ${body('old_rows', '-')} ${body('new_rows', '')} return null; end $$`,
			`create trigger ${table}_rollup_insert after insert on ${table}
				referencing new table as new_rows for each statement
				execute function ${table}_rollup_insert()`,
			`create trigger ${table}_rollup_delete after delete on ${table}
				referencing old table as old_rows for each statement
				execute function ${table}_rollup_delete()`,
			`create trigger ${table}_rollup_update after update on ${table}
				referencing old table as old_rows new table as new_rows for each statement
				execute function ${table}_rollup_update()`
		]);
	}

	// Rows stored before the rollups existed: their deltas now. Customer facts need no queue entry:
	// the first generation is built over every customer.
	for (const [table, body] of Object.entries(TRIGGER_BODIES)) {
		if (table === 'customer') continue;
		const statements = body(table, '')
			.split(';')
			.map((statement) => statement.trim())
			.filter((statement) => statement.startsWith('insert into rollup_delta'));
		await run(statements);
	}
}

type TriggerBody = (rows: string, sign: '' | '-') => string;

function orderDeltas(rows: string, sign: '' | '-'): string {
	return `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select m.measure, rollup_bucket(r.ordered_at), ${sign}sum(m.value), max(r.ordered_at)
		from ${rows} r
		cross join lateral (values
			('order_rows', 1::numeric),
			('orders', case when r.kind = 'order' then 1 else 0 end),
			('net_revenue', r.reporting_amount)
		) m (measure, value)
		group by 1, 2;
		insert into rollup_dirty (customer_id) select distinct customer_id from ${rows};`;
}

function countDeltas(measure: string, at: string, where: string): TriggerBody {
	return (rows, sign) => `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select '${measure}', rollup_bucket(${at}), ${sign}count(*), max(${at})
		from ${rows} where ${where}
		group by 2;`;
}

const TRIGGER_BODIES: Record<string, TriggerBody> = {
	customer_order: orderDeltas,
	interaction_event: countDeltas('delivered', 'occurred_at', `type = 'delivered'`),
	service_case: countDeltas('cases_opened', 'opened_at', 'true'),
	survey_response: countDeltas('survey_answers', 'responded_at', 'true'),
	customer: (rows) => `insert into rollup_dirty (customer_id) select customer_id from ${rows};`
};

export async function down(db: Kysely<any>): Promise<void> {
	for (const table of Object.keys(TRIGGER_BODIES)) {
		for (const op of ['insert', 'delete', 'update']) {
			await sql.raw(`drop trigger ${table}_rollup_${op} on ${table}`).execute(db);
			await sql.raw(`drop function ${table}_rollup_${op}()`).execute(db);
		}
	}
	await sql.raw(`drop function rollup_bucket(timestamptz)`).execute(db);
	await sql
		.raw(
			`drop table rollup_first, rollup_spell_edge, rollup_purchase, rc_customer, rc_spell,
			rc_purchase_day, rollup_generation, rollup_dirty, rollup_delta, rollup_additive`
		)
		.execute(db);
}
