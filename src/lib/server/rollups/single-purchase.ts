import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { addDays, type LocalDate } from '../metrics/period';
import type { GenerationSpec } from './facts';

/**
 * The exclude-single-purchase switch (PRODUCT.md §3 "Activity, purchases, lapse"). A customer is
 * left out of a period whose last local day is E when their first purchase f is known, f ≤ E − 91
 * and no second purchase day came by E. So a customer can be left out at all only with no second
 * purchase day, or one more than 91 days after f; the facts hold just those customers.
 *
 * Counting "first purchase in a range, no second one by E" is a two-dimensional count (first day ×
 * second day), and whether a first purchase is known depends on the history start, a setting read
 * at request time. The sums are therefore kept per first day (`rollup_single_first`) and per pair
 * of first and second purchase at four grains (`rollup_single_next`): the customers with a first
 * day in a range less those of them with a second purchase by E, the latter read in whole months
 * with single days only at the edges of the range and in E's month.
 */

type Db = Kysely<DB> | Transaction<DB>;

/** A one-off buyer is left out from this many days after their first purchase on. */
export const SINGLE_PURCHASE_AFTER_DAYS = 91;

/** Per-customer fact tables of a generation (deleted and rewritten per recomputed customer). */
export const SINGLE_PURCHASE_FACT_TABLES: readonly string[] = [
	'rc_single_purchase',
	'rc_single_purchase_row'
];
/** Aggregate tables of a generation (cleared with a retired generation). */
export const SINGLE_PURCHASE_ROLLUP_TABLES: readonly string[] = [
	'rollup_single_first',
	'rollup_single_next',
	'rollup_single_row'
];

/**
 * Writes the customers' single-purchase facts from their purchase days, their first purchase
 * (rc_customer) and their order rows.
 */
export async function writeSinglePurchaseFacts(
	trx: Db,
	spec: GenerationSpec,
	ids: number[]
): Promise<void> {
	const { generation: g, timeZone: tz } = spec;
	const idArray = sql`${ids}::bigint[]`;
	await sql`
		insert into rc_single_purchase (generation, customer_id, first_day, first_given, next_day,
			first_purchase, first_revenue)
		select ${g}::int, c.customer_id, c.first_day, c.first_given, n.next_day,
			exists (
				select 1 from rc_purchase_day p
				where p.generation = ${g}::int and p.customer_id = c.customer_id and p.day = c.first_day
			),
			coalesce((
				select sum(o.reporting_amount) from customer_order o
				where o.customer_id = c.customer_id
					and (o.ordered_at at time zone ${tz})::date = c.first_day
			), 0)
		from rc_customer c
		cross join lateral (
			select min(p.day) as next_day from rc_purchase_day p
			where p.generation = ${g}::int and p.customer_id = c.customer_id and p.day > c.first_day
		) n
		where c.generation = ${g}::int and c.customer_id = any(${idArray}) and c.first_day is not null
			and (n.next_day is null
				or n.next_day > c.first_day + ${SINGLE_PURCHASE_AFTER_DAYS}::int)
	`.execute(trx);
	// The rows of such a customer dated neither on the first purchase day nor on or after the second:
	// refunds and cancellations only, as every order falls on a purchase day.
	await sql`
		insert into rc_single_purchase_row (generation, customer_id, bucket, net_revenue)
		select ${g}::int, o.customer_id, rollup_bucket(o.ordered_at), sum(o.reporting_amount)
		from rc_single_purchase s
		join customer_order o on o.customer_id = s.customer_id
		cross join lateral (select (o.ordered_at at time zone ${tz})::date as day) d
		where s.generation = ${g}::int and s.customer_id = any(${idArray})
			and d.day <> s.first_day and (s.next_day is null or d.day < s.next_day)
		group by 2, 3
	`.execute(trx);
}

/**
 * Adds (1) or subtracts (−1) what the customers' single-purchase facts contribute to the
 * aggregates. Subtracting also drops the aggregate rows it left at zero, so that rows of pairs no
 * customer has any more (a second purchase arrived) do not pile up in the ranges read.
 */
