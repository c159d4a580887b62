import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import {
	agentPatterns,
	interactionWeight,
	LINK_SCANNER_AGENTS,
	MACHINE_CLICK_SECONDS,
	MULTICHANNEL_WINDOW_DAYS
} from '../metrics/engagement-rules';
import type { GenerationSpec } from './facts';

/**
 * The customer facts of net revenue retention, contact pressure, the engagement score and the
 * multichannel share (PRODUCT.md §3), written for a generation with the other customer facts.
 */

type Db = Kysely<DB> | Transaction<DB>;

export const INTERACTION_FACT_TABLES: readonly string[] = [
	'rc_revenue_day',
	'rc_contact_week',
	'rc_interaction_day',
	'rc_multichannel'
];
export const INTERACTION_ROLLUP_TABLES: readonly string[] = ['rollup_multichannel_edge'];

/** Writes the customers' facts; runs after their purchase days and activity spells. */
export async function writeInteractionFacts(
	trx: Db,
	spec: GenerationSpec,
	ids: number[]
): Promise<void> {
	const { generation: g, timeZone: tz } = spec;
	const idArray = sql`${ids}::bigint[]`;
	// Net revenue per local date: orders, refunds and cancellations each on their own date.
	await sql`
		insert into rc_revenue_day (generation, customer_id, day, net_revenue)
		select ${g}::int, customer_id, (ordered_at at time zone ${tz})::date, sum(reporting_amount)
		from customer_order
		where customer_id = any(${idArray})
		group by 2, 3
	`.execute(trx);
	await writeContactWeeks(trx, spec, ids);
	// Meaningful interactions per local date and channel, with their weights.
	const scanners = agentPatterns(LINK_SCANNER_AGENTS);
	const w = (kind: Parameters<typeof interactionWeight>[0]) =>
		sql`${interactionWeight(kind)}::numeric`;
	await sql`
		insert into rc_interaction_day (generation, customer_id, day, channel, interactions, weight)
		select ${g}::int, customer_id, (at at time zone ${tz})::date, channel, count(*), sum(weight)
		from (
			select e.customer_id, e.occurred_at as at, e.channel,
				case e.type
					when 'clicked' then ${w('human_click')}
					when 'replied' then ${w('reply')}
					when 'visit' then ${w('visit')}
					when 'portal_login' then ${w('visit')}
					else ${w('service_contact')}
				end as weight
			from interaction_event e
			where e.customer_id = any(${idArray})
				and e.type in ('clicked', 'replied', 'visit', 'portal_login', 'call', 'chat')
				-- a machine click counts nowhere: flagged, a link scanner, or within 10 s of its
				-- message's delivery
				and not (e.type = 'clicked' and (
					coalesce(e.machine_click, false)
					or coalesce(e.user_agent = any(${scanners.exact}::text[])
						or e.user_agent ilike any(${scanners.like}::text[]), false)
					or coalesce(e.occurred_at <= (
						select min(d.occurred_at) from interaction_event d
						where d.customer_id = e.customer_id and d.channel = e.channel
							and d.message_ref = e.message_ref and d.type = 'delivered'
					) + ${MACHINE_CLICK_SECONDS}::int * interval '1 second', false)
				))
			union all
			select customer_id, opened_at, coalesce(channel, 'service'), ${w('service_contact')}
			from service_case where customer_id = any(${idArray})
			union all
			select customer_id, ordered_at, coalesce(channel, 'orders'), ${w('order')}
			from customer_order where customer_id = any(${idArray}) and kind = 'order'
			union all
			select customer_id, responded_at, 'survey', ${w('survey_answer')}
			from survey_response where customer_id = any(${idArray})
		) interactions
		group by 2, 3, 4
	`.execute(trx);
	// Multichannel: each channel covers the 30 days from each of its interaction days (islands of
	// overlapping coverage merged); a customer counts while ≥ 2 channels cover the day and an
	// activity spell does. A sweep over the +1/−1 of both, by window functions.
	await sql`
		insert into rc_multichannel (generation, customer_id, start_day, end_day)
		with days as (
			select customer_id, channel, day,
				lag(day) over (partition by customer_id, channel order by day) as previous
			from rc_interaction_day
			where generation = ${g}::int and customer_id = any(${idArray})
		), numbered as (
			select customer_id, channel, day,
				count(*) filter (where previous is null or day > previous + ${MULTICHANNEL_WINDOW_DAYS}::int)
					over (partition by customer_id, channel order by day) as island
			from days
		), islands as (
			select customer_id, min(day) as start_day,
				max(day) + ${MULTICHANNEL_WINDOW_DAYS}::int as end_day
			from numbered
			group by customer_id, channel, island
		), deltas as (
			select customer_id, day, sum(channels) as channels, sum(active) as active
			from (
				select customer_id, start_day as day, 1 as channels, 0 as active from islands
				union all select customer_id, end_day, -1, 0 from islands
				union all
				select customer_id, start_day, 0, 1 from rc_spell
				where generation = ${g}::int and customer_id = any(${idArray})
				union all
				select customer_id, end_day, 0, -1 from rc_spell
				where generation = ${g}::int and customer_id = any(${idArray})
			) edges
			group by customer_id, day
		), states as (
			select customer_id, day,
				sum(channels) over running >= 2 and sum(active) over running >= 1 as multi
			from deltas
			window running as (partition by customer_id order by day)
		), changes as (
			select customer_id, day, multi from (
				select customer_id, day, multi,
					lag(multi) over (partition by customer_id order by day) as before
				from states
			) marked
			where before is distinct from multi
		)
		select ${g}::int, customer_id, day, end_day from (
			select customer_id, day, multi,
				lead(day) over (partition by customer_id order by day) as end_day
			from changes
		) spells
		where multi and end_day is not null
	`.execute(trx);
}

