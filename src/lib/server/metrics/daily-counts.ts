import type { RollupMeasure } from '../db/schema';
import { firstPurchases, sumMeasure } from '../rollups/read';
import { COMPUTING_REASON, defineMetric, emptyFigures, type MetricEntry } from './catalog-entry';
import { startOfLocalDay } from './period';

/**
 * The daily counts of PRODUCT.md §3: each is the figure for the period's last day — today while the
 * period is under way, and then its comparison's last day is cut at the same clock time (to the
 * quarter hour). Counts, so numerator = value and denominator = null; n = the value.
 */
function dailyCount(
	id: string,
	label: string,
	definition: string,
	measure: RollupMeasure,
	unit: 'count' | 'currency' = 'count'
): MetricEntry {
	return defineMetric({
		id,
		label,
		definition: `${definition} On the last day of the period: today while it is under way, compared with the same clock time of the comparison's last day.`,
		unit,
		better: 'higher',
		minN: 0,
		async compute(db, { period, settings }) {
			const sum = await sumMeasure(
				db,
				measure,
				startOfLocalDay(period.to, settings.timeZone),
				period.end
			);
			return {
				value: sum.value,
				numerator: sum.value,
				denominator: null,
				n: Math.abs(sum.value),
				asOf: sum.latestAt,
				extra: { day: period.to }
			};
		}
	});
}

export const purchasesToday = dailyCount(
	'purchases-today',
	'Purchases today',
	'Orders placed (rows of kind order; refunds and cancellations are not purchases).',
	'orders'
);

export const netRevenueToday = dailyCount(
	'net-revenue-today',
	'Net revenue today',
	'Orders less refunds and cancellations dated that day, in the reporting currency.',
	'net_revenue',
	'currency'
);

export const messagesDeliveredToday = dailyCount(
	'messages-delivered-today',
	'Messages delivered today',
	'Delivery events of messages on every channel.',
	'delivered'
);

export const casesOpenedToday = dailyCount(
	'cases-opened-today',
	'Cases opened today',
	'Service cases opened.',
	'cases_opened'
);

export const surveyAnswersToday = dailyCount(
	'survey-answers-today',
	'Survey answers today',
	'Survey responses received (NPS, CSAT or effort).',
	'survey_answers'
);

export const newCustomersToday = defineMetric({
	id: 'new-customers-today',
	label: 'New customers today',
	definition:
		'Customers whose first purchase was on the last day of the period (today while it is under way); a customer the source says bought before is not new. The comparison takes its whole last day: first purchases are kept per day.',
	unit: 'count',
	better: 'higher',
	minN: 0,
	async compute(db, { period, facts }) {
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const days = await firstPurchases(db, facts, period.to, period.to);
		const value = days.reduce((sum, day) => sum + day.customers, 0);
		return {
			value,
			numerator: value,
			denominator: null,
			n: value,
			asOf: null,
			extra: { day: period.to }
		};
	}
});