export async function moveSinglePurchaseAggregates(
	trx: Db,
	g: number,
	ids: number[],
	sign: 1 | -1
): Promise<void> {
	const idArray = sql`${ids}::bigint[]`;
	await sql`
		insert into rollup_single_first as r (generation, first_given, first_day, customers,
			purchasers, net_revenue)
		select ${g}::int, first_given, first_day, ${sign}::int * count(*),
			${sign}::int * count(*) filter (where first_purchase), ${sign}::int * sum(first_revenue)
		from rc_single_purchase
		where generation = ${g}::int and customer_id = any(${idArray})
		group by first_given, first_day
		on conflict (generation, first_given, first_day) do update set
			customers = r.customers + excluded.customers,
			purchasers = r.purchasers + excluded.purchasers,
			net_revenue = r.net_revenue + excluded.net_revenue
	`.execute(trx);
	await sql`
		insert into rollup_single_next as r (generation, grain, first_key, next_key, first_given,
			customers, purchasers, net_revenue)
		select ${g}::int, k.grain, k.first_key, k.next_key, s.first_given, ${sign}::int * count(*),
			${sign}::int * count(*) filter (where s.first_purchase), ${sign}::int * sum(s.first_revenue)
		from rc_single_purchase s
		cross join lateral (values
			('dd', s.first_day, s.next_day),
			('dm', s.first_day, date_trunc('month', s.next_day)::date),
			('md', date_trunc('month', s.first_day)::date, s.next_day),
			('mm', date_trunc('month', s.first_day)::date, date_trunc('month', s.next_day)::date)
		) k (grain, first_key, next_key)
		where s.generation = ${g}::int and s.customer_id = any(${idArray}) and s.next_day is not null
		group by k.grain, k.first_key, k.next_key, s.first_given
		on conflict (generation, grain, first_key, next_key, first_given) do update set
			customers = r.customers + excluded.customers,
			purchasers = r.purchasers + excluded.purchasers,
			net_revenue = r.net_revenue + excluded.net_revenue
	`.execute(trx);
	await sql`
		insert into rollup_single_row as r (generation, bucket, first_given, first_day, next_day,
			net_revenue)
		select ${g}::int, x.bucket, s.first_given, s.first_day, coalesce(s.next_day, 'infinity'::date),
			${sign}::int * sum(x.net_revenue)
		from rc_single_purchase_row x
		join rc_single_purchase s on s.generation = x.generation and s.customer_id = x.customer_id
		where x.generation = ${g}::int and x.customer_id = any(${idArray})
		group by x.bucket, s.first_given, s.first_day, s.next_day
		on conflict (generation, bucket, first_given, first_day, next_day) do update set
			net_revenue = r.net_revenue + excluded.net_revenue
	`.execute(trx);
	if (sign === 1) return;
	await sql`
		delete from rollup_single_first r
		using (
			select distinct first_given, first_day from rc_single_purchase
			where generation = ${g}::int and customer_id = any(${idArray})
		) k
		where r.generation = ${g}::int and r.first_given = k.first_given
			and r.first_day = k.first_day and r.customers = 0
	`.execute(trx);
	await sql`
		delete from rollup_single_next r
		using (
			select distinct s.first_given, k.grain, k.first_key, k.next_key
			from rc_single_purchase s
			cross join lateral (values
				('dd', s.first_day, s.next_day),
				('dm', s.first_day, date_trunc('month', s.next_day)::date),
				('md', date_trunc('month', s.first_day)::date, s.next_day),
				('mm', date_trunc('month', s.first_day)::date, date_trunc('month', s.next_day)::date)
			) k (grain, first_key, next_key)
			where s.generation = ${g}::int and s.customer_id = any(${idArray})
				and s.next_day is not null
		) k
		where r.generation = ${g}::int and r.grain = k.grain and r.first_key = k.first_key
			and r.next_key = k.next_key and r.first_given = k.first_given and r.customers = 0
	`.execute(trx);
	// A bucket's revenue only ever adds up, so a row at zero is as good as none.
	await sql`
		delete from rollup_single_row r
		using (
			select distinct x.bucket, s.first_given, s.first_day,
				coalesce(s.next_day, 'infinity'::date) as next_day
			from rc_single_purchase_row x
			join rc_single_purchase s on s.generation = x.generation and s.customer_id = x.customer_id
			where x.generation = ${g}::int and x.customer_id = any(${idArray})
		) k
		where r.generation = ${g}::int and r.bucket = k.bucket and r.first_given = k.first_given
			and r.first_day = k.first_day and r.next_day = k.next_day and r.net_revenue = 0
	`.execute(trx);
}

