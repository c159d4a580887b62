import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { addDays, daysBetween } from './period';
import { activeOn, lapsedFromBase, latestAt } from '../rollups/read';

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
	async compute(db, { period, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const w = facts.activityWindowDays;
		const activeDay = addDays(period.from, -1);
		const base = await activeOn(db, facts, activeDay);
		const asOf = await latestAt(db, 'order_rows', period.end, facts);
		const extra = {
			activeOn: activeDay,
			windowDays: w,
			...(addDays(period.from, -w) < historyStart ? { historyIncomplete: true } : {})
		};
		if (base === 0) {
			return {
				...emptyFigures('No customer was active on the day before this period.', extra),
				asOf
			};
		}
		const length = daysBetween(period.from, period.to) + 1;
		const lapsed = await lapsedFromBase(db, facts, period.from, period.to, length);
		return { value: lapsed / base, numerator: lapsed, denominator: base, n: base, asOf, extra };
	}
});
