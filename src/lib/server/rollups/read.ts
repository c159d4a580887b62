import { sql, type Kysely } from 'kysely';
import type { DB, RollupMeasure } from '../db/schema';
import { addDays, type LocalDate } from '../metrics/period';
import { ENGAGEMENT_HALF_LIFE_DAYS } from '../metrics/engagement-rules';
import type { GenerationSpec } from './facts';
import { liveGeneration } from './refresh';

/**
 * What metrics read: the rollups only, never raw orders or events. Instants are cut at the
 * 15-minute bucket that holds them (a bucket counts when it starts before the cut): exact at every
 * local midnight of any zone, and to the quarter hour for a comparison cut at the clock time of a
 * period under way.
 */

export interface Sum {
	value: number;
	/** The newest row time among the rows summed. */
	latestAt: Date | null;
}

/** The total of an additive figure over [start, end). */
export async function sumMeasure(
	db: Kysely<DB>,
	measure: RollupMeasure,
	start: Date,
	end: Date
): Promise<Sum> {
	const row = await db
		.selectFrom('rollup_additive')
		.where('measure', '=', measure)
		.where('bucket', '>=', start)
		.where('bucket', '<', end)
		.select([
			sql<string | null>`sum(value)::text`.as('value'),
			(eb) => eb.fn.max('latest_at').as('latest_at')
		])
		.executeTakeFirst();
	return {
		value: row?.value ? Number(row.value) : 0,
		latestAt: row?.latest_at ? new Date(row.latest_at) : null
	};
}

/** The earliest instant with an imported order row (of any kind), or null. */
export async function earliestOrderBucket(db: Kysely<DB>): Promise<Date | null> {
	const row = await db
		.selectFrom('rollup_additive')
		.where('measure', '=', 'order_rows')
		.where('value', '>', '0')
		.select((eb) => eb.fn.min('bucket').as('bucket'))
		.executeTakeFirst();
	return row?.bucket ? new Date(row.bucket) : null;
}

/**
 * The newest row time of a figure before `end` (capped there): the latest non-empty bucket's, so
 * that only a row or two is read however long the history.
 */
export async function latestAt(
	db: Kysely<DB>,
	measure: RollupMeasure,
	end: Date,
	/** The request's facts, whose cache then keeps the answer for the other metrics asking. */
	shared?: GenerationSpec
): Promise<Date | null> {
	const load = async () => {
		const row = await db
			.selectFrom('rollup_additive')
			.where('measure', '=', measure)
			.where('bucket', '<', end)
			.where('value', '<>', '0')
			.select('latest_at')
			.orderBy('bucket', 'desc')
			.limit(1)
			.executeTakeFirst();
		if (!row?.latest_at) return null;
		const latest = new Date(row.latest_at);
		return latest > end ? end : latest;
	};
	return shared ? memoized(shared, `latest ${measure} ${end.toISOString()}`, load) : load();
}

/** The customer facts in force, or null before the first build finished. */
export async function factsGeneration(db: Kysely<DB>): Promise<GenerationSpec | null> {
	return liveGeneration(db);
}

/** Purchase days (customer × local date with an order) whose first order falls in [start, end). */
export async function purchaseDays(
	db: Kysely<DB>,
	g: GenerationSpec,
	start: Date,
	end: Date
): Promise<number> {
	const row = await db
		.selectFrom('rollup_purchase')
		.where('generation', '=', g.generation)
		.where('bucket', '>=', start)
		.where('bucket', '<', end)
		.select(sql<string | null>`sum(purchase_days)::text`.as('n'))
		.executeTakeFirst();
	return Number(row?.n ?? 0);
}

/** Loads once per request (per spec object), then answers from memory. */
export function memoized<T>(g: GenerationSpec, key: string, load: () => Promise<T>): Promise<T> {
	const cache = (g.cache ??= new Map());
	let value = cache.get(key) as Promise<T> | undefined;
	if (!value) {
		value = load();
		cache.set(key, value);
	}
	return value;
}