/** What a set of left-out customers adds up to. */
export interface ExcludedSums {
	customers: number;
	/** Those whose first purchase day is a purchase day: their one purchase day up to E. */
	purchaseDays: number;
	/** The net revenue of their first purchase days. */
	netRevenue: number;
}

export interface SinglePurchaseExclusion<K extends string> {
	/** Every customer left out on E (known first purchase ≤ E − 91, no second purchase by E). */
	customers: number;
	/** Per range asked for: the customers left out whose first purchase day is on or after it. */
	ranges: Record<K, ExcludedSums>;
	/** Customers who would be left out were their first purchase known. */
	unknown: number;
}

/**
 * The customers left out for a period whose last local day is `lastDay` (E): all of them, those
 * with a first purchase day on or after each of `firstFrom`, and the unknown ones kept in. Known:
 * the source gave the first purchase, or it is on or after `knownFrom`. One read.
 */
export async function singlePurchaseExclusion<K extends string>(
	db: Kysely<DB>,
	g: GenerationSpec,
	lastDay: LocalDate,
	knownFrom: LocalDate,
	firstFrom: Record<K, LocalDate>
): Promise<SinglePurchaseExclusion<K>> {
	const latestFirst = addDays(lastDay, -SINGLE_PURCHASE_AFTER_DAYS);
	const beforeKnown = addDays(knownFrom, -1);
	const specs: { label: string; given: boolean; from: LocalDate | null; to: LocalDate }[] = [
		{ label: 'all', given: true, from: null, to: latestFirst },
		{ label: 'all', given: false, from: knownFrom, to: latestFirst },
		{
			label: 'unknown',
			given: false,
			from: null,
			to: beforeKnown < latestFirst ? beforeKnown : latestFirst
		}
	];
	for (const [key, from] of Object.entries(firstFrom) as [K, LocalDate][]) {
		specs.push({ label: `range ${key}`, given: true, from, to: latestFirst });
		specs.push({
			label: `range ${key}`,
			given: false,
			from: from > knownFrom ? from : knownFrom,
			to: latestFirst
		});
	}
	const parts = specs.flatMap((spec) =>
		excludedParts(g.generation, spec.label, spec.given, spec.from, spec.to, lastDay)
	);
	const sums = new Map<string, ExcludedSums>();
	if (parts.length > 0) {
		const result = await sql<{
			label: string;
			customers: string | null;
			purchasers: string | null;
			net_revenue: string | null;
		}>`
			select label, sum(customers)::text as customers, sum(purchasers)::text as purchasers,
				sum(net_revenue)::text as net_revenue
			from (${sql.join(parts, sql` union all `)}) parts
			group by label
		`.execute(db);
		for (const row of result.rows) {
			sums.set(row.label, {
				customers: Number(row.customers ?? 0),
				purchaseDays: Number(row.purchasers ?? 0),
				netRevenue: Number(row.net_revenue ?? 0)
			});
		}
	}
	const none: ExcludedSums = { customers: 0, purchaseDays: 0, netRevenue: 0 };
	const ranges = {} as Record<K, ExcludedSums>;
	for (const key of Object.keys(firstFrom) as K[]) ranges[key] = sums.get(`range ${key}`) ?? none;
	return {
		customers: sums.get('all')?.customers ?? 0,
		ranges,
		unknown: sums.get('unknown')?.customers ?? 0
	};
}

