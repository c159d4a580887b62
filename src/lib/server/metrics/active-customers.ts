import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { addDays } from './period';
import { activeOn, latestAt } from '../rollups/read';

export const activeCustomers = defineMetric({
	id: 'active-customers',
	label: 'Active customers',
	definition:
		'Customers with at least one purchase in the activity window (by default the 365 days) up to the last day of the period — today while the period is under way. Refunds and cancellations do not count as purchases.',
	unit: 'count',
	better: 'higher',
	async compute(db, { period, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);

		const windowFrom = addDays(period.to, -(facts.activityWindowDays - 1));
		const active = await activeOn(db, facts, period.to);
		return {
			value: active,
			numerator: active,
			denominator: null,
			n: active,
			asOf: await latestAt(db, 'order_rows', period.end, facts),
			extra: {
				activeOn: period.to,
				windowFrom,
				windowDays: facts.activityWindowDays,
				...(windowFrom < historyStart ? { historyIncomplete: true } : {})
			}
		};
	}
});
