import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import {
	JOURNEY_FACT_TABLES,
	JOURNEY_ROLLUP_TABLES,
	moveJourneyAggregates,
	writeJourneyFacts
} from './journey';
import {
	INTERACTION_FACT_TABLES,
	INTERACTION_ROLLUP_TABLES,
	writeInteractionFacts
} from './interactions';
import { moveConversionAggregates, writeConversions } from './messages';
import {
	moveSinglePurchaseAggregates,
	SINGLE_PURCHASE_FACT_TABLES,
	SINGLE_PURCHASE_ROLLUP_TABLES,
	writeSinglePurchaseFacts
} from './single-purchase';

/** Days after the first purchase day in which a second purchase day makes a repeat (PRODUCT.md §3). */
export const REPEAT_WINDOW_DAYS = 90;

/** The time zone, activity window and fiscal year a generation of customer facts is built for. */
export interface GenerationSpec {
	generation: number;
	timeZone: string;
	activityWindowDays: number;
	/** 1 = January: fiscal quarters and years of the NPS rollup. */
	fiscalYearStartMonth: number;
	/**
	 * Reads shared by the metrics of one request (a board asks for the same per-day series for
	 * every period of every sparkline): each spec object is fetched per request, so this never
	 * outlives one.
	 */
	cache?: Map<string, Promise<unknown>>;
}

type Db = Kysely<DB> | Transaction<DB>;

/** The per-customer fact tables of a generation: a recomputed customer's rows are rewritten. */
export const GENERATION_FACT_TABLES: readonly string[] = [
	'rc_purchase_day',
	'rc_spell',
	'rc_customer',
	'rc_customer_month',
	'rc_nps',
	'rc_answer',
	'rc_wallet',
	'rc_loyal',
	'rc_scv',
	'rc_conversion',
	...INTERACTION_FACT_TABLES,
	...JOURNEY_FACT_TABLES,
	...SINGLE_PURCHASE_FACT_TABLES
];

/** The aggregate tables of a generation, moved by the difference of the facts. */
export const GENERATION_ROLLUP_TABLES: readonly string[] = [
	'rollup_nps',
	'rollup_answer',
	'rollup_wallet_edge',
	'rollup_tenure_edge',
	'rollup_loyal_edge',
	'rollup_scv_edge',
	'rollup_cohort',
	'rollup_purchase',
	'rollup_spell_edge',
	'rollup_first',
	'rollup_conversion',
	...INTERACTION_ROLLUP_TABLES,
	...JOURNEY_ROLLUP_TABLES,
	...SINGLE_PURCHASE_ROLLUP_TABLES
];

/**
 * Recomputes the customer facts of `customerIds` in one generation and moves the aggregates by the
 * difference: subtract what the customers' current facts contribute, replace the facts from the raw
 * rows, add what the new facts contribute. Idempotent, so a customer queued twice, or recomputed
 * by a build and again from the queue, comes out the same. Run it inside a transaction.
 */
export async function recomputeCustomers(
	trx: Db,
	spec: GenerationSpec,
	customerIds: readonly number[]
): Promise<void> {
	if (customerIds.length === 0) return;
	const ids = [...customerIds];
	await moveAggregates(trx, spec.generation, ids, -1);
	for (const table of GENERATION_FACT_TABLES) {
		await sql`
			delete from ${sql.table(table)}
			where generation = ${spec.generation}::int and customer_id = any(${sql`${ids}::bigint[]`})
		`.execute(trx);
	}
	await writeFacts(trx, spec, ids);
	await moveAggregates(trx, spec.generation, ids, 1);
}

