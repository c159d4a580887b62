import { COMPUTING_REASON, defineMetric, emptyFigures } from './catalog-entry';
import { contactPressure, latestAt, messageTotals } from '../rollups/read';

/**
 * PRODUCT.md §3 "Service and experience": the command center as the customer's advocate against
 * aggressive or creepy contact.
 */
export const contactPressureOverCap = defineMetric({
	id: 'contact-pressure-over-cap',
	label: 'Over the contact cap',
	definition:
		'Of the customers sent at least one marketing message delivered in the period, the share who got more than the frequency cap (a setting, 4 by default) in some ISO week (Monday to Sunday, in the organization’s time zone) with a day in the period; such weeks count in full, also the days outside the period. A message counts on the date of its delivery. Also shown: marketing messages per customer per week over those weeks.',
	unit: 'ratio',
	better: 'lower',
	async compute(db, { period, facts, settings }) {
		if (!facts) return emptyFigures(COMPUTING_REASON);
		const cap = settings.frequencyCapPerWeek;
		const [pressure, asOf] = await Promise.all([
			contactPressure(db, facts, period.from, period.to, cap),
			latestAt(db, 'delivered', period.end, facts)
		]);
		const extra = {
			cap,
			weeks: pressure.weeks,
			messages: pressure.messages,
			messagesPerCustomerWeek:
				pressure.customers > 0 ? pressure.messages / (pressure.customers * pressure.weeks) : null
		};
		if (pressure.customers === 0) {
			return { ...emptyFigures('No marketing message was delivered in this period.', extra), asOf };
		}
		return {
			value: pressure.overCap / pressure.customers,
			numerator: pressure.overCap,
			denominator: pressure.customers,
			n: pressure.customers,
			asOf,
			extra
		};
	}
});

export const consentViolations = defineMetric({
	id: 'consent-violations',
	label: 'Consent violations',
	definition:
		'Marketing messages delivered in the period to a customer who had opted out of that channel: their latest consent change for the channel at or before the delivery (from any source) was an opt-out; an opt-out and an opt-in at the same instant count as an opt-out. A customer with no consent record for the channel is not counted.',
	unit: 'count',
	better: 'lower',
	// every violation is worth seeing
	minN: 0,
	async compute(db, { period, facts }) {
		const totals = await messageTotals(db, period.start, period.end, facts ?? undefined);
		return {
			value: totals.consentViolations,
			numerator: totals.consentViolations,
			denominator: null,
			n: totals.consentViolations,
			asOf: totals.latestAt,
			extra: { deliveredMessages: totals.delivered }
		};
	}
});
