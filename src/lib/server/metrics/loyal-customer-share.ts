import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { activeOn, latestAt, loyalOn } from '../rollups/read';

export const loyalCustomerShare = defineMetric({
	id: 'loyal-customer-share',
	label: 'Loyal customer share',
	definition:
		'Of the customers active on the period’s last day, the share who bought on at least 3 different days in the 365 days up to it and are not detractors: their latest NPS answer in those 365 days is 7 or more, or they gave none.',
	unit: 'ratio',
	better: 'higher',
	async compute(db, { period, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const [active, loyal, asOf] = await Promise.all([
			activeOn(db, facts, period.to),
			loyalOn(db, facts, period.to),
			latestAt(db, 'order_rows', period.end, facts)
		]);
		if (active === 0) return { ...emptyFigures('No customer is active on this day.'), asOf };
		return {
			value: loyal / active,
			numerator: loyal,
			denominator: active,
			n: active,
			asOf,
			extra: { activeOn: period.to }
		};
	}
});
