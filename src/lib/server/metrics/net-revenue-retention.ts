import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { sameDateYearEarlier } from './period';
import { latestAt, revenueRetention } from '../rollups/read';

/** PRODUCT.md §3 "Retention": what last year's buyers spend now against what they spent then. */
export const netRevenueRetention = defineMetric({
	id: 'net-revenue-retention',
	label: 'Net revenue retention',
	definition:
		'Net revenue in the period from the customers who bought on the same local dates a year earlier (29 February counts as 28 February), over their net revenue then. Refunds and cancellations count on their own dates. While the period is under way both ranges end on the same elapsed day.',
	unit: 'ratio',
	better: 'higher',
	async compute(db, { period, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		const before = { from: sameDateYearEarlier(period.from), to: sameDateYearEarlier(period.to) };
		if (before.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const [parts, asOf] = await Promise.all([
			revenueRetention(db, facts, before, { from: period.from, to: period.to }),
			latestAt(db, 'order_rows', period.end, facts)
		]);
		const extra = {
			yearEarlierFrom: before.from,
			yearEarlierTo: before.to,
			customers: parts.customers
		};
		if (parts.customers === 0 || parts.before <= 0) {
			return {
				...emptyFigures('No net revenue from buyers on these dates a year earlier.', extra),
				asOf
			};
		}
		return {
			value: parts.after / parts.before,
			numerator: parts.after,
			denominator: parts.before,
			n: parts.customers,
			asOf,
			extra
		};
	}
});
