import { sql } from 'kysely';
import { defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { addDays, startOfLocalDay } from './period';

/**
 * PRODUCT.md §3 "Churn (lapse) rate": of the customers active on the day before the period, the
 * share who become lapsed on a date in it. A customer becomes lapsed on (purchase day L) + W when
 * no purchase comes on the days L+1 … L+W; a purchase on L+W itself keeps them active that day.
 */
export const churnRate = defineMetric({
	id: 'churn-rate',
	label: 'Churn rate',
	definition:
		'Of the customers active on the day before the period (a purchase in the activity window, by default 365 days), the share who became lapsed during it: a full activity window passed since their last purchase without a new one. While the period runs, lapses up to today count.',
	unit: 'ratio',
	better: 'lower',
	async compute(db, { period, settings, historyStart }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		const w = settings.activityWindowDays;
		const tz = settings.timeZone;
		// Purchase days from the base window's first day (the day before the period, minus W − 1)
		// to the period's end: enough to see every lapse date in the period.
		const from = addDays(period.from, -w);
		const result = await sql<{ base: number; lapsed: number; as_of: Date | null }>`
			with days as (
				select customer_id, (ordered_at at time zone ${tz})::date as day, max(ordered_at) as last_at
				from customer_order
				where kind = 'order'
					and ordered_at >= ${startOfLocalDay(from, tz)} and ordered_at < ${period.end}
				-- by position: the zone is a parameter, so the expression would not match
				group by 1, 2
			), ordered as (
				select customer_id, day, lead(day) over (partition by customer_id order by day) as next_day
				from days
			), base as (
				select distinct customer_id from days
				where day between ${from}::date and ${addDays(period.from, -1)}::date
			), lapsed as (
				select distinct o.customer_id
				from ordered o join base b on b.customer_id = o.customer_id
				where o.day + ${w}::int between ${period.from}::date and ${period.to}::date
					and (o.next_day is null or o.next_day > o.day + ${w}::int)
			)
			select (select count(*) from base)::int as base, (select count(*) from lapsed)::int as lapsed,
				(select max(last_at) from days) as as_of
		`.execute(db);
		const row = result.rows[0];
		const base = Number(row?.base ?? 0);
		const lapsed = Number(row?.lapsed ?? 0);
		const extra = {
			activeOn: addDays(period.from, -1),
			windowDays: w,
			...(from < historyStart ? { historyIncomplete: true } : {})
		};
		if (base === 0) {
			return {
				...emptyFigures('No customer was active on the day before this period.', extra),
				asOf: row?.as_of ? new Date(row.as_of) : null
			};
		}
		return {
			value: lapsed / base,
			numerator: lapsed,
			denominator: base,
			n: base,
			asOf: row?.as_of ? new Date(row.as_of) : null,
			extra
		};
	}
});
