import { unknownOnlyReason } from './average-order-value';
import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, knownFirstPurchaseFrom, NO_ORDERS_REASON } from './history';
import { addDays, startOfLocalDay } from './period';
import { activeOn, latestAt, purchaseDays } from '../rollups/read';
import { singlePurchaseExclusion } from '../rollups/single-purchase';

/** Purchase frequency looks back this many days from the period's end (PRODUCT.md §3). */
export const FREQUENCY_DAYS = 365;

export const purchaseFrequency = defineMetric({
	id: 'purchase-frequency',
	label: 'Purchase frequency',
	definition:
		'Purchase days in the 365 days up to the end of the period per active customer: how many separate days the average active customer bought on in a year. Two orders on one day count once. With "exclude single-purchase customers", the customers whose only purchase came more than 90 days before the period\'s last day (today while it runs) are left out of both — their first purchase is known (the source said when it was, or it came at least a year after the history start), fell on or before that day less 91 days, and no second purchase day followed by that day; such a customer has at most that one purchase day in the 365 days.',
	unit: 'count',
	better: 'higher',
	async compute(db, { period, settings, historyStart, facts, excludeSinglePurchase }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const from = addDays(period.to, -(FREQUENCY_DAYS - 1));
		let active = await activeOn(db, facts, period.to);
		let days = await purchaseDays(db, facts, startOfLocalDay(from, settings.timeZone), period.end);
		const asOf = await latestAt(db, 'order_rows', period.end, facts);
		let extra: Record<string, unknown> = {
			windowFrom: from,
			activeOn: period.to,
			...(from < historyStart ? { historyIncomplete: true } : {})
		};
		if (excludeSinglePurchase) {
			// A customer left out has one purchase day up to the period's end at most, their first:
			// active on the last day when it lies in the activity window, and counted in the 365
			// days when it lies in them.
			const knownFrom = knownFirstPurchaseFrom(historyStart);
			const left = await singlePurchaseExclusion(db, facts, period.to, knownFrom, {
				window: from,
				active: addDays(period.to, -(facts.activityWindowDays - 1))
			});
			extra = {
				...extra,
				excludeSinglePurchase: true,
				excludedCustomers: left.customers,
				excludedActiveCustomers: left.ranges.active.purchaseDays,
				excludedPurchaseDays: left.ranges.window.purchaseDays,
				unknownFirstPurchase: left.unknown,
				knownFirstPurchaseFrom: knownFrom
			};
			const reason = await unknownOnlyReason(db, facts, period.to, knownFrom, left.unknown);
			if (reason) return { ...emptyFigures(reason, extra), asOf };
			active -= left.ranges.active.purchaseDays;
			days -= left.ranges.window.purchaseDays;
		}
		if (active === 0) return { ...emptyFigures('No active customers.', extra), asOf };
		return { value: days / active, numerator: days, denominator: active, n: active, asOf, extra };
	}
});
