import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import {
	agentPatterns,
	ATTRIBUTION_HOURS,
	LINK_SCANNER_AGENTS,
	MACHINE_CLICK_SECONDS,
	MACHINE_OPEN_AGENTS,
	MACHINE_OPEN_SECONDS,
	MESSAGE_WINDOW_DAYS
} from '../metrics/engagement-rules';

/**
 * The message facts (PRODUCT.md §3 "Engagement beyond open rates"): a message is one (customer,
 * channel, message_ref) with a `delivered` event; its events count from the delivery to 7 days
 * after it; machine opens and clicks count nowhere. Opens and clicks of a message never delivered
 * are counted as a data-quality figure.
 */

type Db = Kysely<DB> | Transaction<DB>;

export interface MessageKey {
	customerId: number;
	channel: string;
	messageRef: string;
}

/**
 * The message events of the messages `scope` selects (a condition on the events `e`), each with
 * its message's delivery and whether it is a human open or click in the message's window.
 */
function classifiedEvents(scope: RawBuilder<unknown>): RawBuilder<unknown> {
	const opens = agentPatterns(MACHINE_OPEN_AGENTS);
	const scanners = agentPatterns(LINK_SCANNER_AGENTS);
	return sql`
		with ev as (
			select e.customer_id, e.channel, e.message_ref, e.event_id, e.type, e.occurred_at,
				e.machine_open, e.machine_click, e.user_agent, e.message_purpose,
				min(e.occurred_at) filter (where e.type = 'delivered')
					over (partition by e.customer_id, e.channel, e.message_ref) as delivered_at
			from interaction_event e
			where e.message_ref is not null
				and e.type in ('delivered', 'opened', 'clicked', 'replied', 'unsubscribed', 'complained')
				and ${scope}
		), windowed as (
			select ev.*,
				delivered_at is not null and occurred_at >= delivered_at
					and occurred_at <= delivered_at + ${MESSAGE_WINDOW_DAYS}::int * interval '1 day'
					as in_window
			from ev
		), clicks as (
			select windowed.*,
				in_window and type = 'clicked'
					and not coalesce(machine_click, false)
					and not coalesce(user_agent = any(${scanners.exact}::text[])
						or user_agent ilike any(${scanners.like}::text[]), false)
					and occurred_at > delivered_at + ${MACHINE_CLICK_SECONDS}::int * interval '1 second'
					as human_click
			from windowed
		), last_click as (
			select clicks.*,
				max(occurred_at) filter (where human_click)
					over (partition by customer_id, channel, message_ref) as last_human_click
			from clicks
		)
		select last_click.*,
			in_window and type = 'opened'
				and not coalesce(machine_open, false)
				and not coalesce(user_agent = any(${opens.exact}::text[])
					or user_agent ilike any(${opens.like}::text[]), false)
				and not (occurred_at <= delivered_at + ${MACHINE_OPEN_SECONDS}::int * interval '1 second'
					and (last_human_click is null or last_human_click <= occurred_at))
				as human_open
		from last_click
	`;
}

/** Claims up to `limit` queued messages (every entry of each) and recomputes their facts. */
export async function recomputeQueuedMessages(
	trx: Transaction<DB>,
	limit: number
): Promise<number> {
	const claimed = await sql<{ customer_id: number; channel: string; message_ref: string }>`
		with picked as (
			select distinct customer_id, channel, message_ref from (
				select customer_id, channel, message_ref from rollup_message_dirty order by seq limit ${limit}::int
			) first_entries
		)
		delete from rollup_message_dirty d using picked p
		where d.customer_id = p.customer_id and d.channel = p.channel and d.message_ref = p.message_ref
		returning d.customer_id, d.channel, d.message_ref
	`.execute(trx);
	const seen = new Set<string>();
	const keys: MessageKey[] = [];
	for (const row of claimed.rows) {
		const id = JSON.stringify([row.customer_id, row.channel, row.message_ref]);
		if (seen.has(id)) continue;
		seen.add(id);
		keys.push({
			customerId: Number(row.customer_id),
			channel: row.channel,
			messageRef: row.message_ref
		});
	}
	await recomputeMessages(trx, keys);
	return keys.length;
}