/** The spell edges as running totals per day: one read of at most one row per day of history. */
interface EdgeTotals {
	days: LocalDate[];
	/** Customers active on days[i]: spells begun on or before it less those ended. */
	active: number[];
	/** Spells ended (customers become lapsed) on or before days[i]. */
	ended: number[];
}

function edgeTotals(db: Kysely<DB>, g: GenerationSpec): Promise<EdgeTotals> {
	return memoized(g, 'edges', async () => {
		const rows = await db
			.selectFrom('rollup_spell_edge')
			.where('generation', '=', g.generation)
			.select(['day', 'starts', 'ends'])
			.orderBy('day')
			.execute();
		const totals: EdgeTotals = { days: [], active: [], ended: [] };
		let active = 0;
		let ended = 0;
		for (const row of rows) {
			active += Number(row.starts) - Number(row.ends);
			ended += Number(row.ends);
			totals.days.push(row.day);
			totals.active.push(active);
			totals.ended.push(ended);
		}
		return totals;
	});
}

/** The index of the last day on or before `day`, or −1. */
function lastOnOrBefore(days: readonly LocalDate[], day: LocalDate): number {
	let lo = 0;
	let hi = days.length - 1;
	let found = -1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if ((days[mid] as LocalDate) <= day) {
			found = mid;
			lo = mid + 1;
		} else hi = mid - 1;
	}
	return found;
}

/** Customers active on a local date: spells begun on or before it and not yet ended. */
export async function activeOn(db: Kysely<DB>, g: GenerationSpec, day: LocalDate): Promise<number> {
	const totals = await edgeTotals(db, g);
	const i = lastOnOrBefore(totals.days, day);
	return i < 0 ? 0 : (totals.active[i] ?? 0);
}

/**
 * Customers active on the day before `from` who become lapsed on a date in [from, to]. Every lapse
 * in a range no longer than the activity window ends a spell begun before it; for a longer range the
 * spells that both began and ended inside it are taken out.
 */
export async function lapsedFromBase(
	db: Kysely<DB>,
	g: GenerationSpec,
	from: LocalDate,
	to: LocalDate,
	lengthDays: number
): Promise<number> {
	const totals = await edgeTotals(db, g);
	const endedBy = (day: LocalDate) => {
		const i = lastOnOrBefore(totals.days, day);
		return i < 0 ? 0 : (totals.ended[i] ?? 0);
	};
	let lapsed = endedBy(to) - endedBy(addDays(from, -1));
	if (lengthDays > g.activityWindowDays) {
		const inside = await db
			.selectFrom('rc_spell')
			.where('generation', '=', g.generation)
			.where('start_day', '>=', from)
			.where('end_day', '<=', to)
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.executeTakeFirst();
		lapsed -= Number(inside?.n ?? 0);
	}
	return lapsed;
}

export interface FirstPurchaseCounts {
	firstDay: LocalDate;
	given: boolean;
	customers: number;
	repeaters: number;
}

/** First purchasers per first purchase day in [from, to], with how many repeated within 90 days. */
export async function firstPurchases(
	db: Kysely<DB>,
	g: GenerationSpec,
	from: LocalDate,
	to: LocalDate
): Promise<FirstPurchaseCounts[]> {
	const all = await memoized(g, 'first', async () => {
		const rows = await db
			.selectFrom('rollup_first')
			.where('generation', '=', g.generation)
			.where('customers', '<>', 0)
			.select(['first_day', 'first_given', 'customers', 'repeaters'])
			.orderBy('first_day')
			.execute();
		return rows.map((row) => ({
			firstDay: row.first_day,
			given: row.first_given,
			customers: Number(row.customers),
			repeaters: Number(row.repeaters)
		}));
	});
	return all.filter((row) => row.firstDay >= from && row.firstDay <= to);
}

export interface NpsCounts {
	promoters: number;
	passives: number;
	detractors: number;
}

/**
 * Promoters, passives and detractors of a whole month, fiscal quarter or fiscal year (each
 * customer's latest answer in it), or null when nobody answered.
 */
