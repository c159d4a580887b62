import type { Insertable, Kysely } from 'kysely';
import type { DB, EventType, MessagePurpose } from '$lib/server/db/schema';
import { LINK_SCANNER_AGENTS, MACHINE_OPEN_AGENTS } from '$lib/server/metrics/engagement-rules';

/**
 * The engagement part of the rollups' property test: random messages with every edge the rules
 * have (opens at exactly 2 s, clicks at exactly 10 s, events before delivery and past 7 days,
 * flagged and agent-matched machines, undelivered messages, orders exactly 168 h after a click),
 * and a naive reference over the raw rows. Only the two agent lists (catalog data) are shared with
 * the rollups; the matching, the windows and the attribution are worked out here.
 */

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const BUCKET = 15 * 60 * SECOND;

const AGENTS = [
	null,
	'Mozilla/5.0',
	'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148',
	'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
	'Mimecast-URL-Protect/2.1',
	'proofpoint url defense',
	'Microsoft Outlook 16.0.18129'
];
const TYPES: EventType[] = [
	'opened',
	'opened',
	'opened',
	'clicked',
	'clicked',
	'replied',
	'unsubscribed',
	'complained'
];
const OFFSETS = [
	-60 * SECOND,
	SECOND,
	2 * SECOND,
	5 * SECOND,
	10 * SECOND,
	7 * DAY,
	7 * DAY + SECOND
];

let refNumber = 0;

/** Random messages and events for `ids`, and orders placed around their clicks. */
export async function addRandomMessages(
	db: Kysely<DB>,
	random: () => number,
	ids: readonly number[],
	instant: () => Date
): Promise<void> {
	const events: Insertable<DB['interaction_event']>[] = [];
	const orders: Insertable<DB['customer_order']>[] = [];
	const cases: Insertable<DB['service_case']>[] = [];
	for (const id of ids) {
		const messages = Math.floor(random() * 4);
		for (let m = 0; m < messages; m++) {
			const ref = `msg-${++refNumber}`;
			const channel = random() < 0.1 ? 'sms' : 'email';
			const delivered = instant();
			const purpose: MessagePurpose | null =
				random() < 0.6 ? 'marketing' : random() < 0.5 ? 'service' : null;
			const base = {
				customer_id: id,
				origin_customer_id: id,
				source: 'prop',
				channel,
				message_ref: ref,
				message_purpose: purpose
			};
			// now and then a service case around the delivery: open before it, resolved after it, at
			// its very instant, or never
			if (random() < 0.3) {
				const opened = new Date(delivered.getTime() - (random() < 0.2 ? 0 : random() * 5 * DAY));
				const r = random();
				// resolution times on the histogram's edges too: 48 h, exactly 7 days
				const edge = [48 * HOUR, 7 * DAY, HOUR, 0][Math.floor(random() * 4)]!;
				const resolved =
					r < 0.25
						? null
						: r < 0.4
							? delivered
							: r < 0.55
								? new Date(opened.getTime() + edge)
								: new Date(opened.getTime() + random() * 10 * DAY);
				cases.push({
					customer_id: id,
					origin_customer_id: id,
					source: 'prop',
					case_ref: `mc-${++refNumber}`,
					opened_at: opened,
					resolved_at: resolved,
					contacts: 1 + Math.floor(random() * 3),
					reopened: random() < 0.2,
					csat: random() < 0.5 ? null : 1 + Math.floor(random() * 5)
				});
			}
			if (random() < 0.85) {
				events.push({
					...base,
					event_ref: `e-${++refNumber}`,
					occurred_at: delivered,
					type: 'delivered'
				});
			}
			const count = Math.floor(random() * 5);
			for (let k = 0; k < count; k++) {
				const type = TYPES[Math.floor(random() * TYPES.length)]!;
				const offset =
					random() < 0.5
						? OFFSETS[Math.floor(random() * OFFSETS.length)]!
						: Math.floor(random() * 8 * DAY);
				const at = new Date(delivered.getTime() + offset);
				const flag = random() < 0.2 ? true : random() < 0.3 ? false : null;
				events.push({
					...base,
					event_ref: `e-${++refNumber}`,
					occurred_at: at,
					type,
					machine_open: type === 'opened' ? flag : null,
					machine_click: type === 'clicked' ? flag : null,
					user_agent: AGENTS[Math.floor(random() * AGENTS.length)] ?? null
				});
				if (type === 'clicked' && random() < 0.5) {
					const after = random() < 0.2 ? 168 * HOUR : random() < 0.5 ? 0 : random() * 200 * HOUR;
					const orderRef = `mo-${++refNumber}`;
					const amount = (5 + random() * 100).toFixed(2);
					const orderAt = new Date(at.getTime() + Math.floor(after));
					orders.push({
						customer_id: id,
						origin_customer_id: id,
						source: 'prop',
						order_ref: orderRef,
						kind: 'order',
						amount,
						currency: 'USD',
						reporting_amount: amount,
						ordered_at: orderAt
					});
					if (random() < 0.3) {
						const back = (-(1 + random() * 20)).toFixed(2);
						orders.push({
							customer_id: id,
							origin_customer_id: id,
							source: 'prop',
							order_ref: `mr-${++refNumber}`,
							kind: random() < 0.5 ? 'refund' : 'cancellation',
							amount: back,
							currency: 'USD',
							reporting_amount: back,
							refers_to: orderRef,
							ordered_at: new Date(orderAt.getTime() + 3 * DAY)
						});
					}
				}
			}
		}
	}
	for (let i = 0; i < events.length; i += 500) {
		await db
			.insertInto('interaction_event')
			.values(events.slice(i, i + 500))
			.execute();
	}
	if (orders.length) await db.insertInto('customer_order').values(orders).execute();
	if (cases.length) await db.insertInto('service_case').values(cases).execute();
}

