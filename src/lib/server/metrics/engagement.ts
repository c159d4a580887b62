import {
	COMPUTING_REASON,
	defineMetric,
	emptyFigures,
	type MetricContext,
	type MetricEntry,
	type MetricFigures
} from './catalog-entry';
import { PROVISIONAL_DAYS } from './engagement-rules';
import { addDays, startOfLocalDay } from './period';
import { conversionTotals, messageTotals, type MessageTotals } from '../rollups/read';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

/**
 * The message rates of PRODUCT.md §3 "Engagement beyond open rates", over messages delivered in
 * the period. Each rate's numerator is a subset of its denominator, the messages delivered.
 */

const MESSAGE =
	'A message is one send to a customer on a channel (its message_ref) with a delivered event; its opens, clicks, replies, unsubscribes and complaints count from the delivery to 7 days after it.';
const MACHINE =
	'Machine opens (flagged by the sender, by a known privacy proxy, or within 2 s of delivery with no later human click) and machine clicks (flagged, by a known link scanner, or within 10 s of delivery) count nowhere; the two lists of agents are in the catalog.';
const PROVISIONAL = `Provisional until ${PROVISIONAL_DAYS.messages} days after the period ends.`;

const NO_MESSAGES =
	'No message was delivered in this period; messages count once a delivered event with a message_ref is imported.';

/** Whether a period's figures may still change, and from when they are final. */
function provisional(
	{ period, settings, now }: MetricContext,
	days: number
): { provisional: boolean; finalOn: string } {
	const finalOn = addDays(period.nominalTo, 1 + days);
	return {
		provisional: now < startOfLocalDay(finalOn, settings.timeZone),
		finalOn
	};
}

async function messagesOf(db: Kysely<DB>, context: MetricContext): Promise<MessageTotals> {
	return messageTotals(db, context.period.start, context.period.end, context.facts ?? undefined);
}

function dataQuality(totals: MessageTotals): Record<string, unknown> {
	return { undeliveredEvents: totals.undeliveredEvents };
}

function messageRate(options: {
	id: string;
	label: string;
	definition: string;
	better: 'higher' | 'lower';
	numerator: (totals: MessageTotals) => number;
	extra?: (totals: MessageTotals) => Record<string, unknown>;
}): MetricEntry {
	return defineMetric({
		id: options.id,
		label: options.label,
		definition: `${options.definition} ${MESSAGE} ${PROVISIONAL}`,
		unit: 'ratio',
		better: options.better,
		async compute(db, context): Promise<MetricFigures> {
			const totals = await messagesOf(db, context);
			const extra = {
				...provisional(context, PROVISIONAL_DAYS.messages),
				...dataQuality(totals),
				...options.extra?.(totals)
			};
			if (totals.delivered === 0)
				return { ...emptyFigures(NO_MESSAGES, extra), asOf: totals.latestAt };
			const numerator = options.numerator(totals);
			return {
				value: numerator / totals.delivered,
				numerator,
				denominator: totals.delivered,
				n: totals.delivered,
				asOf: totals.latestAt,
				extra
			};
		}
	});
}

export const rawOpenRate = messageRate({
	id: 'raw-open-rate',
	label: 'Raw open rate',
	definition:
		'Messages delivered in the period with any open, machine opens included, over the messages delivered: the figure mail tools report, inflated by privacy proxies that open everything. Shown beside the human open rate so the gap is visible.',
	better: 'higher',
	numerator: (t) => t.rawOpened,
	extra: (t) => ({ humanOpened: t.humanOpened })
});

export const humanOpenRate = messageRate({
	id: 'human-open-rate',
	label: 'Human open rate',
	definition: `Messages delivered in the period that a person opened, over the messages delivered. ${MACHINE}`,
	better: 'higher',
	numerator: (t) => t.humanOpened,
	extra: (t) => ({ rawOpened: t.rawOpened })
});

export const humanEngagementRate = messageRate({
	id: 'human-engagement-rate',
	label: 'Human engagement rate',
	definition: `Messages delivered in the period that a person opened, clicked or replied to, over the messages delivered. ${MACHINE}`,
	better: 'higher',
	numerator: (t) => t.humanEngaged
});

