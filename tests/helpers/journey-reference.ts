import type { Kysely } from 'kysely';
import type { DB } from '$lib/server/db/schema';

/**
 * A naive reference for the journey (PRODUCT.md §3 "Journey") over the raw rows, for tests: every
 * customer's stage evaluated straight from the definitions on the day asked, with its own local
 * date arithmetic. It shares no code with the rollups.
 *
 * Stage on local date d, first that applies:
 * - Lapsed: a purchase on or before d (the earlier of the given first purchase and the first
 *   order) and no order in [d − W + 1, d];
 * - Advocate: Loyal, the latest NPS answer with a local date in [d − 364, d] is 9 or 10, and a
 *   referral or review in [d − 364, d];
 * - Loyal: an order in [d − W + 1, d], orders on ≥ 3 local dates in [d − 364, d], and the latest NPS
 *   answer in [d − 364, d] (if any) is 7 or more;
 * - Repeat / First purchase: ≥ 2 / exactly 1 purchase days by d (a given first purchase earlier than
 *   every order counts as one more), when the first purchase is known — given by the source, or on
 *   or after history start + 365 days; otherwise History unknown;
 * - Prospect: created on or before d, no purchase by d.
 * A customer is known from the earlier of the created day and the first purchase day; merged
 * customers are left out.
 */

export type ReferenceStage =
	'Prospect' | 'First purchase' | 'Repeat' | 'Loyal' | 'Advocate' | 'Lapsed' | 'History unknown';

export const REFERENCE_STAGES: readonly ReferenceStage[] = [
	'Prospect',
	'First purchase',
	'Repeat',
	'Loyal',
	'Advocate',
	'Lapsed',
	'History unknown'
];

/** The flow's origin of customers not yet known on the start day. */
export const NOT_YET_KNOWN = 'Not yet known';

/** The raw rows the journey rests on (extra fields are ignored, so raw table rows fit). */
export interface JourneyRaw {
	customers: {
		customer_id: number;
		created_at: Date;
		first_order_at: Date | null;
		first_order_on: string | null;
		merged_into: number | null;
	}[];
	/** Every order row; only kind 'order' makes purchase days, but every kind counts for H. */
	orders: { customer_id: number; kind: string; ordered_at: Date }[];
	/** Answers with an NPS score. */
	npsAnswers: { customer_id: number; response_id: number; at: Date; nps: number }[];
	/** Interaction events; only types 'referral' and 'review' count. */
	mentions: { customer_id: number; type: string; occurred_at: Date }[];
}

export interface JourneySettings {
	timeZone: string;
	activityWindowDays: number;
	/** 'YYYY-MM-DD', or null: the local date of the earliest order row (of any kind). */
	historyStart: string | null;
}

export interface JourneyReference {
	/** Customers per stage on the day before `from` and on `to` (stages with none are 0). */
	atStart: Record<ReferenceStage, number>;
	atEnd: Record<ReferenceStage, number>;
	/** (stage on the day before `from`, stage on `to`) pairs with customers > 0. */
	flow: { from: ReferenceStage | typeof NOT_YET_KNOWN; to: ReferenceStage; customers: number }[];
	/** Of those in the stage at the start, how many are in a later funnel stage at the end. */
	converted: Record<'Prospect' | 'First purchase' | 'Repeat' | 'Loyal', number>;
	/**
	 * Per stage entered in [from, to]: the lower-middle median of the days since the previous
	 * stage, over customers whose first purchase is known, and their number.
	 */
	medians: Record<
		'First purchase' | 'Repeat' | 'Loyal' | 'Advocate',
		{ median: number | null; n: number }
	>;
}

const DAY_MS = 86_400_000;