async function writeFacts(trx: Db, spec: GenerationSpec, ids: number[]): Promise<void> {
	const { generation: g, timeZone: tz, activityWindowDays: w } = spec;
	const idArray = sql`${ids}::bigint[]`;
	// A purchase day: a local date with at least one `order` row (refunds and cancellations never
	// make one). Its bucket is that of the day's first order, so that purchase days can be cut at
	// any quarter hour, like the additive figures.
	await sql`
		insert into rc_purchase_day (generation, customer_id, day, bucket)
		select ${g}::int, customer_id, (ordered_at at time zone ${tz})::date, rollup_bucket(min(ordered_at))
		from customer_order
		where customer_id = any(${idArray}) and kind = 'order'
		-- by position: the zone is a parameter, so the expression would not match the select's
		group by 2, 3
	`.execute(trx);
	// Spells: a new one starts on a purchase day more than W days after the previous one; a spell
	// ends (the customer becomes lapsed) W days after its last purchase day.
	await sql`
		insert into rc_spell (generation, customer_id, start_day, end_day)
		select ${g}::int, customer_id, min(day), max(day) + ${w}::int
		from (
			select customer_id, day,
				count(*) filter (where previous is null or day > previous + ${w}::int)
					over (partition by customer_id order by day) as spell
			from (
				select customer_id, day, lag(day) over (partition by customer_id order by day) as previous
				from rc_purchase_day
				where generation = ${g}::int and customer_id = any(${idArray})
			) days
		) numbered
		group by customer_id, spell
	`.execute(trx);
	// The first purchase is the earlier of the source's first_order_at (or first_order_on) and the
	// earliest purchase day; a repeat is another purchase day 1–90 days after it.
	await sql`
		insert into rc_customer (generation, customer_id, first_day, first_given, repeat_day,
			first_lapse_day)
		select ${g}::int, c.customer_id, f.first_day, given.day is not null,
			(select min(p.day) from rc_purchase_day p
				where p.generation = ${g}::int and p.customer_id = c.customer_id
					and p.day between f.first_day + 1 and f.first_day + ${REPEAT_WINDOW_DAYS}::int),
			(select min(s.end_day) from rc_spell s
				where s.generation = ${g}::int and s.customer_id = c.customer_id)
		from customer c
		cross join lateral (
			select coalesce((c.first_order_at at time zone ${tz})::date, c.first_order_on) as day
		) given
		cross join lateral (
			select least(given.day, (select min(p.day) from rc_purchase_day p
				where p.generation = ${g}::int and p.customer_id = c.customer_id)) as first_day
		) f
		where c.customer_id = any(${idArray}) and c.merged_into is null
	`.execute(trx);
	// NPS: per customer and whole month, fiscal quarter and fiscal year, the latest answer's score.
	await sql`
		insert into rc_nps (generation, customer_id, kind, period_start, score)
		select distinct on (a.customer_id, p.kind, p.period_start)
			${g}::int, a.customer_id, p.kind, p.period_start, a.nps
		from (
			select customer_id, nps, responded_at, response_id,
				(responded_at at time zone ${tz})::date as day
			from survey_response
			where customer_id = any(${idArray}) and nps is not null
		) a
		cross join lateral (values
			('month', date_trunc('month', a.day)::date),
			('quarter', rollup_fiscal_quarter_start(a.day, ${spec.fiscalYearStartMonth}::int)),
			('year', rollup_fiscal_year_start(a.day, ${spec.fiscalYearStartMonth}::int))
		) p (kind, period_start)
		order by a.customer_id, p.kind, p.period_start, a.responded_at desc, a.response_id desc
	`.execute(trx);
	// CSAT and effort: the same, each over the latest answer that has that question.
	for (const question of ['csat', 'effort'] as const) {
		await sql`
			insert into rc_answer (generation, customer_id, question, kind, period_start, score)
			select distinct on (a.customer_id, p.kind, p.period_start)
				${g}::int, a.customer_id, ${question}, p.kind, p.period_start, a.score
			from (
				select customer_id, ${sql.ref(question)} as score, responded_at, response_id,
					(responded_at at time zone ${tz})::date as day
				from survey_response
				where customer_id = any(${idArray}) and ${sql.ref(question)} is not null
			) a
			cross join lateral (values
				('month', date_trunc('month', a.day)::date),
				('quarter', rollup_fiscal_quarter_start(a.day, ${spec.fiscalYearStartMonth}::int)),
				('year', rollup_fiscal_year_start(a.day, ${spec.fiscalYearStartMonth}::int))
			) p (kind, period_start)
			order by a.customer_id, p.kind, p.period_start, a.responded_at desc, a.response_id desc
		`.execute(trx);
	}
	// Loyal: active, ≥ 3 purchase days in the 365 days to the day, and an NPS status (the latest
	// answer in the 365 days to it) that is not detractor. A sweep over +1/−1 per day: a purchase
	// day counts from it to 364 days on, a spell while it runs, a detractor's answer (the latest of
	// its day) until the next answer's day or 365 days on; runs of loyal days make the spells.
	await sql`
		insert into rc_loyal (generation, customer_id, start_day, end_day)
		with answer_days as (
			select distinct on (customer_id, day) customer_id, day, nps <= 6 as detractor
			from (
				select customer_id, nps, responded_at, response_id,
					(responded_at at time zone ${tz})::date as day
				from survey_response
				where customer_id = any(${idArray}) and nps is not null
			) a
			order by customer_id, day, responded_at desc, response_id desc
		), detractor_spells as (
			select customer_id, day,
				least(coalesce(lead(day) over (partition by customer_id order by day), day + 365),
					day + 365) as until,
				detractor
			from answer_days
		), deltas as (
			select customer_id, day, sum(purchases) as purchases, sum(active) as active,
				sum(detractor) as detractor
			from (
				select customer_id, day, 1 as purchases, 0 as active, 0 as detractor
				from rc_purchase_day where generation = ${g}::int and customer_id = any(${idArray})
				union all
				select customer_id, day + 365, -1, 0, 0
				from rc_purchase_day where generation = ${g}::int and customer_id = any(${idArray})
				union all
				select customer_id, start_day, 0, 1, 0
				from rc_spell where generation = ${g}::int and customer_id = any(${idArray})
				union all
				select customer_id, end_day, 0, -1, 0
				from rc_spell where generation = ${g}::int and customer_id = any(${idArray})
				union all
				select customer_id, day, 0, 0, 1 from detractor_spells where detractor
				union all
				select customer_id, until, 0, 0, -1 from detractor_spells where detractor
			) edges
			group by customer_id, day
		), states as (
			select customer_id, day,
				sum(active) over running >= 1 and sum(purchases) over running >= 3
					and sum(detractor) over running = 0 as loyal
			from deltas
			window running as (partition by customer_id order by day)
		), changes as (
			select customer_id, day, loyal from (
				select customer_id, day, loyal,
					lag(loyal) over (partition by customer_id order by day) as before
				from states
			) marked
			where before is distinct from loyal
		)
		select ${g}::int, customer_id, day, end_day from (
			select customer_id, day, loyal,
				lead(day) over (partition by customer_id order by day) as end_day
			from changes
		) spells
		where loyal and end_day is not null
	`.execute(trx);
	// SCV: known from the local day the customer was created, complete from the day the identity
	// of a second source became known (a merged customer is left out).
	await sql`
		insert into rc_scv (generation, customer_id, known_day, complete_day)
		select ${g}::int, c.customer_id, (c.created_at at time zone ${tz})::date,
			(
				select (min(first_seen) at time zone ${tz})::date from (
					select source, min(created_at) as first_seen from identity i
					where i.customer_id = c.customer_id
					group by source
					order by 2
					offset 1
				) second_source
			)
		from customer c
		where c.customer_id = any(${idArray}) and c.merged_into is null
	`.execute(trx);
	// Share of wallet: each statement's share, current from its day until the next statement's day
	// or 365 days on (the latest statement of a day wins).
	await sql`
		insert into rc_wallet (generation, customer_id, start_day, end_day, bin, inconsistent)
		select ${g}::int, customer_id, day,
			least(coalesce(lead(day) over (partition by customer_id order by day), day + 365), day + 365),
			case when share >= 1 then 100 else greatest(0, floor(share * 100))::int end,
			share > 1
		from (
			select distinct on (r.customer_id, r.day) r.customer_id, r.day,
				coalesce((
					select sum(o.reporting_amount) from customer_order o
					where o.customer_id = r.customer_id
						and (o.ordered_at at time zone ${tz})::date between r.day - 364 and r.day
				), 0) / r.stated_category_spend as share
			from (
				select customer_id, stated_category_spend, responded_at, response_id,
					(responded_at at time zone ${tz})::date as day
				from survey_response
				where customer_id = any(${idArray}) and stated_category_spend > 0
			) r
			order by r.customer_id, r.day, r.responded_at desc, r.response_id desc
		) statements
	`.execute(trx);
	// Local months with a purchase or with revenue (refunds and cancellations on their own dates).
	await sql`
		insert into rc_customer_month (generation, customer_id, month, purchased, net_revenue)
		select ${g}::int, customer_id, date_trunc('month', ordered_at at time zone ${tz})::date,
			bool_or(kind = 'order'), sum(reporting_amount)
		from customer_order
		where customer_id = any(${idArray})
		group by 2, 3
	`.execute(trx);
	await writeConversions(trx, g, ids);
	await writeInteractionFacts(trx, spec, ids);
	await writeJourneyFacts(trx, spec, ids);
	await writeSinglePurchaseFacts(trx, spec, ids);
}

