import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { purchaseDays, sumMeasure } from '../rollups/read';

/** PRODUCT.md §3: net revenue in P / purchase days in P. */
export const averageOrderValue = defineMetric({
	id: 'average-order-value',
	label: 'Average order value',
	definition:
		'Net revenue in the period (orders less refunds and cancellations, each on its own date, in the reporting currency) divided by the purchase days in it: a purchase day is a customer and a local date with at least one order, so two orders on one day count once.',
	unit: 'currency',
	better: 'higher',
	async compute(db, { period, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const revenue = await sumMeasure(db, 'net_revenue', period.start, period.end);
		const days = await purchaseDays(db, facts, period.start, period.end);
		if (days === 0) {
			return {
				...emptyFigures('No purchases in this period.', { netRevenue: revenue.value }),
				asOf: revenue.latestAt
			};
		}
		return {
			value: revenue.value / days,
			numerator: revenue.value,
			denominator: days,
			n: days,
			asOf: revenue.latestAt,
			extra: { netRevenue: revenue.value, purchaseDays: days }
		};
	}
});