interface RawEvent {
	customer_id: number;
	event_id: number;
	channel: string;
	type: string;
	message_ref: string | null;
	message_purpose: string | null;
	at: number;
	machine_open: boolean | null;
	machine_click: boolean | null;
	user_agent: string | null;
}

interface RawOrder {
	customer_id: number;
	source: string;
	order_ref: string;
	kind: string;
	amount: number;
	refers_to: string | null;
	at: number;
}

interface Message {
	bucket: number;
	delivered: boolean;
	rawOpen: boolean;
	humanOpen: boolean;
	humanClick: boolean;
	replied: boolean;
	unsubscribed: boolean;
	complained: boolean;
	undeliveredEvents: number;
	converted: boolean;
	revenue: number;
	conflicting: boolean;
}

export interface EngagementCounts {
	delivered: number;
	rawOpened: number;
	humanOpened: number;
	humanEngaged: number;
	humanClicked: number;
	replied: number;
	unsubscribed: number;
	complained: number;
	undeliveredEvents: number;
	converted: number;
	revenue: number;
	conflicting: number;
}

function matches(
	rules: readonly { pattern: string; match: string }[],
	agent: string | null
): boolean {
	if (agent === null) return false;
	for (const rule of rules) {
		if (rule.match === 'exact' && agent === rule.pattern) return true;
		if (rule.match === 'contains' && agent.toLowerCase().indexOf(rule.pattern.toLowerCase()) >= 0) {
			return true;
		}
	}
	return false;
}

export class EngagementReference {
	private readonly messages: Message[] = [];

	static async read(db: Kysely<DB>): Promise<EngagementReference> {
		const events = await db
			.selectFrom('interaction_event')
			.select([
				'customer_id',
				'event_id',
				'channel',
				'type',
				'message_ref',
				'message_purpose',
				'occurred_at',
				'machine_open',
				'machine_click',
				'user_agent'
			])
			.execute();
		const orders = await db
			.selectFrom('customer_order')
			.select([
				'customer_id',
				'source',
				'order_ref',
				'kind',
				'reporting_amount',
				'refers_to',
				'ordered_at'
			])
			.execute();
		const cases = await db
			.selectFrom('service_case')
			.select(['customer_id', 'opened_at', 'resolved_at'])
			.execute();
		return new EngagementReference(
			events.map((e) => ({
				...e,
				customer_id: Number(e.customer_id),
				event_id: Number(e.event_id),
				at: new Date(e.occurred_at).getTime()
			})),
			orders.map((o) => ({
				customer_id: Number(o.customer_id),
				source: o.source,
				order_ref: o.order_ref,
				kind: o.kind,
				amount: Number(o.reporting_amount),
				refers_to: o.refers_to,
				at: new Date(o.ordered_at).getTime()
			})),
			cases.map((c) => ({
				customer_id: Number(c.customer_id),
				opened: new Date(c.opened_at).getTime(),
				resolved: c.resolved_at === null ? null : new Date(c.resolved_at).getTime()
			}))
		);
	}