/**
 * Recomputes the facts of `keys` and moves `rollup_message` by the difference (subtract the old
 * facts, rewrite them from the events, add the new). Idempotent; run it in a transaction.
 */
export async function recomputeMessages(trx: Db, keys: readonly MessageKey[]): Promise<void> {
	if (keys.length === 0) return;
	const customers = sql`${keys.map((k) => k.customerId)}::bigint[]`;
	const channels = sql`${keys.map((k) => k.channel)}::text[]`;
	const refs = sql`${keys.map((k) => k.messageRef)}::text[]`;
	const picked = sql`(customer_id, channel, message_ref) in (
		select * from unnest(${customers}, ${channels}, ${refs}))`;
	await moveMessageAggregates(trx, picked, -1);
	await sql`delete from rc_message where ${picked}`.execute(trx);
	const scope = sql`(e.customer_id, e.channel, e.message_ref) in (
		select * from unnest(${customers}, ${channels}, ${refs}))`;
	await sql`
		insert into rc_message (customer_id, channel, message_ref, bucket, delivered, raw_open,
			human_open, human_click, replied, unsubscribed, complained, undelivered_events, latest_at,
			conflicting, consent_violation)
		select customer_id, channel, message_ref,
			rollup_bucket(coalesce(min(delivered_at),
				min(occurred_at) filter (where type in ('opened', 'clicked')))),
			min(delivered_at) is not null,
			coalesce(bool_or(in_window and type = 'opened'), false),
			coalesce(bool_or(human_open), false),
			coalesce(bool_or(human_click), false),
			coalesce(bool_or(in_window and type = 'replied'), false),
			coalesce(bool_or(in_window and type = 'unsubscribed'), false),
			coalesce(bool_or(in_window and type = 'complained'), false),
			case when min(delivered_at) is null
				then count(*) filter (where type in ('opened', 'clicked')) else 0 end,
			coalesce(max(occurred_at) filter (where in_window), max(occurred_at)),
			-- a marketing message delivered while the customer had a case open
			coalesce(bool_or(type = 'delivered' and message_purpose = 'marketing'), false)
				and exists (
					select 1 from service_case sc
					where sc.customer_id = c.customer_id and sc.opened_at <= min(c.delivered_at)
						and (sc.resolved_at is null or sc.resolved_at > min(c.delivered_at))
				),
			-- a marketing message delivered while the customer's latest consent change for the
			-- channel (at or before the delivery; an opt-out wins a tie) was an opt-out
			coalesce(bool_or(type = 'delivered' and message_purpose = 'marketing'), false)
				and coalesce((
					select cs.status = 'opted_out' from consent cs
					where cs.customer_id = c.customer_id and cs.channel = c.channel
						and cs.changed_at <= min(c.delivered_at)
					order by cs.changed_at desc, cs.status = 'opted_out' desc
					limit 1
				), false)
		from (${classifiedEvents(scope)}) c
		group by customer_id, channel, message_ref
		having min(delivered_at) is not null or count(*) filter (where type in ('opened', 'clicked')) > 0
	`.execute(trx);
	await moveMessageAggregates(trx, picked, 1);
}

