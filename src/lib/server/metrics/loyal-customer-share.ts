import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { GenerationSpec } from '../rollups/facts';
import {
	COMPUTING_REASON,
	defineMetric,
	emptyFigures,
	type MetricContext,
	type MetricFigures
} from './catalog-entry';
import { beforeHistory, NO_ORDERS_REASON } from './history';
import type { LocalDate } from './period';
import { activeOn, latestAt, loyalOn } from '../rollups/read';

/**
 * Of the customers active on the period's last day, the share in a state counted by `counted`
 * (loyal, multichannel): both from per-day transitions.
 */
export async function shareOfActive(
	db: Kysely<DB>,
	{ period, historyStart, facts }: MetricContext,
	counted: (db: Kysely<DB>, g: GenerationSpec, day: LocalDate) => Promise<number>
): Promise<MetricFigures> {
	if (!historyStart) return emptyFigures(NO_ORDERS_REASON);
	if (period.to < historyStart) return beforeHistory(historyStart);
	if (!facts) return emptyFigures(COMPUTING_REASON);
	const [active, numerator, asOf] = await Promise.all([
		activeOn(db, facts, period.to),
		counted(db, facts, period.to),
		latestAt(db, 'order_rows', period.end, facts)
	]);
	if (active === 0) return { ...emptyFigures('No customer is active on this day.'), asOf };
	return {
		value: numerator / active,
		numerator,
		denominator: active,
		n: active,
		asOf,
		extra: { activeOn: period.to }
	};
}

export const loyalCustomerShare = defineMetric({
	id: 'loyal-customer-share',
	label: 'Loyal customer share',
	definition:
		'Of the customers active on the period’s last day, the share who bought on at least 3 different days in the 365 days up to it and are not detractors: their latest NPS answer in those 365 days is 7 or more, or they gave none.',
	unit: 'ratio',
	better: 'higher',
	compute: (db, context) => shareOfActive(db, context, loyalOn)
});