	private constructor(
		events: RawEvent[],
		orders: RawOrder[],
		cases: { customer_id: number; opened: number; resolved: number | null }[]
	) {
		const messageTypes = [
			'delivered',
			'opened',
			'clicked',
			'replied',
			'unsubscribed',
			'complained'
		];
		const byMessage = new Map<string, RawEvent[]>();
		for (const e of events) {
			if (e.message_ref === null || !messageTypes.includes(e.type)) continue;
			const key = JSON.stringify([e.customer_id, e.channel, e.message_ref]);
			const list = byMessage.get(key) ?? [];
			list.push(e);
			byMessage.set(key, list);
		}
		// every human click of a delivered message, per customer, for the attribution
		const clicksOf = new Map<number, { at: number; eventId: number; message: Message }[]>();
		for (const list of byMessage.values()) {
			const deliveries = list.filter((e) => e.type === 'delivered').map((e) => e.at);
			const opensAndClicks = list.filter((e) => e.type === 'opened' || e.type === 'clicked');
			if (deliveries.length === 0) {
				if (opensAndClicks.length === 0) continue;
				this.messages.push({
					...EMPTY,
					bucket: Math.floor(Math.min(...opensAndClicks.map((e) => e.at)) / BUCKET) * BUCKET,
					undeliveredEvents: opensAndClicks.length
				});
				continue;
			}
			const d = Math.min(...deliveries);
			const inWindow = (e: RawEvent) => e.at >= d && e.at <= d + 7 * DAY;
			const humanClicks = list.filter(
				(e) =>
					inWindow(e) &&
					e.type === 'clicked' &&
					e.machine_click !== true &&
					!matches(LINK_SCANNER_AGENTS, e.user_agent) &&
					e.at > d + 10 * SECOND
			);
			const lastClick = humanClicks.length ? Math.max(...humanClicks.map((e) => e.at)) : null;
			const humanOpen = list.some(
				(e) =>
					inWindow(e) &&
					e.type === 'opened' &&
					e.machine_open !== true &&
					!matches(MACHINE_OPEN_AGENTS, e.user_agent) &&
					!(e.at <= d + 2 * SECOND && (lastClick === null || lastClick <= e.at))
			);
			const has = (type: string) => list.some((e) => inWindow(e) && e.type === type);
			const customerId = list[0]!.customer_id;
			const marketing = list.some(
				(e) => e.type === 'delivered' && e.message_purpose === 'marketing'
			);
			const caseOpen = cases.some(
				(c) =>
					c.customer_id === customerId && c.opened <= d && (c.resolved === null || c.resolved > d)
			);
			const message: Message = {
				...EMPTY,
				bucket: Math.floor(d / BUCKET) * BUCKET,
				delivered: true,
				rawOpen: has('opened'),
				humanOpen,
				humanClick: humanClicks.length > 0,
				replied: has('replied'),
				unsubscribed: has('unsubscribed'),
				complained: has('complained'),
				conflicting: marketing && caseOpen
			};
			this.messages.push(message);
			const customer = list[0]!.customer_id;
			const clicks = clicksOf.get(customer) ?? [];
			for (const c of humanClicks) clicks.push({ at: c.at, eventId: c.event_id, message });
			clicksOf.set(customer, clicks);
		}
		for (const o of orders) {
			if (o.kind !== 'order') continue;
			let best: { at: number; eventId: number; message: Message } | null = null;
			for (const c of clicksOf.get(o.customer_id) ?? []) {
				if (c.at > o.at || c.at <= o.at - 168 * HOUR) continue;
				if (!best || c.at > best.at || (c.at === best.at && c.eventId > best.eventId)) best = c;
			}
			if (!best) continue;
			let net = o.amount;
			for (const r of orders) {
				if (
					r.kind !== 'order' &&
					r.customer_id === o.customer_id &&
					r.source === o.source &&
					r.refers_to === o.order_ref
				) {
					net += r.amount;
				}
			}
			best.message.converted = true;
			best.message.revenue += net;
		}
	}