async function moveMessageAggregates(
	trx: Db,
	picked: RawBuilder<unknown>,
	sign: 1 | -1
): Promise<void> {
	const n = (condition: string) =>
		sql`${sign}::int * count(*) filter (where delivered and ${sql.raw(condition)})`;
	// per 15-minute bucket, and per UTC day (rollup_message_day) so that long ranges read few rows
	for (const [table, key] of [
		['rollup_message', sql`bucket`],
		['rollup_message_day', sql`(bucket at time zone 'UTC')::date`]
	] as const) {
		await sql`
			insert into ${sql.table(table)} as r (${sql.raw(table === 'rollup_message' ? 'bucket' : 'day')},
				delivered, raw_opened, human_opened, human_engaged, human_clicked, replied, unsubscribed,
				complained, undelivered_events, latest_at, conflicting, consent_violations)
			select ${key}, ${n('true')}, ${n('raw_open')}, ${n('human_open')},
				${n('(human_open or human_click or replied)')}, ${n('human_click')}, ${n('replied')},
				${n('unsubscribed')}, ${n('complained')}, ${sign}::int * sum(undelivered_events),
				max(latest_at), ${n('conflicting')}, ${n('consent_violation')}
			from rc_message
			where ${picked}
			group by 1
			on conflict (${sql.raw(table === 'rollup_message' ? 'bucket' : 'day')}) do update set
				delivered = r.delivered + excluded.delivered,
				raw_opened = r.raw_opened + excluded.raw_opened,
				human_opened = r.human_opened + excluded.human_opened,
				human_engaged = r.human_engaged + excluded.human_engaged,
				human_clicked = r.human_clicked + excluded.human_clicked,
				replied = r.replied + excluded.replied,
				unsubscribed = r.unsubscribed + excluded.unsubscribed,
				complained = r.complained + excluded.complained,
				undelivered_events = r.undelivered_events + excluded.undelivered_events,
				conflicting = r.conflicting + excluded.conflicting,
				consent_violations = r.consent_violations + excluded.consent_violations,
				latest_at = greatest(r.latest_at, excluded.latest_at)
		`.execute(trx);
	}
}

/**
 * The conversion facts of customers in generation `g`: each `order` row goes to the message with
 * the customer's latest human click in the 168 h before it (ties: the later event); per message,
 * the orders it won and their net revenue (the order plus the refunds and cancellations that refer
 * to it, in the reporting currency).
 */
export async function writeConversions(trx: Db, g: number, ids: number[]): Promise<void> {
	const idArray = sql`${ids}::bigint[]`;
	const scope = sql`e.customer_id = any(${idArray})`;
	await sql`
		insert into rc_conversion (generation, customer_id, channel, message_ref, bucket, orders,
			net_revenue)
		select ${g}::int, customer_id, channel, message_ref, rollup_bucket(delivered_at), count(*),
			sum(net_revenue)
		from (
			select distinct on (o.order_id) o.customer_id, c.channel, c.message_ref, c.delivered_at,
				o.reporting_amount + coalesce((
					select sum(r.reporting_amount) from customer_order r
					where r.customer_id = o.customer_id and r.source = o.source
						and r.refers_to = o.order_ref and r.kind <> 'order'
				), 0) as net_revenue
			from customer_order o
			join (select * from (${classifiedEvents(scope)}) x where human_click) c
				on c.customer_id = o.customer_id
				and c.occurred_at <= o.ordered_at
				and c.occurred_at > o.ordered_at - ${ATTRIBUTION_HOURS}::int * interval '1 hour'
			where o.customer_id = any(${idArray}) and o.kind = 'order'
			order by o.order_id, c.occurred_at desc, c.event_id desc
		) attributed
		group by customer_id, channel, message_ref, delivered_at
	`.execute(trx);
}

/** Adds (1) or subtracts (−1) what the customers' conversion facts contribute per bucket. */
export async function moveConversionAggregates(
	trx: Db,
	g: number,
	ids: number[],
	sign: 1 | -1
): Promise<void> {
	await sql`
		insert into rollup_conversion as r (generation, bucket, converted, net_revenue)
		select ${g}::int, bucket, ${sign}::int * count(*), ${sign}::int * sum(net_revenue)
		from rc_conversion
		where generation = ${g}::int and customer_id = any(${sql`${ids}::bigint[]`})
		group by bucket
		on conflict (generation, bucket) do update set
			converted = r.converted + excluded.converted,
			net_revenue = r.net_revenue + excluded.net_revenue
	`.execute(trx);
}
