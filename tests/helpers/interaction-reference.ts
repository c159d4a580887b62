import type { Insertable, Kysely } from 'kysely';
import type { DB, EventType } from '$lib/server/db/schema';
import { LINK_SCANNER_AGENTS } from '$lib/server/metrics/engagement-rules';

/**
 * The property test's part for net revenue retention, contact pressure, consent violations and
 * the multichannel share: random interactions, consent changes (some at the very instant of a
 * delivery) and bursts of marketing messages across ISO weeks, and a naive reference over the raw
 * rows. Only the link-scanner list (catalog data) is shared with the rollups.
 */

const SECOND = 1000;
const DAY = 86_400 * SECOND;
const BUCKET = 15 * 60 * SECOND;

let refNumber = 0;

const TOUCHES: EventType[] = ['visit', 'portal_login', 'call', 'chat', 'replied', 'clicked'];
const CHANNELS = ['web', 'app', 'chat', 'phone', 'email', 'sms'];

/** Random touches, channelled orders, consent changes and bursts of marketing messages. */
export async function addRandomInteractions(
	db: Kysely<DB>,
	random: () => number,
	ids: readonly number[],
	instant: () => Date
): Promise<void> {
	const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
	const events: Insertable<DB['interaction_event']>[] = [];
	const orders: Insertable<DB['customer_order']>[] = [];
	const consents: Insertable<DB['consent']>[] = [];
	const deliveries = await db
		.selectFrom('interaction_event')
		.where('type', '=', 'delivered')
		.where('customer_id', 'in', [...ids])
		.select(['customer_id', 'channel', 'occurred_at'])
		.execute();
	for (const id of ids) {
		const base = { customer_id: id, origin_customer_id: id, source: 'prop' };
		for (let k = Math.floor(random() * 5); k > 0; k--) {
			const type = pick(TOUCHES);
			events.push({
				...base,
				event_ref: `ie-${++refNumber}`,
				occurred_at: instant(),
				channel: pick(CHANNELS),
				type,
				machine_click: type === 'clicked' && random() < 0.3 ? true : null,
				user_agent: type === 'clicked' && random() < 0.2 ? 'Mimecast-URL-Protect/2.1' : null
			});
		}
		if (random() < 0.4) {
			const amount = (5 + random() * 50).toFixed(2);
			orders.push({
				...base,
				order_ref: `io-${++refNumber}`,
				kind: 'order',
				amount,
				currency: 'USD',
				reporting_amount: amount,
				channel: pick(['web', 'store', 'app']),
				ordered_at: instant()
			});
		}
		// a burst of marketing messages on consecutive days, across a week's edge now and then
		if (random() < 0.3) {
			const start = instant().getTime();
			const channel = random() < 0.7 ? 'email' : 'sms';
			for (let d = 3 + Math.floor(random() * 5); d > 0; d--) {
				const ref = `burst-${++refNumber}`;
				events.push({
					...base,
					event_ref: `ie-${++refNumber}`,
					occurred_at: new Date(start + d * DAY),
					channel,
					type: 'delivered',
					message_ref: ref,
					message_purpose: 'marketing'
				});
			}
		}
		// consent changes: at random instants, or at the very instant of one of the deliveries
		const own = deliveries.filter((e) => e.customer_id === id);
		for (let k = Math.floor(random() * 3); k > 0; k--) {
			const at = own.length && random() < 0.4 ? new Date(pick(own).occurred_at) : instant();
			consents.push({
				...base,
				channel: own.length && random() < 0.5 ? pick(own).channel : pick(['email', 'sms']),
				status: random() < 0.6 ? 'opted_out' : 'opted_in',
				changed_at: at
			});
		}
	}
	for (let i = 0; i < events.length; i += 500) {
		await db
			.insertInto('interaction_event')
			.values(events.slice(i, i + 500))
			.execute();
	}
	if (orders.length) await db.insertInto('customer_order').values(orders).execute();
	if (consents.length) await db.insertInto('consent').values(consents).execute();
}

