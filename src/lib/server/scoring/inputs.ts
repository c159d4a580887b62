import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../db/schema';
import type { GenerationSpec } from '../rollups/facts';
import { addDays, daysBetween, type LocalDate } from '../metrics/period';

/**
 * What the customer models need of each purchasing customer as of local date D, read from the
 * live generation's facts (purchase days, net revenue per day, activity spells) and the orders
 * (the values of the repeat purchase days). Purchase days are the customer's first purchase and
 * every local date with an `order` row, up to D.
 */
export interface CustomerInput {
	customerId: number;
	firstDay: LocalDate;
	/** The source gave the first purchase, or it came after the history start's first year. */
	known: boolean;
	/** Repeat purchase days (after the first) up to D. */
	x: number;
	/** Days from the first to the last purchase day, and from the first to D. */
	lastDays: number;
	ageDays: number;
	/** Days from the first to the second purchase day; null with one purchase day. */
	secondGapDays: number | null;
	/** Purchase days in the 365 days to D (D − 364 … D). */
	purchaseDays365: number;
	/** Net revenue in the 365 days to D, reporting currency. */
	netRevenue365: number;
	/** Mean value of the repeat purchase days (their `order` rows summed per day); 0 when x = 0. */
	meanRepeatValue: number;
	/** In an activity spell on D. */
	active: boolean;
}

const CHUNK = 50_000;

/**
 * The inputs of every customer whose first purchase is on or before D, read in id ranges; or of
 * the customers `only` names (those rescored after new data).
 */
export async function readCustomerInputs(
	db: Kysely<DB>,
	facts: GenerationSpec,
	asOf: LocalDate,
	knownFrom: LocalDate | null,
	only?: readonly number[]
): Promise<CustomerInput[]> {
	const g = facts.generation;
	const inputs: CustomerInput[] = [];
	if (only) {
		await readSome(db, facts, asOf, knownFrom, inputs, sql`c.customer_id = any(${only}::bigint[])`);
		return inputs;
	}
	const range = await db
		.selectFrom('rc_customer')
		.select((eb) => [eb.fn.min('customer_id').as('low'), eb.fn.max('customer_id').as('high')])
		.where('generation', '=', g)
		.executeTakeFirst();
	if (range?.low == null || range.high == null) return inputs;
	for (let low = Number(range.low); low <= Number(range.high); low += CHUNK) {
		const high = low + CHUNK;
		await readSome(
			db,
			facts,
			asOf,
			knownFrom,
			inputs,
			sql`c.customer_id >= ${low}::bigint and c.customer_id < ${high}::bigint`
		);
	}
	return inputs;
}

async function readSome(
	db: Kysely<DB>,
	facts: GenerationSpec,
	asOf: LocalDate,
	knownFrom: LocalDate | null,
	inputs: CustomerInput[],
	which: RawBuilder<unknown>
): Promise<void> {
	const g = facts.generation;
	const yearStart = addDays(asOf, -364);
	const rows = await sql<{
		customer_id: number;
		first_day: LocalDate;
		first_given: boolean;
		x: number;
		last_day: LocalDate | null;
		second_day: LocalDate | null;
		days_365: number;
		net_revenue_365: string | null;
		repeat_value: string | null;
		active: boolean;
	}>`
		select c.customer_id, c.first_day, c.first_given,
			coalesce(p.x, 0)::int as x, p.last_day, p.second_day,
			(coalesce(p.days_365, 0) + case when c.first_day >= ${yearStart}::date then 1 else 0 end)::int
				as days_365,
			r.net_revenue_365, v.repeat_value,
			exists (
				select 1 from rc_spell s
				where s.generation = c.generation and s.customer_id = c.customer_id
					and s.start_day <= ${asOf}::date and s.end_day > ${asOf}::date
			) as active
		from rc_customer c
		left join lateral (
			select count(*) filter (where d.day > c.first_day) as x,
				max(d.day) as last_day,
				min(d.day) filter (where d.day > c.first_day) as second_day,
				count(*) filter (where d.day > c.first_day and d.day >= ${yearStart}::date) as days_365
			from rc_purchase_day d
			where d.generation = c.generation and d.customer_id = c.customer_id
				and d.day <= ${asOf}::date
		) p on true
		left join lateral (
			select sum(net_revenue) as net_revenue_365 from rc_revenue_day rd
			where rd.generation = c.generation and rd.customer_id = c.customer_id
				and rd.day between ${yearStart}::date and ${asOf}::date
		) r on true
		left join lateral (
			select avg(day_value) as repeat_value from (
				select sum(o.reporting_amount) as day_value
				from customer_order o
				where o.customer_id = c.customer_id and o.kind = 'order'
					and (o.ordered_at at time zone ${facts.timeZone})::date > c.first_day
					and (o.ordered_at at time zone ${facts.timeZone})::date <= ${asOf}::date
				group by (o.ordered_at at time zone ${facts.timeZone})::date
			) days
		) v on p.x > 0
		where c.generation = ${g}::int and ${which} and c.first_day <= ${asOf}::date
	`.execute(db);
	for (const row of rows.rows) {
		const lastDay = row.last_day && row.last_day > row.first_day ? row.last_day : row.first_day;
		inputs.push({
			customerId: Number(row.customer_id),
			firstDay: row.first_day,
			known: row.first_given || (knownFrom !== null && row.first_day >= knownFrom),
			x: Number(row.x),
			lastDays: daysBetween(row.first_day, lastDay),
			ageDays: daysBetween(row.first_day, asOf),
			secondGapDays: row.second_day ? daysBetween(row.first_day, row.second_day) : null,
			purchaseDays365: Number(row.days_365),
			netRevenue365: Number(row.net_revenue_365 ?? 0),
			meanRepeatValue: Number(row.repeat_value ?? 0),
			active: row.active
		});
	}
}

/** Whether an `order` row has a negative amount: refunds are not purchases, so no fit then. */
export async function findNegativeOrder(
	db: Kysely<DB>
): Promise<{ source: string; order_ref: string } | undefined> {
	return db
		.selectFrom('customer_order')
		.select(['source', 'order_ref'])
		.where('kind', '=', 'order')
		.where('amount', '<', '0')
		.limit(1)
		.executeTakeFirst();
}
