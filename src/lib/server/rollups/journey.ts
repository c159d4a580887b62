import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { getSettings } from '../settings';
import type { GenerationSpec } from './facts';

/**
 * Journey stages (PRODUCT.md §3 "Journey"): per-customer stage spells and their per-day edges.
 *
 * A customer's stage on a local date d, first that applies:
 * - lapsed: a purchase on or before d (the first purchase day, given or imported) and not active;
 * - advocate: loyal, promoter (latest NPS answer in [d − 364, d] is 9 or 10) and a referral or
 *   review in [d − 364, d];
 * - loyal: an `rc_loyal` spell covers d;
 * - repeat / first: active with two or more / exactly one purchase day by d, counting a given
 *   first purchase earlier than every imported one as one more — when the first purchase is known
 *   (given by the source, or on or after history start + 365 days); else "unknown" (history
 *   unknown);
 * - prospect: created on or before d and no purchase by d.
 * Before the earlier of the created day and the first purchase day the customer has no stage.
 * The history start is the one in force when the facts are written, so a changed history start
 * applies at the next full rebuild.
 */

type Db = Kysely<DB> | Transaction<DB>;

export type JourneyStage =
	'prospect' | 'first' | 'repeat' | 'loyal' | 'advocate' | 'lapsed' | 'unknown';

/** Transitions timed by `rollup_journey_time`, named by the stage entered. */
export type JourneyTransition = 'first' | 'repeat' | 'loyal' | 'advocate';

/** Per-customer fact tables of a generation (deleted and rewritten per recomputed customer). */
export const JOURNEY_FACT_TABLES: readonly string[] = ['rc_journey', 'rc_journey_stage'];
/** Aggregate tables of a generation (cleared with a retired generation). */
export const JOURNEY_ROLLUP_TABLES: readonly string[] = [
	'rollup_journey_edge',
	'rollup_journey_time'
];

/** Days an NPS answer, a referral or a review counts for (the 365 days up to a date). */
const YEAR_DAYS = 365;
/** First purchases are known from history start + this many days (PRODUCT.md §3 "History start"). */
const KNOWN_FIRST_AFTER_DAYS = 365;

