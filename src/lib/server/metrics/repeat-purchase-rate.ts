import { sql } from 'kysely';
import { defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, knownFirstPurchaseFrom, NO_ORDERS_REASON } from './history';
import { addDays, localDateOf } from './period';

/** Days after the first purchase day in which a second one counts as a repeat. */
export const REPEAT_WINDOW_DAYS = 90;
/** A customer is matured from first purchase + 91 days. */
export const MATURITY_DAYS = REPEAT_WINDOW_DAYS + 1;

interface CohortRow {
	first_purchasers: number;
	unknown_first: number;
	maturing: number;
	matured: number;
	repeated: number;
	last_first_day: string | null;
}

export const repeatPurchaseRate = defineMetric({
	id: 'repeat-purchase-rate',
	label: 'Repeat purchase rate',
	definition:
		'Of the customers whose first purchase fell in the period, the share who came back to buy on another day within 90 days. Customers count once their 90 days have passed ("matured"); until then they are reported as maturing. Only customers whose first purchase is known take part: the source said when it was, or it came at least a year after the history start.',
	unit: 'ratio',
	better: 'higher',
	async compute(db, { period, settings, historyStart, now }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);

		const tz = settings.timeZone;
		const latest = await db
			.selectFrom('customer_order')
			.where('ordered_at', '<=', now)
			.select((eb) => eb.fn.max('ordered_at').as('as_of'))
			.executeTakeFirst();
		const asOf = latest?.as_of ? new Date(latest.as_of) : null;
		if (!asOf) return emptyFigures(NO_ORDERS_REASON);
		const asOfDay = localDateOf(asOf, tz);
		const knownFrom = knownFirstPurchaseFrom(historyStart);

		// Purchase days come from `order` rows only; the first purchase is the earliest of the
		// source's first_order_at and the customer's earliest order.
		const result = await sql<CohortRow>`
			with purchase_day as (
				select customer_id, (ordered_at at time zone ${tz})::date as day, min(ordered_at) as first_at
				from customer_order
				where kind = 'order' and ordered_at <= ${asOf}
				group by 1, 2
			),
			earliest as (
				select customer_id, min(first_at) as first_order_at
				from purchase_day
				group by customer_id
			),
			first_purchase as (
				select
					c.customer_id,
					least(e.first_order_at, g.given_at) as first_at,
					g.given_at is not null as given_by_source,
					(e.first_order_at at time zone ${tz})::date as earliest_order_day
				from customer c
				cross join lateral (
					select coalesce(c.first_order_at, (c.first_order_on::timestamp at time zone ${tz})) as given_at
				) g
				left join earliest e on e.customer_id = c.customer_id
				where c.merged_into is null and (e.first_order_at is not null or g.given_at is not null)
			),
			cohort as (
				select
					f.customer_id,
					(f.first_at at time zone ${tz})::date as first_day,
					f.given_by_source or f.earliest_order_day >= ${knownFrom}::date as known
				from first_purchase f
				where f.first_at >= ${period.start} and f.first_at < ${period.end}
			),
			repeater as (
				select c.customer_id
				from cohort c
				join purchase_day p on p.customer_id = c.customer_id
				where p.day between c.first_day + 1 and c.first_day + ${REPEAT_WINDOW_DAYS}::int
				group by c.customer_id
			),
			judged as (
				select
					c.known,
					c.first_day,
					c.first_day + ${MATURITY_DAYS}::int <= ${asOfDay}::date as matured,
					r.customer_id is not null as repeated
				from cohort c
				left join repeater r on r.customer_id = c.customer_id
			)
			select
				count(*)::int as first_purchasers,
				count(*) filter (where not known)::int as unknown_first,
				count(*) filter (where known and not matured)::int as maturing,
				count(*) filter (where known and matured)::int as matured,
				count(*) filter (where known and matured and repeated)::int as repeated,
				max(first_day) filter (where known)::text as last_first_day
			from judged
		`.execute(db);

		const row = result.rows[0];
		const matured = Number(row?.matured ?? 0);
		const repeated = Number(row?.repeated ?? 0);
		const maturing = Number(row?.maturing ?? 0);
		const unknownFirst = Number(row?.unknown_first ?? 0);
		const lastFirstDay = row?.last_first_day ?? null;
		const fullyMatured = maturing === 0 && !period.partial;
		const extra: Record<string, unknown> = {
			maturing,
			unknownFirstPurchase: unknownFirst,
			fullyMatured,
			knownFirstPurchaseFrom: knownFrom
		};
		if (!fullyMatured) {
			const lastPossibleFirstDay = period.partial ? period.nominalTo : (lastFirstDay ?? period.to);
			extra.maturesOn = addDays(lastPossibleFirstDay, MATURITY_DAYS);
		}

		if (matured === 0) {
			const reason =
				maturing > 0
					? `None of this period's first purchasers has matured yet (90 days after the first purchase); it matures on ${String(extra.maturesOn)}.`
					: `No customer with a known first purchase bought for the first time in this period; first purchases are known from ${knownFrom} on, or when the source gives first_order_at.`;
			return { ...emptyFigures(reason, extra), asOf };
		}
		return {
			value: repeated / matured,
			numerator: repeated,
			denominator: matured,
			n: matured,
			asOf,
			extra
		};
	}
});