export async function npsOfPeriod(
	db: Kysely<DB>,
	g: GenerationSpec,
	kind: 'month' | 'quarter' | 'year',
	periodStart: LocalDate
): Promise<NpsCounts | null> {
	const all = await memoized(g, 'nps', async () => {
		const rows = await db
			.selectFrom('rollup_nps')
			.where('generation', '=', g.generation)
			.select(['kind', 'period_start', 'promoters', 'passives', 'detractors'])
			.execute();
		return new Map(
			rows.map((row) => [
				`${row.kind} ${row.period_start}`,
				{
					promoters: Number(row.promoters),
					passives: Number(row.passives),
					detractors: Number(row.detractors)
				}
			])
		);
	});
	const counts = all.get(`${kind} ${periodStart}`);
	return counts && counts.promoters + counts.passives + counts.detractors > 0 ? counts : null;
}

/** What messages delivered in a range add up to (PRODUCT.md §3 "Engagement beyond open rates"). */
export interface MessageTotals {
	delivered: number;
	rawOpened: number;
	humanOpened: number;
	humanEngaged: number;
	humanClicked: number;
	replied: number;
	unsubscribed: number;
	complained: number;
	/** Opens and clicks of messages never delivered, bucketed at their first. */
	undeliveredEvents: number;
	/** Marketing messages delivered while their customer had a service case open. */
	conflicting: number;
	/** Marketing messages delivered while their customer had opted out of the channel. */
	consentViolations: number;
	latestAt: Date | null;
}

/** Sums of the message facts of messages delivered in [start, end). */
export async function messageTotals(
	db: Kysely<DB>,
	start: Date,
	end: Date,
	/** The request's facts, whose cache then shares the answer among the engagement metrics. */
	shared?: GenerationSpec
): Promise<MessageTotals> {
	const load = async (): Promise<MessageTotals> => {
		// Whole UTC days from the day table, the quarter hours at either end from the buckets.
		const DAY = 86_400_000;
		let dayStart = new Date(Math.ceil(start.getTime() / DAY) * DAY);
		let dayEnd = new Date(Math.floor(end.getTime() / DAY) * DAY);
		if (dayStart >= dayEnd) dayStart = dayEnd = end;
		const date = (at: Date) => at.toISOString().slice(0, 10);
		const columns = sql.raw(
			'delivered, raw_opened, human_opened, human_engaged, human_clicked, replied, unsubscribed, complained, undelivered_events, conflicting, consent_violations, latest_at'
		);
		const result = await sql<Record<string, string | Date | null>>`
			select sum(delivered)::text as delivered, sum(raw_opened)::text as raw_opened,
				sum(human_opened)::text as human_opened, sum(human_engaged)::text as human_engaged,
				sum(human_clicked)::text as human_clicked, sum(replied)::text as replied,
				sum(unsubscribed)::text as unsubscribed, sum(complained)::text as complained,
				sum(undelivered_events)::text as undelivered_events,
				sum(conflicting)::text as conflicting,
				sum(consent_violations)::text as consent_violations, max(latest_at) as latest_at
			from (
				select ${columns} from rollup_message_day
				where day >= ${date(dayStart)}::date and day < ${date(dayEnd)}::date
				union all
				select ${columns} from rollup_message
				where (bucket >= ${start} and bucket < ${dayStart})
					or (bucket >= ${dayEnd} and bucket < ${end})
			) parts
		`.execute(db);
		const row = result.rows[0];
		const get = (value: string | Date | null | undefined) => Number(value ?? 0);
		return {
			delivered: get(row?.delivered),
			rawOpened: get(row?.raw_opened),
			humanOpened: get(row?.human_opened),
			humanEngaged: get(row?.human_engaged),
			humanClicked: get(row?.human_clicked),
			replied: get(row?.replied),
			unsubscribed: get(row?.unsubscribed),
			complained: get(row?.complained),
			undeliveredEvents: get(row?.undelivered_events),
			conflicting: get(row?.conflicting),
			consentViolations: get(row?.consent_violations),
			latestAt: row?.latest_at ? new Date(row.latest_at) : null
		};
	};
	return shared
		? memoized(shared, `messages ${start.toISOString()} ${end.toISOString()}`, load)
		: load();
}