export const clickToDeliveredRate = messageRate({
	id: 'click-to-delivered-rate',
	label: 'Click-to-delivered rate',
	definition: `Messages delivered in the period with a human click, over the messages delivered. ${MACHINE}`,
	better: 'higher',
	numerator: (t) => t.humanClicked
});

export const replyRate = messageRate({
	id: 'reply-rate',
	label: 'Reply rate',
	definition: 'Messages delivered in the period that got a reply, over the messages delivered.',
	better: 'higher',
	numerator: (t) => t.replied
});

export const unsubscribeRate = messageRate({
	id: 'unsubscribe-rate',
	label: 'Unsubscribe rate',
	definition:
		'Messages delivered in the period through which the customer unsubscribed, over the messages delivered.',
	better: 'lower',
	numerator: (t) => t.unsubscribed
});

export const complaintRate = messageRate({
	id: 'complaint-rate',
	label: 'Complaint rate',
	definition:
		'Messages delivered in the period that the customer marked as spam (a complaint), over the messages delivered.',
	better: 'lower',
	numerator: (t) => t.complained
});

const ATTRIBUTION =
	'An order is attributed to the message holding the customer’s latest human click in the 168 hours before it (one message per order); its net revenue is the order’s amount with the refunds and cancellations that refer to it, in the reporting currency.';
const CONVERSION_PROVISIONAL = `Provisional until ${PROVISIONAL_DAYS.conversion} days after the period ends.`;

/** Messages delivered and the orders attributed to them, with the extra both figures give. */
async function attributed(db: Kysely<DB>, context: MetricContext) {
	const totals = await messagesOf(db, context);
	const conversions = context.facts
		? await conversionTotals(db, context.facts, context.period.start, context.period.end)
		: { converted: 0, netRevenue: 0 };
	const extra = {
		...provisional(context, PROVISIONAL_DAYS.conversion),
		...dataQuality(totals),
		converted: conversions.converted,
		attributedNetRevenue: conversions.netRevenue
	};
	return { totals, conversions, extra };
}

function attributionMetric(options: {
	id: string;
	label: string;
	definition: string;
	unit: 'ratio' | 'currency';
	figure: (converted: number, netRevenue: number, delivered: number) => [number, number, number];
}): MetricEntry {
	return defineMetric({
		id: options.id,
		label: options.label,
		definition: `${options.definition} ${ATTRIBUTION} ${MESSAGE} ${CONVERSION_PROVISIONAL}`,
		unit: options.unit,
		better: 'higher',
		async compute(db, context): Promise<MetricFigures> {
			if (!context.facts) return emptyFigures(COMPUTING_REASON);
			const { totals, conversions, extra } = await attributed(db, context);
			if (totals.delivered === 0) {
				return { ...emptyFigures(NO_MESSAGES, extra), asOf: totals.latestAt };
			}
			const [value, numerator, denominator] = options.figure(
				conversions.converted,
				conversions.netRevenue,
				totals.delivered
			);
			return { value, numerator, denominator, n: denominator, asOf: totals.latestAt, extra };
		}
	});
}

export const conversionRate = attributionMetric({
	id: 'conversion-rate',
	label: 'Conversion rate',
	definition:
		'Messages delivered in the period with at least one attributed order, over the messages delivered.',
	unit: 'ratio',
	figure: (converted, _revenue, delivered) => [converted / delivered, converted, delivered]
});

export const revenuePer1000Delivered = attributionMetric({
	id: 'revenue-per-1000-delivered',
	label: 'Revenue per 1,000 delivered',
	definition:
		'1,000 × the net revenue attributed to messages delivered in the period, over the messages delivered.',
	unit: 'currency',
	figure: (_converted, revenue, delivered) => [(1000 * revenue) / delivered, revenue, delivered]
});

export const ENGAGEMENT_METRICS: readonly MetricEntry[] = [
	rawOpenRate,
	humanOpenRate,
	humanEngagementRate,
	clickToDeliveredRate,
	replyRate,
	unsubscribeRate,
	complaintRate,
	conversionRate,
	revenuePer1000Delivered
];