function localDate(at: number, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(new Date(at));
}

function shift(day: string, n: number): string {
	return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

function mondayOf(day: string): string {
	const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
	return shift(day, -((weekday + 6) % 7));
}

interface MarketingMessage {
	customer: number;
	channel: string;
	delivered: number;
	day: string;
	marketing: boolean;
}

export class InteractionReference {
	private readonly messages: MarketingMessage[] = [];
	private readonly consents = new Map<string, { at: number; optedOut: boolean }[]>();
	/** customer → local date → net revenue */
	private readonly revenue = new Map<number, Map<string, number>>();
	/** customer → local purchase days */
	private readonly purchaseDays = new Map<number, Set<string>>();
	/** customer → [local date, channel] of each meaningful interaction */
	private readonly touches = new Map<number, [string, string][]>();

	private constructor(private readonly tz: string) {}

	static async read(db: Kysely<DB>, tz: string): Promise<InteractionReference> {
		const ref = new InteractionReference(tz);
		const events = await db
			.selectFrom('interaction_event')
			.select([
				'customer_id',
				'channel',
				'type',
				'message_ref',
				'message_purpose',
				'occurred_at',
				'machine_click',
				'user_agent'
			])
			.execute();
		// each message's first delivery, and whether a marketing delivery is among its events
		const firstDelivery = new Map<string, { at: number; marketing: boolean }>();
		for (const e of events) {
			if (e.type !== 'delivered' || e.message_ref === null) continue;
			const key = JSON.stringify([e.customer_id, e.channel, e.message_ref]);
			const at = new Date(e.occurred_at).getTime();
			const seen = firstDelivery.get(key);
			const marketing = e.message_purpose === 'marketing';
			if (!seen) firstDelivery.set(key, { at, marketing });
			else {
				seen.at = Math.min(seen.at, at);
				seen.marketing ||= marketing;
			}
		}
		for (const [key, message] of firstDelivery) {
			const [customer, channel] = JSON.parse(key) as [number, string, string];
			ref.messages.push({
				customer,
				channel,
				delivered: message.at,
				day: localDate(message.at, tz),
				marketing: message.marketing
			});
		}
		const touch = (customer: number, at: number, channel: string) => {
			const list = ref.touches.get(customer) ?? [];
			list.push([localDate(at, tz), channel]);
			ref.touches.set(customer, list);
		};
		const scanner = (agent: string | null) =>
			agent !== null &&
			LINK_SCANNER_AGENTS.some((rule) =>
				rule.match === 'exact'
					? agent === rule.pattern
					: agent.toLowerCase().includes(rule.pattern.toLowerCase())
			);
		for (const e of events) {
			const at = new Date(e.occurred_at).getTime();
			if (['replied', 'visit', 'portal_login', 'call', 'chat'].includes(e.type)) {
				touch(e.customer_id, at, e.channel);
			} else if (e.type === 'clicked') {
				if (e.machine_click === true || scanner(e.user_agent)) continue;
				const delivery =
					e.message_ref === null
						? undefined
						: firstDelivery.get(JSON.stringify([e.customer_id, e.channel, e.message_ref]));
				if (delivery && at <= delivery.at + 10 * SECOND) continue;
				touch(e.customer_id, at, e.channel);
			}
		}
		for (const c of await db
			.selectFrom('service_case')
			.select(['customer_id', 'opened_at', 'channel'])
			.execute()) {
			touch(c.customer_id, new Date(c.opened_at).getTime(), c.channel ?? 'service');
		}
		for (const a of await db
			.selectFrom('survey_response')
			.select(['customer_id', 'responded_at'])
			.execute()) {
			touch(a.customer_id, new Date(a.responded_at).getTime(), 'survey');
		}
		for (const o of await db
			.selectFrom('customer_order')
			.select(['customer_id', 'kind', 'reporting_amount', 'ordered_at', 'channel'])
			.execute()) {
			const at = new Date(o.ordered_at).getTime();
			const day = localDate(at, tz);
			const byDay = ref.revenue.get(o.customer_id) ?? new Map<string, number>();
			byDay.set(day, (byDay.get(day) ?? 0) + Number(o.reporting_amount));
			ref.revenue.set(o.customer_id, byDay);
			if (o.kind === 'order') {
				const days = ref.purchaseDays.get(o.customer_id) ?? new Set<string>();
				days.add(day);
				ref.purchaseDays.set(o.customer_id, days);
				touch(o.customer_id, at, o.channel ?? 'orders');
			}
		}
		for (const c of await db
			.selectFrom('consent')
			.select(['customer_id', 'channel', 'status', 'changed_at'])
			.execute()) {
			const key = JSON.stringify([c.customer_id, c.channel]);
			const list = ref.consents.get(key) ?? [];
			list.push({ at: new Date(c.changed_at).getTime(), optedOut: c.status === 'opted_out' });
			ref.consents.set(key, list);
		}
		return ref;
	}

	/** Marketing messages delivered in [start, end) (by 15-minute bucket) while opted out. */
	consentViolations(start: Date, end: Date): number {
		let n = 0;
		for (const m of this.messages) {
			if (!m.marketing) continue;
			const bucket = Math.floor(m.delivered / BUCKET) * BUCKET;
			if (bucket < start.getTime() || bucket >= end.getTime()) continue;
			let latest: { at: number; optedOut: boolean } | null = null;
			for (const c of this.consents.get(JSON.stringify([m.customer, m.channel])) ?? []) {
				if (c.at > m.delivered) continue;
				if (!latest || c.at > latest.at || (c.at === latest.at && c.optedOut)) latest = c;
			}
			if (latest?.optedOut) n++;
		}
		return n;
	}

	/** Contact pressure over the local dates [from, to] with a cap. */
	contactPressure(from: string, to: string, cap: number) {
		const firstWeek = mondayOf(from);
		const lastWeek = mondayOf(to);
		const perCustomer = new Map<number, { inRange: boolean; weeks: Map<string, number> }>();
		for (const m of this.messages) {
			if (!m.marketing) continue;
			const week = mondayOf(m.day);
			if (week < firstWeek || week > lastWeek) continue;
			const c = perCustomer.get(m.customer) ?? { inRange: false, weeks: new Map() };
			c.inRange ||= m.day >= from && m.day <= to;
			c.weeks.set(week, (c.weeks.get(week) ?? 0) + 1);
			perCustomer.set(m.customer, c);
		}
		let customers = 0;
		let overCap = 0;
		let messages = 0;
		for (const c of perCustomer.values()) {
			if (!c.inRange) continue;
			customers++;
			if ([...c.weeks.values()].some((n) => n > cap)) overCap++;
			for (const n of c.weeks.values()) messages += n;
		}
		let weeks = 0;
		for (let w = firstWeek; w <= lastWeek; w = shift(w, 7)) weeks++;
		return { customers, overCap, messages, weeks };
	}

	/** Buyers on [before.from, before.to], their net revenue then and on [after.from, after.to]. */
	revenueRetention(before: { from: string; to: string }, after: { from: string; to: string }) {
		let customers = 0;
		let then = 0;
		let now = 0;
		for (const [customer, days] of this.purchaseDays) {
			if (![...days].some((d) => d >= before.from && d <= before.to)) continue;
			customers++;
			for (const [day, amount] of this.revenue.get(customer) ?? []) {
				if (day >= before.from && day <= before.to) then += amount;
				if (day >= after.from && day <= after.to) now += amount;
			}
		}
		return { customers, before: then, after: now };
	}

	/** Customers with meaningful interactions in ≥ 2 channels in the 30 days to `day`. */
	multichannelOn(day: string): Set<number> {
		const from = shift(day, -29);
		const result = new Set<number>();
		for (const [customer, list] of this.touches) {
			const channels = new Set(list.filter(([d]) => d >= from && d <= day).map(([, c]) => c));
			if (channels.size >= 2) result.add(customer);
		}
		return result;
	}
}