/** Messages delivered in [start, end) with an attributed order, and that revenue. */
export async function conversionTotals(
	db: Kysely<DB>,
	g: GenerationSpec,
	start: Date,
	end: Date
): Promise<{ converted: number; netRevenue: number }> {
	const row = await db
		.selectFrom('rollup_conversion')
		.where('generation', '=', g.generation)
		.where('bucket', '>=', start)
		.where('bucket', '<', end)
		.select([
			sql<string | null>`sum(converted)::text`.as('converted'),
			sql<string | null>`sum(net_revenue)::text`.as('net_revenue')
		])
		.executeTakeFirst();
	return { converted: Number(row?.converted ?? 0), netRevenue: Number(row?.net_revenue ?? 0) };
}

/** The totals of several additive figures over [start, end), in one read (absent ones are 0). */
export async function sumMeasures<M extends RollupMeasure>(
	db: Kysely<DB>,
	measures: readonly M[],
	start: Date,
	end: Date
): Promise<{ values: Map<M, number>; latestAt: Date | null }> {
	const rows = await db
		.selectFrom('rollup_additive')
		.where('measure', 'in', [...measures])
		.where('bucket', '>=', start)
		.where('bucket', '<', end)
		.groupBy('measure')
		.select([
			'measure',
			sql<string | null>`sum(value)::text`.as('value'),
			(eb) => eb.fn.max('latest_at').as('latest_at')
		])
		.execute();
	const values = new Map<M, number>(measures.map((m) => [m, 0]));
	let latest: Date | null = null;
	for (const row of rows) {
		values.set(row.measure as M, Number(row.value ?? 0));
		const at = row.latest_at ? new Date(row.latest_at) : null;
		if (at && (!latest || at > latest)) latest = at;
	}
	return { values, latestAt: latest };
}

export interface AnswerCounts {
	answered: number;
	satisfied: number;
	scoreSum: number;
}

/**
 * CSAT or effort answers of a whole month, fiscal quarter or fiscal year (each customer's latest
 * answer to that question in it), or null when nobody answered.
 */
export async function answersOfPeriod(
	db: Kysely<DB>,
	g: GenerationSpec,
	question: 'csat' | 'effort',
	kind: 'month' | 'quarter' | 'year',
	periodStart: LocalDate
): Promise<AnswerCounts | null> {
	const all = await memoized(g, 'answers', async () => {
		const rows = await db
			.selectFrom('rollup_answer')
			.where('generation', '=', g.generation)
			.select(['question', 'kind', 'period_start', 'answered', 'satisfied', 'score_sum'])
			.execute();
		return new Map(
			rows.map((row) => [
				`${row.question} ${row.kind} ${row.period_start}`,
				{
					answered: Number(row.answered),
					satisfied: Number(row.satisfied),
					scoreSum: Number(row.score_sum)
				}
			])
		);
	});
	const counts = all.get(`${question} ${kind} ${periodStart}`);
	return counts && counts.answered > 0 ? counts : null;
}

/** Customers per share-of-wallet bin (0–100) whose current statement is current on a date. */
export interface WalletHistogram {
	bins: number[];
	inconsistent: number;
}

export async function walletOn(
	db: Kysely<DB>,
	g: GenerationSpec,
	day: LocalDate
): Promise<WalletHistogram> {
	const edges = await memoized(g, 'wallet', async () => {
		const rows = await db
			.selectFrom('rollup_wallet_edge')
			.where('generation', '=', g.generation)
			.where((eb) => eb.or([eb('customers', '<>', 0), eb('inconsistent', '<>', 0)]))
			.select(['day', 'bin', 'customers', 'inconsistent'])
			.orderBy('day')
			.execute();
		return rows.map((row) => ({
			day: row.day,
			bin: Number(row.bin),
			customers: Number(row.customers),
			inconsistent: Number(row.inconsistent)
		}));
	});
	const histogram: WalletHistogram = {
		bins: Array.from({ length: 101 }, () => 0),
		inconsistent: 0
	};
	for (const edge of edges) {
		if (edge.day > day) break;
		histogram.bins[edge.bin] = (histogram.bins[edge.bin] ?? 0) + edge.customers;
		histogram.inconsistent += edge.inconsistent;
	}
	return histogram;
}