	/** What messages delivered (bucketed) in [start, end) add up to. */
	counts(start: Date, end: Date): EngagementCounts {
		const total: EngagementCounts = {
			delivered: 0,
			rawOpened: 0,
			humanOpened: 0,
			humanEngaged: 0,
			humanClicked: 0,
			replied: 0,
			unsubscribed: 0,
			complained: 0,
			undeliveredEvents: 0,
			converted: 0,
			revenue: 0,
			conflicting: 0
		};
		for (const m of this.messages) {
			if (m.bucket < start.getTime() || m.bucket >= end.getTime()) continue;
			total.undeliveredEvents += m.undeliveredEvents;
			if (!m.delivered) continue;
			total.delivered++;
			if (m.rawOpen) total.rawOpened++;
			if (m.humanOpen) total.humanOpened++;
			if (m.humanOpen || m.humanClick || m.replied) total.humanEngaged++;
			if (m.humanClick) total.humanClicked++;
			if (m.replied) total.replied++;
			if (m.unsubscribed) total.unsubscribed++;
			if (m.complained) total.complained++;
			if (m.converted) total.converted++;
			if (m.conflicting) total.conflicting++;
			total.revenue += m.revenue;
		}
		return total;
	}
}

const EMPTY: Message = {
	bucket: 0,
	delivered: false,
	rawOpen: false,
	humanOpen: false,
	humanClick: false,
	replied: false,
	unsubscribed: false,
	complained: false,
	undeliveredEvents: 0,
	converted: false,
	revenue: 0,
	conflicting: false
};

export interface ServiceCounts {
	open: number;
	aged: number;
	resolved: number;
	firstContact: number;
	reopened: number;
	csatAnswers: number;
	satisfied: number;
	/** The ⌈n/2⌉-th smallest time to resolution, in hours, of the cases resolved in the range. */
	medianHours: number | null;
}

/** The service figures worked out from the raw cases. */
export async function serviceReference(
	db: Kysely<DB>
): Promise<(start: Date, end: Date) => ServiceCounts> {
	const cases = (
		await db
			.selectFrom('service_case')
			.select(['opened_at', 'resolved_at', 'contacts', 'reopened', 'csat'])
			.execute()
	).map((c) => ({
		opened: new Date(c.opened_at).getTime(),
		resolved: c.resolved_at === null ? null : new Date(c.resolved_at).getTime(),
		contacts: Number(c.contacts),
		reopened: c.reopened,
		csat: c.csat === null ? null : Number(c.csat)
	}));
	return (start, end) => {
		const e = end.getTime();
		const openAtEnd = cases.filter((c) => c.opened < e && !(c.resolved !== null && c.resolved < e));
		const inRange = cases.filter(
			(c) =>
				c.resolved !== null &&
				Math.floor(c.resolved / BUCKET) * BUCKET >= start.getTime() &&
				Math.floor(c.resolved / BUCKET) * BUCKET < e
		);
		const hours = inRange
			.map((c) => Math.max(0, (c.resolved as number) - c.opened) / HOUR)
			.sort((a, b) => a - b);
		return {
			open: openAtEnd.length,
			aged: openAtEnd.filter((c) => c.opened + 7 * DAY <= e).length,
			resolved: inRange.length,
			firstContact: inRange.filter((c) => c.contacts === 1 && !c.reopened).length,
			reopened: inRange.filter((c) => c.reopened).length,
			csatAnswers: inRange.filter((c) => c.csat !== null).length,
			satisfied: inRange.filter((c) => c.csat !== null && c.csat >= 4).length,
			medianHours: hours.length ? hours[Math.ceil(hours.length / 2) - 1]! : null
		};
	};
}
