import { sql } from 'kysely';
import { defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { addDays, startOfLocalDay } from './period';

export const activeCustomers = defineMetric({
	id: 'active-customers',
	label: 'Active customers',
	definition:
		'Customers with at least one purchase in the activity window (by default the 365 days) up to the last day of the period — today while the period is under way. Refunds and cancellations do not count as purchases.',
	unit: 'count',
	better: 'higher',
	async compute(db, { period, settings, historyStart }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);

		const windowFrom = addDays(period.to, -(settings.activityWindowDays - 1));
		const row = await db
			.selectFrom('customer_order')
			.where('kind', '=', 'order')
			.where('ordered_at', '>=', startOfLocalDay(windowFrom, settings.timeZone))
			.where('ordered_at', '<', period.end)
			.select([
				sql<number>`count(distinct customer_id)::int`.as('active'),
				(eb) => eb.fn.max('ordered_at').as('as_of')
			])
			.executeTakeFirstOrThrow();

		const active = Number(row.active);
		return {
			value: active,
			numerator: active,
			denominator: null,
			n: active,
			asOf: row.as_of ? new Date(row.as_of) : null,
			extra: {
				activeOn: period.to,
				windowFrom,
				windowDays: settings.activityWindowDays,
				...(windowFrom < historyStart ? { historyIncomplete: true } : {})
			}
		};
	}
});
