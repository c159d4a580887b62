import { defineMetric } from './catalog-entry';
import { messageTotals } from '../rollups/read';

/** PRODUCT.md §3 "Service and experience": selling to a customer whose problem is still open. */
export const conflictingContacts = defineMetric({
	id: 'conflicting-contacts',
	label: 'Conflicting contacts',
	definition:
		'Marketing messages delivered in the period while the customer had a service case open (opened before the delivery and not resolved by then): the "calling to sell the day after a terrible service call" failure. A message counts at its delivery, as in the engagement rates.',
	unit: 'count',
	better: 'lower',
	// a count of failures: even a few are worth seeing
	minN: 0,
	async compute(db, { period, facts }) {
		const totals = await messageTotals(db, period.start, period.end, facts ?? undefined);
		return {
			value: totals.conflicting,
			numerator: totals.conflicting,
			denominator: null,
			n: totals.conflicting,
			asOf: totals.latestAt,
			extra: { deliveredMessages: totals.delivered }
		};
	}
});
