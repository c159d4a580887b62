import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { beforeHistory, knownFirstPurchaseFrom, NO_ORDERS_REASON } from './history';
import { addDays, type LocalDate } from './period';
import type { GenerationSpec } from '../rollups/facts';
import { firstPurchases, purchaseDays, sumMeasure } from '../rollups/read';
import {
	excludedLaterRevenue,
	SINGLE_PURCHASE_AFTER_DAYS,
	singlePurchaseExclusion
} from '../rollups/single-purchase';

/** PRODUCT.md §3: net revenue in P / purchase days in P. */
export const averageOrderValue = defineMetric({
	id: 'average-order-value',
	label: 'Average order value',
	definition:
		'Net revenue in the period (orders less refunds and cancellations, each on its own date, in the reporting currency) divided by the purchase days in it: a purchase day is a customer and a local date with at least one order, so two orders on one day count once. With "exclude single-purchase customers", the customers whose only purchase came more than 90 days before the period\'s last day (today while it runs) are left out — their first purchase is known (the source said when it was, or it came at least a year after the history start), fell on or before that day less 91 days, and no second purchase day followed by that day — together with their revenue in the period (refunds and cancellations included) and their purchase days.',
	unit: 'currency',
	better: 'higher',
	async compute(db, { period, historyStart, facts, excludeSinglePurchase }) {
		if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
		if (period.to < historyStart) return beforeHistory(historyStart);
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const revenue = await sumMeasure(db, 'net_revenue', period.start, period.end);
		let netRevenue = revenue.value;
		let days = await purchaseDays(db, facts, period.start, period.end);
		let extra: Record<string, unknown> = {};
		if (excludeSinglePurchase) {
			const knownFrom = knownFirstPurchaseFrom(historyStart);
			const left = await singlePurchaseExclusion(db, facts, period.to, knownFrom, {
				period: period.from
			});
			const later = await excludedLaterRevenue(
				db,
				facts,
				period.to,
				knownFrom,
				period.start,
				period.end
			);
			const excludedNetRevenue = left.ranges.period.netRevenue + later;
			extra = {
				excludeSinglePurchase: true,
				excludedCustomers: left.customers,
				excludedPurchaseDays: left.ranges.period.purchaseDays,
				excludedNetRevenue,
				unknownFirstPurchase: left.unknown,
				knownFirstPurchaseFrom: knownFrom
			};
			const reason = await unknownOnlyReason(db, facts, period.to, knownFrom, left.unknown);
			if (reason) return { ...emptyFigures(reason, extra), asOf: revenue.latestAt };
			netRevenue -= excludedNetRevenue;
			days -= left.ranges.period.purchaseDays;
		}
		if (days === 0) {
			return {
				...emptyFigures('No purchases in this period.', { ...extra, netRevenue }),
				asOf: revenue.latestAt
			};
		}
		return {
			value: netRevenue / days,
			numerator: netRevenue,
			denominator: days,
			n: days,
			asOf: revenue.latestAt,
			extra: { ...extra, netRevenue, purchaseDays: days }
		};
	}
});

/**
 * With the exclude-single-purchase switch, a period in which one-off buyers would be left out but
 * no customer old enough to be judged has a known first purchase is empty (PRODUCT.md §3 "History
 * start"): the switch cannot tell them apart. Null when the figure stands.
 */
export async function unknownOnlyReason(
	db: Kysely<DB>,
	facts: GenerationSpec,
	lastDay: LocalDate,
	knownFrom: LocalDate,
	unknown: number
): Promise<string | null> {
	if (unknown === 0) return null;
	const judged = await firstPurchases(
		db,
		facts,
		'0001-01-01',
		addDays(lastDay, -SINGLE_PURCHASE_AFTER_DAYS)
	);
	if (judged.some((day) => day.customers > 0 && (day.given || day.firstDay >= knownFrom))) {
		return null;
	}
	return `No customer who bought more than 90 days before ${lastDay} has a known first purchase, so single-purchase customers cannot be told apart; first purchases are known from ${knownFrom} on, or when the source gives first_order_at.`;
}