/** Active customers per whole month of tenure (index = months) on a date. */
export async function tenureOn(
	db: Kysely<DB>,
	g: GenerationSpec,
	day: LocalDate
): Promise<number[]> {
	const edges = await memoized(g, 'tenure', async () => {
		const rows = await db
			.selectFrom('rollup_tenure_edge')
			.where('generation', '=', g.generation)
			.where('customers', '<>', 0)
			.select(['day', 'bin', 'customers'])
			.orderBy('day')
			.execute();
		return rows.map((row) => ({
			day: row.day,
			bin: Number(row.bin),
			customers: Number(row.customers)
		}));
	});
	const bins: number[] = [];
	for (const edge of edges) {
		if (edge.day > day) break;
		while (bins.length <= edge.bin) bins.push(0);
		bins[edge.bin] = (bins[edge.bin] ?? 0) + edge.customers;
	}
	return bins;
}

/** Loyal customers on a local date: loyal spells begun on or before it and not yet ended. */
export function loyalOn(db: Kysely<DB>, g: GenerationSpec, day: LocalDate): Promise<number> {
	return spellsOn(db, g, 'rollup_loyal_edge', day);
}

/** Customers known on a local date, and those of them with identities from two or more sources. */
export async function scvOn(
	db: Kysely<DB>,
	g: GenerationSpec,
	day: LocalDate
): Promise<{ customers: number; complete: number }> {
	const totals = await memoized(g, 'scv', async () => {
		const rows = await db
			.selectFrom('rollup_scv_edge')
			.where('generation', '=', g.generation)
			.select(['day', 'customers', 'complete'])
			.orderBy('day')
			.execute();
		const days: LocalDate[] = [];
		const customers: number[] = [];
		const complete: number[] = [];
		let c = 0;
		let k = 0;
		for (const row of rows) {
			c += Number(row.customers);
			k += Number(row.complete);
			days.push(row.day);
			customers.push(c);
			complete.push(k);
		}
		return { days, customers, complete };
	});
	const i = lastOnOrBefore(totals.days, day);
	return i < 0
		? { customers: 0, complete: 0 }
		: { customers: totals.customers[i] ?? 0, complete: totals.complete[i] ?? 0 };
}

/** Customers in a spell on a local date, from a table of per-day spell starts and ends. */
async function spellsOn(
	db: Kysely<DB>,
	g: GenerationSpec,
	table: 'rollup_loyal_edge' | 'rollup_multichannel_edge',
	day: LocalDate
): Promise<number> {
	const totals = await memoized(g, table, async () => {
		const rows = await db
			.selectFrom(table)
			.where('generation', '=', g.generation)
			.select(['day', 'starts', 'ends'])
			.orderBy('day')
			.execute();
		const days: LocalDate[] = [];
		const counts: number[] = [];
		let running = 0;
		for (const row of rows) {
			running += Number(row.starts) - Number(row.ends);
			days.push(row.day);
			counts.push(running);
		}
		return { days, counts };
	});
	const i = lastOnOrBefore(totals.days, day);
	return i < 0 ? 0 : (totals.counts[i] ?? 0);
}

/** Active customers with meaningful interactions in ≥ 2 channels in the 30 days to a date. */
export function multichannelOn(db: Kysely<DB>, g: GenerationSpec, day: LocalDate): Promise<number> {
	return spellsOn(db, g, 'rollup_multichannel_edge', day);
}

export interface ContactPressure {
	/** Customers with a marketing message delivered on a day in [from, to]. */
	customers: number;
	/** Of them, those with more than `cap` messages in an ISO week with a day in [from, to]. */
	overCap: number;
	/** Their messages in those weeks, counted in full. */
	messages: number;
	/** ISO weeks with a day in [from, to]. */
	weeks: number;
}

/**
 * Contact pressure over the local dates [from, to]: every ISO week with a day in the range is read
 * whole; a customer is in the base when a weekday of theirs with a message falls in the range.
 * Reads one row per customer and week contacted (the cap applies here, so changing it is free).
 */