function localDate(at: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(at);
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date. */
function toNumber(day: string): number {
	return Math.round(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
}

interface Person {
	id: number;
	created: number;
	/** Distinct local dates with an order of kind 'order', ascending. */
	bought: number[];
	/** Purchase days counting a given first purchase earlier than every order, ascending. */
	purchases: number[];
	firstKnown: boolean;
	answers: { day: number; at: number; responseId: number; nps: number }[];
	mentions: number[];
}

function people(raw: JourneyRaw, settings: JourneySettings): Person[] {
	const tz = settings.timeZone;
	const day = (at: Date) => toNumber(localDate(at, tz));
	let historyStart = settings.historyStart === null ? null : toNumber(settings.historyStart);
	if (historyStart === null && raw.orders.length > 0) {
		historyStart = Math.min(...raw.orders.map((o) => day(o.ordered_at)));
	}
	const list: Person[] = [];
	for (const c of raw.customers) {
		if (c.merged_into !== null) continue;
		const id = Number(c.customer_id);
		const bought = [
			...new Set(
				raw.orders
					.filter((o) => Number(o.customer_id) === id && o.kind === 'order')
					.map((o) => day(o.ordered_at))
			)
		].sort((a, b) => a - b);
		const given =
			c.first_order_at !== null
				? day(c.first_order_at)
				: c.first_order_on !== null
					? toNumber(c.first_order_on)
					: null;
		const purchases =
			given !== null && (bought.length === 0 || given < (bought[0] as number))
				? [given, ...bought]
				: bought;
		const first = purchases[0];
		list.push({
			id,
			created: day(c.created_at),
			bought,
			purchases,
			firstKnown:
				given !== null ||
				(first !== undefined && historyStart !== null && first >= historyStart + 365),
			answers: raw.npsAnswers
				.filter((a) => Number(a.customer_id) === id)
				.map((a) => ({
					day: day(a.at),
					at: a.at.getTime(),
					responseId: Number(a.response_id),
					nps: a.nps
				})),
			mentions: raw.mentions
				.filter(
					(e) => Number(e.customer_id) === id && (e.type === 'referral' || e.type === 'review')
				)
				.map((e) => day(e.occurred_at))
		});
	}
	return list;
}

function stageOf(p: Person, d: number, w: number): ReferenceStage | null {
	const first = p.purchases[0];
	const hasPurchase = first !== undefined && first <= d;
	if (!hasPurchase && p.created > d) return null;
	const active = p.bought.some((b) => b >= d - w + 1 && b <= d);
	if (hasPurchase && !active) return 'Lapsed';
	let latest: Person['answers'][number] | undefined;
	for (const a of p.answers) {
		if (a.day < d - 364 || a.day > d) continue;
		if (!latest || a.at > latest.at || (a.at === latest.at && a.responseId > latest.responseId)) {
			latest = a;
		}
	}
	const inYear = p.bought.filter((b) => b >= d - 364 && b <= d).length;
	const loyal = active && inYear >= 3 && !(latest !== undefined && latest.nps <= 6);
	const promoter = latest !== undefined && latest.nps >= 9;
	const mentioned = p.mentions.some((m) => m >= d - 364 && m <= d);
	if (loyal && promoter && mentioned) return 'Advocate';
	if (loyal) return 'Loyal';
	if (hasPurchase) {
		if (!p.firstKnown) return 'History unknown';
		return p.purchases.filter((x) => x <= d).length >= 2 ? 'Repeat' : 'First purchase';
	}
	return 'Prospect';
}

/** Every known customer's stage on a local date ('YYYY-MM-DD'), by customer id. */
export function journeyStagesOn(
	raw: JourneyRaw,
	settings: JourneySettings,
	day: string
): Map<number, ReferenceStage> {
	const stages = new Map<number, ReferenceStage>();
	const d = toNumber(day);
	for (const p of people(raw, settings)) {
		const stage = stageOf(p, d, settings.activityWindowDays);
		if (stage !== null) stages.set(p.id, stage);
	}
	return stages;
}

const FUNNEL: readonly ReferenceStage[] = [
	'Prospect',
	'First purchase',
	'Repeat',
	'Loyal',
	'Advocate'
];

function zeros(): Record<ReferenceStage, number> {
	return Object.fromEntries(REFERENCE_STAGES.map((s) => [s, 0])) as Record<ReferenceStage, number>;
}

/** The lower middle of the values (the ⌈n/2⌉-th smallest). */
function lowerMedian(values: number[]): { median: number | null; n: number } {
	const sorted = [...values].sort((a, b) => a - b);
	return {
		median: sorted.length === 0 ? null : (sorted[Math.ceil(sorted.length / 2) - 1] as number),
		n: sorted.length
	};
}

/**
 * The funnel and flow of the period [from, to] (local dates, both inclusive): the state on the
 * day before `from` against the state on `to`.
 */
export function journeyReference(
	raw: JourneyRaw,
	settings: JourneySettings,
	from: string,
	to: string
): JourneyReference {
	const w = settings.activityWindowDays;
	const start = toNumber(from) - 1;
	const end = toNumber(to);
	const atStart = zeros();
	const atEnd = zeros();
	const flow = new Map<string, number>();
	const converted = { Prospect: 0, 'First purchase': 0, Repeat: 0, Loyal: 0 };
	const times: Record<keyof JourneyReference['medians'], number[]> = {
		'First purchase': [],
		Repeat: [],
		Loyal: [],
		Advocate: []
	};
	const inPeriod = (day: number | undefined) => day !== undefined && day >= start + 1 && day <= end;
	for (const p of people(raw, settings)) {
		const before = stageOf(p, start, w);
		const after = stageOf(p, end, w);
		if (before !== null) atStart[before]++;
		if (after === null) continue;
		atEnd[after]++;
		const key = `${before ?? NOT_YET_KNOWN}\t${after}`;
		flow.set(key, (flow.get(key) ?? 0) + 1);
		if (before !== null && before in converted && FUNNEL.indexOf(after) > FUNNEL.indexOf(before)) {
			converted[before as keyof typeof converted]++;
		}
		if (!p.firstKnown) continue;
		const [first, second] = p.purchases;
		if (first !== undefined && p.created <= first && inPeriod(first)) {
			times['First purchase'].push(first - p.created);
		}
		if (first !== undefined && second !== undefined && inPeriod(second)) {
			times.Repeat.push(second - first);
		}
		// First loyal and first advocate days: loyalty needs an order in the activity window.
		let firstLoyal: number | undefined;
		let firstAdvocate: number | undefined;
		const last = p.bought[p.bought.length - 1];
		if (p.bought.length > 0 && last !== undefined) {
			for (let d = p.bought[0] as number; d < last + w; d++) {
				const stage = stageOf(p, d, w);
				if (firstLoyal === undefined && (stage === 'Loyal' || stage === 'Advocate')) {
					firstLoyal = d;
				}
				if (stage === 'Advocate') {
					firstAdvocate = d;
					break;
				}
			}
		}
		if (firstLoyal !== undefined && second !== undefined && inPeriod(firstLoyal)) {
			times.Loyal.push(firstLoyal - second);
		}
		if (firstAdvocate !== undefined && firstLoyal !== undefined && inPeriod(firstAdvocate)) {
			times.Advocate.push(firstAdvocate - firstLoyal);
		}
	}
	const order = [NOT_YET_KNOWN, ...REFERENCE_STAGES];
	return {
		atStart,
		atEnd,
		flow: [...flow.entries()]
			.map(([key, customers]) => {
				const [f, t] = key.split('\t') as [ReferenceStage | typeof NOT_YET_KNOWN, ReferenceStage];
				return { from: f, to: t, customers };
			})
			.sort(
				(a, b) =>
					order.indexOf(a.from) - order.indexOf(b.from) || order.indexOf(a.to) - order.indexOf(b.to)
			),
		converted,
		medians: {
			'First purchase': lowerMedian(times['First purchase']),
			Repeat: lowerMedian(times.Repeat),
			Loyal: lowerMedian(times.Loyal),
			Advocate: lowerMedian(times.Advocate)
		}
	};
}

/** The raw rows of the journey as stored. */
export async function readJourneyRaw(db: Kysely<DB>): Promise<JourneyRaw> {
	const customers = await db
		.selectFrom('customer')
		.select(['customer_id', 'created_at', 'first_order_at', 'first_order_on', 'merged_into'])
		.execute();
	const orders = await db
		.selectFrom('customer_order')
		.select(['customer_id', 'kind', 'ordered_at'])
		.execute();
	const answers = await db
		.selectFrom('survey_response')
		.where('nps', 'is not', null)
		.select(['customer_id', 'response_id', 'responded_at', 'nps'])
		.execute();
	const mentions = await db
		.selectFrom('interaction_event')
		.where('type', 'in', ['referral', 'review'])
		.select(['customer_id', 'type', 'occurred_at'])
		.execute();
	return {
		customers: customers.map((c) => ({
			customer_id: Number(c.customer_id),
			created_at: new Date(c.created_at),
			first_order_at: c.first_order_at ? new Date(c.first_order_at) : null,
			first_order_on: c.first_order_on,
			merged_into: c.merged_into === null ? null : Number(c.merged_into)
		})),
		orders: orders.map((o) => ({
			customer_id: Number(o.customer_id),
			kind: o.kind,
			ordered_at: new Date(o.ordered_at)
		})),
		npsAnswers: answers.map((a) => ({
			customer_id: Number(a.customer_id),
			response_id: Number(a.response_id),
			at: new Date(a.responded_at),
			nps: Number(a.nps)
		})),
		mentions: mentions.map((e) => ({
			customer_id: Number(e.customer_id),
			type: e.type,
			occurred_at: new Date(e.occurred_at)
		}))
	};
}