/** Adds (sign 1) or subtracts (sign −1) what the customers' facts contribute to the aggregates. */
async function moveAggregates(trx: Db, g: number, ids: number[], sign: 1 | -1): Promise<void> {
	const idArray = sql`${ids}::bigint[]`;
	await sql`
		insert into rollup_purchase (generation, bucket, purchase_days)
		select generation, bucket, ${sign}::int * count(*)
		from rc_purchase_day
		where generation = ${g}::int and customer_id = any(${idArray})
		group by 1, 2
		on conflict (generation, bucket)
		do update set purchase_days = rollup_purchase.purchase_days + excluded.purchase_days
	`.execute(trx);
	await moveSpellEdges(trx, g, ids, sign, 'rc_spell', 'rollup_spell_edge');
	// Cohorts: offsets in whole months from the month of the first purchase.
	await sql`
		with cohort_member as (
			select customer_id, first_given, first_lapse_day,
				date_trunc('month', first_day)::date as cohort_month
			from rc_customer
			where generation = ${g}::int and customer_id = any(${idArray}) and first_day is not null
		)
		insert into rollup_cohort (generation, cohort_month, first_given, month_offset, purchasers,
			last_purchasers, net_revenue, first_lapsed)
		select ${g}::int, cohort_month, first_given, month_offset,
			${sign}::int * sum(purchased), ${sign}::int * sum(last_purchased),
			${sign}::int * sum(net_revenue), ${sign}::int * sum(first_lapsed)
		from (
			select c.cohort_month, c.first_given, rollup_month_offset(c.cohort_month, m.month) as month_offset,
				case when m.purchased then 1 else 0 end as purchased,
				case when m.month = (select max(l.month) from rc_customer_month l
					where l.generation = m.generation and l.customer_id = m.customer_id and l.purchased)
					then 1 else 0 end as last_purchased,
				m.net_revenue, 0 as first_lapsed
			from cohort_member c
			join rc_customer_month m on m.generation = ${g}::int and m.customer_id = c.customer_id
			union all
			select c.cohort_month, c.first_given,
				rollup_month_offset(c.cohort_month, c.first_lapse_day), 0, 0, 0, 1
			from cohort_member c
			where c.first_lapse_day is not null
		) contributions
		where month_offset >= 0
		group by cohort_month, first_given, month_offset
		on conflict (generation, cohort_month, first_given, month_offset) do update set
			purchasers = rollup_cohort.purchasers + excluded.purchasers,
			last_purchasers = rollup_cohort.last_purchasers + excluded.last_purchasers,
			net_revenue = rollup_cohort.net_revenue + excluded.net_revenue,
			first_lapsed = rollup_cohort.first_lapsed + excluded.first_lapsed
	`.execute(trx);
	await sql`
		insert into rollup_nps (generation, kind, period_start, promoters, passives, detractors)
		select ${g}::int, kind, period_start,
			${sign}::int * count(*) filter (where score >= 9),
			${sign}::int * count(*) filter (where score between 7 and 8),
			${sign}::int * count(*) filter (where score <= 6)
		from rc_nps
		where generation = ${g}::int and customer_id = any(${idArray})
		group by kind, period_start
		on conflict (generation, kind, period_start) do update set
			promoters = rollup_nps.promoters + excluded.promoters,
			passives = rollup_nps.passives + excluded.passives,
			detractors = rollup_nps.detractors + excluded.detractors
	`.execute(trx);
	await moveSpellEdges(trx, g, ids, sign, 'rc_loyal', 'rollup_loyal_edge');
	await sql`
		insert into rollup_scv_edge as r (generation, day, customers, complete)
		select ${g}::int, day, ${sign}::int * sum(customers), ${sign}::int * sum(complete)
		from (
			select known_day as day, 1 as customers, 0 as complete
			from rc_scv where generation = ${g}::int and customer_id = any(${idArray})
			union all
			-- complete no earlier than known
			select greatest(known_day, complete_day), 0, 1
			from rc_scv
			where generation = ${g}::int and customer_id = any(${idArray}) and complete_day is not null
		) edges
		group by day
		on conflict (generation, day) do update set
			customers = r.customers + excluded.customers,
			complete = r.complete + excluded.complete
	`.execute(trx);
	// Tenure: each active spell runs through 1-month bins (30.4375 days) of time since the first
	// purchase; a bin is entered on the first day of it inside the spell and left at its end.
	await sql`
		insert into rollup_tenure_edge as r (generation, day, bin, customers)
		select ${g}::int, e.day, x.bin, ${sign}::int * sum(e.delta)
		from (
			select k as bin,
				greatest(s.start_day, c.first_day + ceil(k * 30.4375)::int) as enter,
				least(s.end_day, c.first_day + ceil((k + 1) * 30.4375)::int) as leave
			from rc_spell s
			join rc_customer c on c.generation = s.generation and c.customer_id = s.customer_id
			cross join generate_series(
				floor((s.start_day - c.first_day) / 30.4375)::int,
				floor((s.end_day - 1 - c.first_day) / 30.4375)::int
			) k
			-- both sides narrowed to the chunk: without fresh statistics a build may otherwise
			-- hash the whole generation's rc_customer for every chunk
			where s.generation = ${g}::int and s.customer_id = any(${idArray})
				and c.generation = ${g}::int and c.customer_id = any(${idArray})
				and c.first_day is not null
		) x
		cross join lateral (values (x.enter, 1), (x.leave, -1)) e (day, delta)
		where x.enter < x.leave
		group by e.day, x.bin
		on conflict (generation, day, bin) do update set customers = r.customers + excluded.customers
	`.execute(trx);
	await sql`
		insert into rollup_wallet_edge as r (generation, day, bin, customers, inconsistent)
		select ${g}::int, day, bin, ${sign}::int * sum(customers), ${sign}::int * sum(inconsistent)
		from (
			select start_day as day, bin, 1 as customers, case when inconsistent then 1 else 0 end
				as inconsistent
			from rc_wallet where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select end_day, bin, -1, case when inconsistent then -1 else 0 end
			from rc_wallet where generation = ${g}::int and customer_id = any(${idArray})
		) edges
		group by day, bin
		on conflict (generation, day, bin) do update set
			customers = r.customers + excluded.customers,
			inconsistent = r.inconsistent + excluded.inconsistent
	`.execute(trx);
	await sql`
		insert into rollup_answer as r (generation, question, kind, period_start, answered, satisfied,
			score_sum)
		select ${g}::int, question, kind, period_start, ${sign}::int * count(*),
			${sign}::int * count(*) filter (where question = 'csat' and score >= 4),
			${sign}::int * sum(score)
		from rc_answer
		where generation = ${g}::int and customer_id = any(${idArray})
		group by question, kind, period_start
		on conflict (generation, question, kind, period_start) do update set
			answered = r.answered + excluded.answered,
			satisfied = r.satisfied + excluded.satisfied,
			score_sum = r.score_sum + excluded.score_sum
	`.execute(trx);
	await sql`
		insert into rollup_first (generation, first_day, first_given, customers, repeaters)
		select generation, first_day, first_given,
			${sign}::int * count(*), ${sign}::int * count(repeat_day)
		from rc_customer
		where generation = ${g}::int and customer_id = any(${idArray}) and first_day is not null
		group by 1, 2, 3
		on conflict (generation, first_day, first_given) do update set
			customers = rollup_first.customers + excluded.customers,
			repeaters = rollup_first.repeaters + excluded.repeaters
	`.execute(trx);
	await moveConversionAggregates(trx, g, ids, sign);
	await moveSpellEdges(trx, g, ids, sign, 'rc_multichannel', 'rollup_multichannel_edge');
	await moveJourneyAggregates(trx, g, ids, sign);
	await moveSinglePurchaseAggregates(trx, g, ids, sign);
}

/** Spells as +1 on their start day and −1 (an end) on their end day, per day. */
async function moveSpellEdges(
	trx: Db,
	g: number,
	ids: number[],
	sign: 1 | -1,
	spells: 'rc_spell' | 'rc_loyal' | 'rc_multichannel',
	edges: 'rollup_spell_edge' | 'rollup_loyal_edge' | 'rollup_multichannel_edge'
): Promise<void> {
	const idArray = sql`${ids}::bigint[]`;
	await sql`
		insert into ${sql.table(edges)} as r (generation, day, starts, ends)
		select ${g}::int, day, ${sign}::int * sum(starts), ${sign}::int * sum(ends)
		from (
			select start_day as day, 1 as starts, 0 as ends
			from ${sql.table(spells)} where generation = ${g}::int and customer_id = any(${idArray})
			union all
			select end_day, 0, 1
			from ${sql.table(spells)} where generation = ${g}::int and customer_id = any(${idArray})
		) edges
		group by day
		on conflict (generation, day) do update set
			starts = r.starts + excluded.starts,
			ends = r.ends + excluded.ends
	`.execute(trx);
}
