import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, knownFirstPurchaseFrom, NO_ORDERS_REASON } from './history';
import { addDays, localDateOf } from './period';
import { firstPurchases, latestAt } from '../rollups/read';
import { REPEAT_WINDOW_DAYS } from '../rollups/facts';

export { REPEAT_WINDOW_DAYS };
/** A customer is matured from first purchase + 91 days. */
export const MATURITY_DAYS = REPEAT_WINDOW_DAYS + 1;

export const repeatPurchaseRate = defineMetric({
	id: 'repeat-purchase-rate',
	label: 'Repeat purchase rate',
	definition:
		'Of the customers whose first purchase fell in the period, the share who came back to buy on another day within 90 days. Customers count once their 90 days have passed ("matured"); until then they are reported as maturing. Only customers whose first purchase is known take part: the source said when it was, or it came at least a year after the history start.',
	unit: 'ratio',
	better: 'higher',
	async compute(db, { period, historyStart, now, facts, settings }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);

		const asOf = await latestAt(db, 'order_rows', now, facts);
		if (!asOf) return emptyFigures(NO_ORDERS_REASON);
		const asOfDay = localDateOf(asOf, settings.timeZone);
		const knownFrom = knownFirstPurchaseFrom(historyStart);

		// The cohort: first purchase (the earlier of the source's first_order_at and the earliest
		// purchase day) in the period; known when the source gave it or it is on or after knownFrom.
		let matured = 0;
		let repeated = 0;
		let maturing = 0;
		let unknownFirst = 0;
		let lastFirstDay: string | null = null;
		for (const day of await firstPurchases(db, facts, period.from, period.to)) {
			if (!day.given && day.firstDay < knownFrom) {
				unknownFirst += day.customers;
				continue;
			}
			lastFirstDay = day.firstDay;
			if (addDays(day.firstDay, MATURITY_DAYS) <= asOfDay) {
				matured += day.customers;
				repeated += day.repeaters;
			} else {
				maturing += day.customers;
			}
		}
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