export async function contactPressure(
	db: Kysely<DB>,
	g: GenerationSpec,
	from: LocalDate,
	to: LocalDate,
	cap: number
): Promise<ContactPressure> {
	const monday = (day: LocalDate) =>
		addDays(day, -((new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7));
	const firstWeek = monday(from);
	const lastWeek = monday(to);
	const result = await sql<{ customers: string; over_cap: string; messages: string | null }>`
		select count(*) filter (where in_range) as customers,
			count(*) filter (where in_range and top > ${cap}::int) as over_cap,
			sum(messages) filter (where in_range) as messages
		from (
			select customer_id, max(messages) as top, sum(messages) as messages,
				-- the weekdays of the range in this week: bits lo..hi
				bool_or(day_mask & (
					(1 << (least(${to}::date, week_start + 6) - week_start + 1))
					- (1 << (greatest(${from}::date, week_start) - week_start))
				) <> 0) as in_range
			from rc_contact_week
			where generation = ${g.generation}::int
				and week_start >= ${firstWeek}::date and week_start <= ${lastWeek}::date
			group by customer_id
		) contacted
	`.execute(db);
	const row = result.rows[0];
	const weeks =
		Math.round(
			(Date.parse(`${lastWeek}T00:00:00Z`) - Date.parse(`${firstWeek}T00:00:00Z`)) / 604_800_000
		) + 1;
	return {
		customers: Number(row?.customers ?? 0),
		overCap: Number(row?.over_cap ?? 0),
		messages: Number(row?.messages ?? 0),
		weeks
	};
}

export interface RevenueRetention {
	/** Customers with a purchase day in the earlier range. */
	customers: number;
	/** Their net revenue in the earlier range … */
	before: number;
	/** … and in the later one. */
	after: number;
}

/**
 * Net revenue retention's parts: the customers with a purchase day in [beforeFrom, beforeTo], and
 * their net revenue then and in [from, to]. Reads the customers' revenue days in both ranges.
 */
export async function revenueRetention(
	db: Kysely<DB>,
	g: GenerationSpec,
	before: { from: LocalDate; to: LocalDate },
	after: { from: LocalDate; to: LocalDate }
): Promise<RevenueRetention> {
	const result = await sql<{ customers: string; before: string | null; after: string | null }>`
		with base as (
			select distinct customer_id from rc_purchase_day
			where generation = ${g.generation}::int
				and day >= ${before.from}::date and day <= ${before.to}::date
		)
		select (select count(*) from base) as customers,
			sum(r.net_revenue) filter (
				where r.day >= ${before.from}::date and r.day <= ${before.to}::date
			) as before,
			sum(r.net_revenue) filter (
				where r.day >= ${after.from}::date and r.day <= ${after.to}::date
			) as after
		from rc_revenue_day r
		join base on base.customer_id = r.customer_id
		where r.generation = ${g.generation}::int
			and ((r.day >= ${before.from}::date and r.day <= ${before.to}::date)
				or (r.day >= ${after.from}::date and r.day <= ${after.to}::date))
	`.execute(db);
	const row = result.rows[0];
	return {
		customers: Number(row?.customers ?? 0),
		before: Number(row?.before ?? 0),
		after: Number(row?.after ?? 0)
	};
}

/**
 * Engagement scores on a local date: Σ weight × 2^(−age in days / 30) over each customer's
 * meaningful interactions on or before it (age = days from the interaction's local date).
 */
export async function engagementScores(
	db: Kysely<DB>,
	g: GenerationSpec,
	day: LocalDate,
	customerIds: readonly number[]
): Promise<Map<number, number>> {
	const scores = new Map<number, number>(customerIds.map((id) => [id, 0]));
	if (customerIds.length === 0) return scores;
	const result = await sql<{ customer_id: number; score: string }>`
		select customer_id,
			sum(weight * power(2::numeric, -(${day}::date - day)::numeric / ${ENGAGEMENT_HALF_LIFE_DAYS}::int))::text
				as score
		from rc_interaction_day
		where generation = ${g.generation}::int and customer_id = any(${[...customerIds]}::bigint[])
			and day <= ${day}::date
		group by customer_id
	`.execute(db);
	for (const row of result.rows) scores.set(Number(row.customer_id), Number(row.score));
	return scores;
}