/**
 * Marketing messages per local ISO week (from Monday), each on the local date of its first
 * delivery, with the weekdays that had one (bit 0 = Monday). Deliveries queue only these (in
 * `rollup_contact_dirty`), not all of a customer's facts.
 */
export async function writeContactWeeks(
	trx: Db,
	spec: GenerationSpec,
	ids: number[]
): Promise<void> {
	const idArray = sql`${ids}::bigint[]`;
	await sql`
		insert into rc_contact_week (generation, customer_id, week_start, messages, day_mask)
		select ${spec.generation}::int, customer_id, week_start, count(*), bit_or(1 << (day - week_start))::smallint
		from (
			select customer_id, day, day - (extract(isodow from day)::int - 1) as week_start
			from (
				select customer_id, (min(occurred_at) at time zone ${spec.timeZone})::date as day
				from interaction_event
				where customer_id = any(${idArray}) and type = 'delivered'
					and message_purpose = 'marketing' and message_ref is not null
				group by customer_id, channel, message_ref
			) messages
		) weeks
		group by customer_id, week_start
	`.execute(trx);
}

/** Claims up to `limit` queued customers (all their entries) and rewrites their contact weeks. */
export async function recomputeQueuedContacts(
	trx: Transaction<DB>,
	live: GenerationSpec,
	limit: number
): Promise<number> {
	const claimed = await sql<{ customer_id: number }>`
		with picked as (
			select distinct customer_id from (
				select customer_id from rollup_contact_dirty order by seq limit ${limit}::int
			) first_entries
		)
		delete from rollup_contact_dirty d using picked p
		where d.customer_id = p.customer_id
		returning d.customer_id
	`.execute(trx);
	const ids = [...new Set(claimed.rows.map((row) => Number(row.customer_id)))];
	if (ids.length === 0) return 0;
	await sql`
		delete from rc_contact_week
		where generation = ${live.generation}::int and customer_id = any(${sql`${ids}::bigint[]`})
	`.execute(trx);
	await writeContactWeeks(trx, live, ids);
	return ids.length;
}
