import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { addDays, startOfLocalDay } from './period';
import { activeOn, latestAt, purchaseDays } from '../rollups/read';

/** Purchase frequency looks back this many days from the period's end (PRODUCT.md §3). */
export const FREQUENCY_DAYS = 365;

export const purchaseFrequency = defineMetric({
	id: 'purchase-frequency',
	label: 'Purchase frequency',
	definition:
		'Purchase days in the 365 days up to the end of the period per active customer: how many separate days the average active customer bought on in a year. Two orders on one day count once.',
	unit: 'count',
	better: 'higher',
	async compute(db, { period, settings, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const from = addDays(period.to, -(FREQUENCY_DAYS - 1));
		const active = await activeOn(db, facts, period.to);
		const days = await purchaseDays(
			db,
			facts,
			startOfLocalDay(from, settings.timeZone),
			period.end
		);
		const asOf = await latestAt(db, 'order_rows', period.end, facts);
		const extra = {
			windowFrom: from,
			activeOn: period.to,
			...(from < historyStart ? { historyIncomplete: true } : {})
		};
		if (active === 0) return { ...emptyFigures('No active customers.', extra), asOf };
		return { value: days / active, numerator: days, denominator: active, n: active, asOf, extra };
	}
});