function monthOf(day: LocalDate): LocalDate {
	return `${day.slice(0, 7)}-01`;
}

function nextMonthOf(day: LocalDate): LocalDate {
	const [y, m] = day.split('-').map(Number) as [number, number];
	return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/**
 * The parts of one sum: the customers with a first purchase day in [from, to] (null: from the
 * beginning) and the given flag, less those of them with a second purchase day on or before E —
 * which leaves those left out on E when to ≤ E − 91.
 */
function excludedParts(
	generation: number,
	label: string,
	given: boolean,
	from: LocalDate | null,
	to: LocalDate,
	lastDay: LocalDate
): RawBuilder<unknown>[] {
	if (from !== null && from > to) return [];
	const head = sql`select ${label}::text as label`;
	const plus = sql`customers, purchasers, net_revenue`;
	const minus = sql`-customers, -purchasers, -net_revenue`;
	const parts: RawBuilder<unknown>[] = [
		sql`${head}, ${plus} from rollup_single_first
			where generation = ${generation}::int and first_given = ${given}
				and first_day <= ${to}::date
				${from === null ? sql`` : sql`and first_day >= ${from}::date`}`
	];
	// Second purchase days on or before E: the months before E's month whole, E's month by day.
	const monthE = monthOf(lastDay);
	const next = {
		months: sql`next_key < ${monthE}::date`,
		days: sql`next_key >= ${monthE}::date and next_key <= ${lastDay}::date`
	};
	const pairs = (grain: string, first: RawBuilder<unknown>, second: RawBuilder<unknown>) =>
		sql`${head}, ${minus} from rollup_single_next
			where generation = ${generation}::int and grain = ${grain} and first_given = ${given}
				and ${first} and ${second}`;
	// First purchase days in [lo, hi] one by one; whole months in [lo, hiExclusive).
	const firstDays = (lo: LocalDate, hi: LocalDate) => {
		const first = sql`first_key >= ${lo}::date and first_key <= ${hi}::date`;
		parts.push(pairs('dm', first, next.months), pairs('dd', first, next.days));
	};
	const firstMonths = (lo: LocalDate | null, hiExclusive: LocalDate) => {
		if (lo !== null && lo >= hiExclusive) return;
		const first =
			lo === null
				? sql`first_key < ${hiExclusive}::date`
				: sql`first_key >= ${lo}::date and first_key < ${hiExclusive}::date`;
		parts.push(pairs('mm', first, next.months), pairs('md', first, next.days));
	};
	const monthTo = monthOf(to);
	if (from === null) {
		firstMonths(null, monthTo);
		firstDays(monthTo, to);
	} else if (monthOf(from) === monthTo) {
		firstDays(from, to);
	} else {
		const afterFrom = nextMonthOf(from);
		firstDays(from, addDays(afterFrom, -1));
		firstMonths(afterFrom, monthTo);
		firstDays(monthTo, to);
	}
	return parts;
}

/**
 * The net revenue in [start, end) of the rows, other than on their first purchase day, of the
 * customers left out for a period whose last local day is `lastDay`: their refunds and
 * cancellations. Reads the buckets of the range.
 */
export async function excludedLaterRevenue(
	db: Kysely<DB>,
	g: GenerationSpec,
	lastDay: LocalDate,
	knownFrom: LocalDate,
	start: Date,
	end: Date
): Promise<number> {
	const row = await sql<{ net_revenue: string | null }>`
		select sum(net_revenue)::text as net_revenue from rollup_single_row
		where generation = ${g.generation}::int and bucket >= ${start} and bucket < ${end}
			and first_day <= ${addDays(lastDay, -SINGLE_PURCHASE_AFTER_DAYS)}::date
			and next_day > ${lastDay}::date
			and (first_given or first_day >= ${knownFrom}::date)
	`.execute(db);
	return Number(row.rows[0]?.net_revenue ?? 0);
}