/** Writes the customers' journey facts; runs after the purchase, spell and loyal facts. */
export async function writeJourneyFacts(
	trx: Db,
	spec: GenerationSpec,
	ids: number[]
): Promise<void> {
	const { generation: g, timeZone: tz } = spec;
	const idArray = sql`${ids}::bigint[]`;
	const { historyStart } = await getSettings(trx);
	// The history start in force: the setting, else the local date of the earliest order row (of
	// any kind, as the metrics take it); null without orders, when only given first purchases are
	// known.
	const knownFrom = sql`(coalesce(${historyStart}::date,
		(select (min(ordered_at) at time zone ${tz})::date from customer_order))
		+ ${KNOWN_FIRST_AFTER_DAYS}::int)`;
	// The second purchase day: the second imported purchase day, or the first one when the source
	// gave an earlier first purchase (which then counts as a purchase of its own).
	await sql`
		insert into rc_journey (generation, customer_id, created_day, first_day, first_known,
			second_day, loyal_day)
		select ${g}::int, c.customer_id, (cu.created_at at time zone ${tz})::date, c.first_day,
			c.first_given or coalesce(c.first_day >= ${knownFrom}, false),
			case when c.first_day < p.first_bought then p.first_bought else p.second_bought end,
			l.loyal_day
		from rc_customer c
		join customer cu on cu.customer_id = c.customer_id
		left join (
			select customer_id, min(day) as first_bought, min(day) filter (where n = 2) as second_bought
			from (
				select customer_id, day, row_number() over (partition by customer_id order by day) as n
				from rc_purchase_day
				where generation = ${g}::int and customer_id = any(${idArray})
			) numbered
			where n <= 2
			group by customer_id
		) p on p.customer_id = c.customer_id
		left join (
			select customer_id, min(start_day) as loyal_day from rc_loyal
			where generation = ${g}::int and customer_id = any(${idArray})
			group by customer_id
		) l on l.customer_id = c.customer_id
		where c.generation = ${g}::int and c.customer_id = any(${idArray})
	`.execute(trx);
	// The stage can change only on a candidate day and holds until the next one: the created,
	// first and second purchase days, a spell's start and end, a loyal spell's start and end, an
	// NPS answer's day and 365 days on, a referral's or review's day and 365 days on. Running sums
	// over the days give, on each, whether a spell, a loyal spell and a referral or review cover
	// it; the latest answer is carried forward in groups that each begin on a day with an answer.
	// Runs of days in one stage make the spells.
	await sql`
		insert into rc_journey_stage (generation, customer_id, stage, start_day, end_day)
		with answers as (
			select distinct on (customer_id, day) customer_id, day, nps
			from (
				select customer_id, nps, responded_at, response_id,
					(responded_at at time zone ${tz})::date as day
				from survey_response
				where customer_id = any(${idArray}) and nps is not null
			) a
			order by customer_id, day, responded_at desc, response_id desc
		), mentions as (
			select customer_id, (occurred_at at time zone ${tz})::date as day
			from interaction_event
			where customer_id = any(${idArray}) and type in ('referral', 'review')
		), changes (customer_id, day, active, loyal, mentioned) as (
			select customer_id, created_day, 0, 0, 0
			from rc_journey where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select customer_id, first_day, 0, 0, 0
			from rc_journey
			where generation = ${g}::int and customer_id = any(${idArray}) and first_day is not null
			union all
			select customer_id, second_day, 0, 0, 0
			from rc_journey
			where generation = ${g}::int and customer_id = any(${idArray}) and second_day is not null
			union all
			select customer_id, start_day, 1, 0, 0
			from rc_spell where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select customer_id, end_day, -1, 0, 0
			from rc_spell where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select customer_id, start_day, 0, 1, 0
			from rc_loyal where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select customer_id, end_day, 0, -1, 0
			from rc_loyal where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select customer_id, day, 0, 0, 0 from answers
			union all
			select customer_id, day + ${YEAR_DAYS}::int, 0, 0, 0 from answers
			union all
			select customer_id, day, 0, 0, 1 from mentions
			union all
			select customer_id, day + ${YEAR_DAYS}::int, 0, 0, -1 from mentions
		), days as (
			select ch.customer_id, ch.day, sum(ch.active) as active, sum(ch.loyal) as loyal,
				sum(ch.mentioned) as mentioned, min(a.nps) as nps
			from changes ch
			left join answers a on a.customer_id = ch.customer_id and a.day = ch.day
			group by ch.customer_id, ch.day
		), running as (
			select customer_id, day,
				sum(active) over w > 0 as active,
				sum(loyal) over w > 0 as loyal,
				sum(mentioned) over w > 0 as mentioned,
				count(nps) over w as answer_group,
				nps
			from days
			window w as (partition by customer_id order by day)
		), latest as (
			select customer_id, day, active, loyal, mentioned,
				first_value(nps) over g as nps,
				first_value(day) over g as answered_day
			from running
			window g as (partition by customer_id, answer_group order by day)
		), states as (
			select l.customer_id, l.day,
				case
					when l.day < j.created_day and (j.first_day is null or l.day < j.first_day) then null
					when j.first_day <= l.day and not l.active then 'lapsed'
					when l.loyal and l.mentioned and l.nps >= 9
						and l.answered_day > l.day - ${YEAR_DAYS}::int then 'advocate'
					when l.loyal then 'loyal'
					when j.first_day <= l.day then
						case when not j.first_known then 'unknown'
							when j.second_day <= l.day then 'repeat'
							else 'first' end
					else 'prospect'
				end as stage
			from latest l
			join rc_journey j on j.generation = ${g}::int and j.customer_id = l.customer_id
		), runs as (
			-- the first day of each run of days in one stage; once known, always known
			select customer_id, day, stage from (
				select customer_id, day, stage,
					lag(stage) over (partition by customer_id order by day) as before
				from states
				where stage is not null
			) marked
			where before is distinct from stage
		)
		select ${g}::int, customer_id, stage, day,
			lead(day) over (partition by customer_id order by day)
		from runs
	`.execute(trx);
	await sql`
		update rc_journey j set advocate_day = s.day
		from (
			select customer_id, min(start_day) as day from rc_journey_stage
			where generation = ${g}::int and customer_id = any(${idArray}) and stage = 'advocate'
			group by customer_id
		) s
		where j.generation = ${g}::int and j.customer_id = s.customer_id
	`.execute(trx);
}

/** Adds (1) or subtracts (−1) what the customers' journey facts contribute to the aggregates. */
export async function moveJourneyAggregates(
	trx: Db,
	g: number,
	ids: number[],
	sign: 1 | -1
): Promise<void> {
	const idArray = sql`${ids}::bigint[]`;
	await sql`
		insert into rollup_journey_edge as r (generation, day, stage, customers)
		select ${g}::int, day, stage, ${sign}::int * sum(delta)
		from (
			select start_day as day, stage, 1 as delta
			from rc_journey_stage where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select end_day, stage, -1
			from rc_journey_stage
			where generation = ${g}::int and customer_id = any(${idArray}) and end_day is not null
		) edges
		group by day, stage
		on conflict (generation, day, stage) do update set customers = r.customers + excluded.customers
	`.execute(trx);
	// Time between stages, over customers whose first purchase is known: created → first purchase
	// (when created on or before it), first → second purchase day, second purchase day → first
	// loyal day, first loyal day → first advocate day; keyed by the day the stage was entered.
	await sql`
		insert into rollup_journey_time as r (generation, transition, entered_day, days, customers)
		select ${g}::int, t.transition, t.entered_day, t.days, ${sign}::int * count(*)
		from rc_journey j
		cross join lateral (values
			('first', j.first_day, j.first_day - j.created_day),
			('repeat', j.second_day, j.second_day - j.first_day),
			('loyal', j.loyal_day, j.loyal_day - j.second_day),
			('advocate', j.advocate_day, j.advocate_day - j.loyal_day)
		) t (transition, entered_day, days)
		where j.generation = ${g}::int and j.customer_id = any(${idArray}) and j.first_known
			and t.days >= 0
		group by t.transition, t.entered_day, t.days
		on conflict (generation, transition, entered_day, days)
		do update set customers = r.customers + excluded.customers
	`.execute(trx);
}
