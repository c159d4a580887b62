import { sql, type Kysely } from 'kysely';

/**
 * Engagement from rollups (PRODUCT.md §3 "Engagement beyond open rates").
 *
 * - `rc_message`: per message (customer, channel, message_ref) what its events within 7 days of
 *   delivery add up to once machine opens and clicks are set aside, and the opens and clicks of
 *   messages never delivered (the data-quality figure). They depend on no setting, so they are kept
 *   outside the generations, fed by their own queue: each statement on interaction_event queues the
 *   messages it touched, and a refresh recomputes just those.
 * - `rollup_message`: their sums per 15-minute bucket of delivery.
 * - `rc_conversion` / `rollup_conversion`: the orders attributed to a message (the customer's latest
 *   human click in the 168 h before the order), per generation like the other customer facts:
 *   orders, clicks and the deliveries of clicked messages queue their customers. The generations
 *   are rebuilt at the next refresh.
 *
 * Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	const eventBody = (rows: string, sign: '' | '-') => `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select 'delivered', rollup_bucket(occurred_at), ${sign}count(*), max(occurred_at)
		from ${rows} where type = 'delivered'
		group by 2;
		insert into rollup_message_dirty (customer_id, channel, message_ref)
		select distinct customer_id, channel, message_ref
		from ${rows}
		where message_ref is not null
			and type in ('delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'complained');
		insert into rollup_dirty (customer_id)
		select distinct r.customer_id from ${rows} r
		where r.message_ref is not null and (r.type = 'clicked'
			-- a delivery that comes, goes or moves decides whether the message's clicks count
			or (r.type = 'delivered' and exists (
				select 1 from interaction_event c
				where c.customer_id = r.customer_id and c.channel = r.channel
					and c.message_ref = r.message_ref and c.type = 'clicked')));`;
	await run([
		`delete from rc_purchase_day`,
		`delete from rc_spell`,
		`delete from rc_customer`,
		`delete from rc_customer_month`,
		`delete from rc_nps`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_cohort`,
		`delete from rollup_nps`,
		`delete from rollup_generation`,
		`create table rc_message (
			customer_id bigint not null,
			channel text not null,
			message_ref text not null,
			-- the delivery's bucket; for a message never delivered, its first open's or click's
			bucket timestamptz not null,
			delivered boolean not null,
			raw_open boolean not null,
			human_open boolean not null,
			human_click boolean not null,
			replied boolean not null,
			unsubscribed boolean not null,
			complained boolean not null,
			undelivered_events integer not null,
			latest_at timestamptz not null,
			primary key (customer_id, channel, message_ref)
		)`,
		`create table rollup_message (
			bucket timestamptz primary key,
			delivered bigint not null,
			raw_opened bigint not null,
			human_opened bigint not null,
			human_engaged bigint not null,
			human_clicked bigint not null,
			replied bigint not null,
			unsubscribed bigint not null,
			complained bigint not null,
			undelivered_events bigint not null,
			latest_at timestamptz
		)`,
		`create table rollup_message_dirty (
			seq bigint generated always as identity primary key,
			customer_id bigint not null,
			channel text not null,
			message_ref text not null
		)`,
		`create index rollup_message_dirty_key on rollup_message_dirty (customer_id, channel, message_ref)`,
		`create table rc_conversion (
			generation integer not null,
			customer_id bigint not null,
			channel text not null,
			message_ref text not null,
			bucket timestamptz not null,
			orders integer not null,
			net_revenue numeric not null,
			primary key (generation, customer_id, channel, message_ref)
		)`,
		`create table rollup_conversion (
			generation integer not null,
			bucket timestamptz not null,
			converted bigint not null,
			net_revenue numeric not null,
			primary key (generation, bucket)
		)`,
		`create or replace function interaction_event_rollup_insert() returns trigger
			language plpgsql as $$ begin ${eventBody('new_rows', '')} return null; end $$`,
		`create or replace function interaction_event_rollup_delete() returns trigger
			language plpgsql as $$ begin ${eventBody('old_rows', '-')} return null; end $$`,
		`create or replace function interaction_event_rollup_update() returns trigger
			language plpgsql as $$ begin ${eventBody('old_rows', '-')} ${eventBody('new_rows', '')}
			return null; end $$`,
		// The messages stored before: queued once each.
		`insert into rollup_message_dirty (customer_id, channel, message_ref)
			select distinct customer_id, channel, message_ref
			from interaction_event
			where message_ref is not null
				and type in ('delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'complained')`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	const body = (rows: string, sign: '' | '-') => `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select 'delivered', rollup_bucket(occurred_at), ${sign}count(*), max(occurred_at)
		from ${rows} where type = 'delivered'
		group by 2;`;
	for (const [op, text] of [
		['insert', body('new_rows', '')],
		['delete', body('old_rows', '-')],
		['update', `${body('old_rows', '-')} ${body('new_rows', '')}`]
	]) {
		await sql
			.raw(
				`create or replace function interaction_event_rollup_${op}() returns trigger
				language plpgsql as $$ begin ${text} return null; end $$`
			)
			.execute(db);
	}
	await sql`drop table rollup_conversion, rc_conversion, rollup_message_dirty, rollup_message, rc_message`.execute(
		db
	);
}
