import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import { activeOn, latestAt, multichannelOn } from '../rollups/read';

/** PRODUCT.md §3 "Engagement beyond open rates": customers who meet us in more than one place. */
export const multichannelEngagedShare = defineMetric({
	id: 'multichannel-engaged-share',
	label: 'Multichannel engaged share',
	definition:
		'Of the customers active on the period’s last day, the share with meaningful interactions in at least two channels in the 30 days up to it. Meaningful: human clicks, replies, visits and portal logins, orders, survey answers (channel "survey") and service contacts (calls, chats, cases opened), each in its own channel; opens and machine clicks do not count.',
	unit: 'ratio',
	better: 'higher',
	async compute(db, { period, historyStart, facts }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const [active, multichannel, asOf] = await Promise.all([
			activeOn(db, facts, period.to),
			multichannelOn(db, facts, period.to),
			latestAt(db, 'order_rows', period.end, facts)
		]);
		if (active === 0) return { ...emptyFigures('No customer is active on this day.'), asOf };
		return {
			value: multichannel / active,
			numerator: multichannel,
			denominator: active,
			n: active,
			asOf,
			extra: { activeOn: period.to }
		};
	}
});
