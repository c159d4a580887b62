import { sql, type Insertable, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB, OrderKind } from '$lib/server/db/schema';
import { evaluateMetric, evaluateTable, type MetricJson } from '$lib/server/metrics/evaluate';
import { lapseFreeMonths, type RetentionProjection } from '$lib/server/metrics/cohort-retention';
import { comparePeriod, resolvePeriod } from '$lib/server/metrics/period';
import { fitSbg, sbgSurvival } from '$lib/server/models/sbg';
import { refreshRollups } from '$lib/server/rollups/refresh';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, type TestDatabase } from './helpers/database';
import {
	addRandomMessages,
	EngagementReference,
	serviceReference
} from './helpers/engagement-reference';
import { addRandomInteractions, InteractionReference } from './helpers/interaction-reference';
import { SinglePurchaseReference } from './helpers/single-purchase-reference';

/**
 * The property test of the rollups (issue 5): on random data — always with orders at local
 * midnights and on DST change days, late rows for old days, one-purchase customers, refunds, a
 * merge and deletions — every metric read from the rollups equals a naive reference computed here
 * from the raw rows, after the first build, after incremental refreshes and after a rebuild for a
 * new time zone and activity window. The reference shares no code with the rollups: it reads the
 * raw tables and does its date arithmetic on its own.
 */

// ---------------------------------------------------------------- the reference, in plain TS

const DAY_MS = 86_400_000;

function localDate(at: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(at);
}

function nextMonth(month: string): string {
	const [y, m] = month.split('-').map(Number) as [number, number];
	return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** The same local date a year earlier; 29 February becomes 28 February. */
function yearBefore(day: string): string {
	const [y, m, d] = day.split('-').map(Number) as [number, number, number];
	const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
	return `${y - 1}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

function plusDays(day: string, n: number): string {
	return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

interface RawOrder {
	customer_id: number;
	kind: string;
	reporting_amount: string;
	ordered_at: Date;
}
interface RawCustomer {
	customer_id: number;
	created_at: Date;
	first_order_at: Date | null;
	first_order_on: string | null;
	merged_into: number | null;
}
interface Raw {
	orders: RawOrder[];
	customers: RawCustomer[];
	identities: { customer_id: number; source: string; created_at: Date }[];
	delivered: Date[];
	cases: Date[];
	answers: Date[];
	npsAnswers: { customer_id: number; response_id: number; at: Date; nps: number }[];
	/** Every answer with its CSAT, effort and stated category spend (any may be missing). */
	scaleAnswers: {
		customer_id: number;
		response_id: number;
		at: Date;
		csat: number | null;
		effort: number | null;
		stated: string | null;
	}[];
}

async function readRaw(db: Kysely<DB>): Promise<Raw> {
	const orders = await db
		.selectFrom('customer_order')
		.select(['customer_id', 'kind', 'reporting_amount', 'ordered_at'])
		.execute();
	const customers = await db
		.selectFrom('customer')
		.select(['customer_id', 'first_order_at', 'first_order_on', 'merged_into', 'created_at'])
		.execute();
	const delivered = await db
		.selectFrom('interaction_event')
		.where('type', '=', 'delivered')
		.select('occurred_at')
		.execute();
	const cases = await db.selectFrom('service_case').select('opened_at').execute();
	const answers = await db
		.selectFrom('survey_response')
		.select([
			'customer_id',
			'response_id',
			'responded_at',
			'nps',
			'csat',
			'effort',
			'stated_category_spend'
		])
		.execute();
	return {
		orders: orders.map((o) => ({ ...o, ordered_at: new Date(o.ordered_at) })),
		customers: customers.map((c) => ({
			...c,
			created_at: new Date(c.created_at),
			first_order_at: c.first_order_at ? new Date(c.first_order_at) : null
		})),
		identities: (
			await db.selectFrom('identity').select(['customer_id', 'source', 'created_at']).execute()
		).map((i) => ({ ...i, created_at: new Date(i.created_at) })),
		delivered: delivered.map((r) => new Date(r.occurred_at)),
		cases: cases.map((r) => new Date(r.opened_at)),
		answers: answers.map((r) => new Date(r.responded_at)),
		scaleAnswers: answers.map((r) => ({
			customer_id: r.customer_id,
			response_id: Number(r.response_id),
			at: new Date(r.responded_at),
			csat: r.csat === null ? null : Number(r.csat),
			effort: r.effort === null ? null : Number(r.effort),
			stated: r.stated_category_spend
		})),
		npsAnswers: answers
			.filter((r) => r.nps !== null)
			.map((r) => ({
				customer_id: r.customer_id,
				response_id: Number(r.response_id),
				at: new Date(r.responded_at),
				nps: Number(r.nps)
			}))
	};
}

interface Window {
	from: string;
	to: string;
	/** The period's end instant: every row at or after it is left out. */
	end: Date;
	/** Its start instant (the local midnight of `from`). */
	start?: Date;
}

class Reference {
	/** customer → purchase day → first order instant that day */
	private readonly days = new Map<number, Map<string, Date>>();

	constructor(
		private readonly raw: Raw,
		private readonly tz: string,
		readonly w: number,
		private readonly now: Date
	) {
		for (const o of raw.orders) {
			if (o.kind !== 'order') continue;
			const byDay = this.days.get(o.customer_id) ?? new Map<string, Date>();
			const day = localDate(o.ordered_at, tz);
			const first = byDay.get(day);
			if (!first || o.ordered_at < first) byDay.set(day, o.ordered_at);
			this.days.set(o.customer_id, byDay);
		}
	}

	private sortedDays(customer: number): string[] {
		return [...(this.days.get(customer)?.keys() ?? [])].sort();
	}

	historyStart(): string {
		const earliest = this.raw.orders.reduce<Date | null>(
			(min, o) => (!min || o.ordered_at < min ? o.ordered_at : min),
			null
		);
		if (!earliest) throw new Error('no orders');
		return localDate(earliest, this.tz);
	}

	activeOn(day: string): number {
		return this.activeSet(day).size;
	}

	activeSet(day: string): Set<number> {
		const from = plusDays(day, -(this.w - 1));
		const active = new Set<number>();
		for (const customer of this.days.keys()) {
			if (this.sortedDays(customer).some((d) => d >= from && d <= day)) active.add(customer);
		}
		return active;
	}

	churn(p: Window) {
		const base = [...this.days.keys()].filter((c) => {
			const day = plusDays(p.from, -1);
			return this.sortedDays(c).some((d) => d >= plusDays(day, -(this.w - 1)) && d <= day);
		});
		let lapsed = 0;
		for (const c of base) {
			const days = this.sortedDays(c);
			const lapses = days.some((d, i) => {
				const lapse = plusDays(d, this.w);
				const next = days[i + 1];
				return lapse >= p.from && lapse <= p.to && (next === undefined || next > lapse);
			});
			if (lapses) lapsed++;
		}
		return { numerator: lapsed, denominator: base.length };
	}

	repeat(p: Window) {
		const knownFrom = plusDays(this.historyStart(), 365);
		const latest = this.raw.orders
			.map((o) => o.ordered_at)
			.filter((at) => at <= this.now)
			.reduce((a, b) => (a > b ? a : b));
		const asOfDay = localDate(latest, this.tz);
		let matured = 0;
		let repeated = 0;
		let maturing = 0;
		for (const c of this.raw.customers) {
			if (c.merged_into !== null) continue;
			const days = this.sortedDays(c.customer_id);
			const given = c.first_order_at
				? localDate(c.first_order_at, this.tz)
				: (c.first_order_on ?? null);
			const candidates = [given, days[0]].filter((d): d is string => d != null).sort();
			const first = candidates[0];
			if (!first || first < p.from || first > p.to) continue;
			if (given === null && first < knownFrom) continue;
			if (plusDays(first, 91) > asOfDay) {
				maturing++;
				continue;
			}
			matured++;
			if (days.some((d) => d >= plusDays(first, 1) && d <= plusDays(first, 90))) repeated++;
		}
		return { numerator: repeated, denominator: matured, maturing };
	}

	/** Purchase days whose first order lies in the window, before its end. */
	purchaseDays(p: Window): number {
		let n = 0;
		for (const byDay of this.days.values()) {
			for (const [day, first] of byDay) if (day >= p.from && day <= p.to && first < p.end) n++;
		}
		return n;
	}

	netRevenue(p: Window): number {
		let cents = 0;
		for (const o of this.raw.orders) {
			const day = localDate(o.ordered_at, this.tz);
			if (day >= p.from && day <= p.to && o.ordered_at < p.end) {
				cents += Math.round(Number(o.reporting_amount) * 100);
			}
		}
		return cents / 100;
	}

	count(instants: Date[], p: Window): number {
		return instants.filter((at) => {
			const day = localDate(at, this.tz);
			return day >= p.from && day <= p.to && at < p.end;
		}).length;
	}

	ordersIn(p: Window): number {
		return this.count(
			this.raw.orders.filter((o) => o.kind === 'order').map((o) => o.ordered_at),
			p
		);
	}

	/** Cohort rows as PRODUCT.md describes them, for cohorts whose month lies in [fromMonth, toMonth]. */
	cohorts(fromMonth: string, toMonth: string, today: string) {
		const knownFrom = plusDays(this.historyStart(), 365);
		const wholeFrom = knownFrom.endsWith('-01')
			? knownFrom
			: nextMonth(knownFrom.slice(0, 7)) + '-01';
		const members = new Map<string, { customer: number; lapse: string | null }[]>();
		for (const c of this.raw.customers) {
			if (c.merged_into !== null) continue;
			const days = this.sortedDays(c.customer_id);
			const given = c.first_order_at
				? localDate(c.first_order_at, this.tz)
				: (c.first_order_on ?? null);
			const first = [given, days[0]].filter((d): d is string => d != null).sort()[0];
			if (!first) continue;
			const month = first.slice(0, 7);
			if (month < fromMonth || month > toMonth) continue;
			if (given === null && `${month}-01` < wholeFrom) continue;
			let lapse: string | null = null;
			for (const [i, d] of days.entries()) {
				const next = days[i + 1];
				if (next === undefined || next > plusDays(d, this.w)) {
					lapse = plusDays(d, this.w);
					break;
				}
			}
			const list = members.get(month) ?? [];
			list.push({ customer: c.customer_id, lapse });
			members.set(month, list);
		}
		const rows = [];
		for (const month of [...members.keys()].sort()) {
			if (`${month}-01` > today) continue;
			const list = members.get(month) ?? [];
			const ended: string[] = [];
			for (let m = month; `${nextMonth(m)}-01` <= today; m = nextMonth(m)) ended.push(m);
			const inMonth: (number | null)[] = [];
			const orLater: (number | null)[] = [];
			const revenue: (number | null)[] = [];
			const neverLapsed: (number | null)[] = [];
			const revenueIn = (m: string) =>
				this.raw.orders
					.filter(
						(o) =>
							list.some((x) => x.customer === o.customer_id) &&
							localDate(o.ordered_at, this.tz).startsWith(m)
					)
					.reduce((sum, o) => sum + Math.round(Number(o.reporting_amount) * 100), 0) / 100;
			const zero = revenueIn(month);
			for (const [k, m] of ended.entries()) {
				const bought = list.filter((x) =>
					this.sortedDays(x.customer).some((d) => d.startsWith(m))
				).length;
				inMonth.push(k === 0 ? 1 : bought / list.length);
				const later = list.filter((x) =>
					this.sortedDays(x.customer).some((d) => d.slice(0, 7) >= m)
				).length;
				orLater.push(k === 0 ? 1 : later / list.length);
				revenue.push(zero === 0 ? null : k === 0 ? 1 : revenueIn(m) / zero);
				const lapsed = list.filter((x) => x.lapse !== null && x.lapse.slice(0, 7) <= m).length;
				neverLapsed.push(1 - lapsed / list.length);
			}
			if (!ended.length) {
				inMonth.push(null);
				orLater.push(null);
				revenue.push(null);
				neverLapsed.push(null);
			}
			rows.push({ cohort: month, customers: list.length, inMonth, orLater, revenue, neverLapsed });
		}
		return rows;
	}

	/** Each customer's latest NPS answer in the window: promoters, passives, detractors. */
	nps(p: Window): [number, number, number] {
		const latest = new Map<number, { at: Date; id: number; nps: number }>();
		for (const a of this.raw.npsAnswers) {
			const day = localDate(a.at, this.tz);
			if (day < p.from || day > p.to || a.at >= p.end) continue;
			const seen = latest.get(a.customer_id);
			if (
				!seen ||
				a.at > seen.at ||
				(a.at.getTime() === seen.at.getTime() && a.response_id > seen.id)
			) {
				latest.set(a.customer_id, { at: a.at, id: a.response_id, nps: a.nps });
			}
		}
		const scores = [...latest.values()].map((v) => v.nps);
		return [
			scores.filter((s) => s >= 9).length,
			scores.filter((s) => s === 7 || s === 8).length,
			scores.filter((s) => s <= 6).length
		];
	}

	/** Each customer's latest answer to the question in the window: [satisfied or score sum, n]. */
	scale(p: Window, question: 'csat' | 'effort'): [number, number] {
		const latest = new Map<number, { at: Date; id: number; score: number }>();
		for (const a of this.raw.scaleAnswers) {
			const score = a[question];
			if (score === null) continue;
			const day = localDate(a.at, this.tz);
			if (day < p.from || day > p.to || a.at >= p.end) continue;
			const seen = latest.get(a.customer_id);
			if (
				!seen ||
				a.at > seen.at ||
				(a.at.getTime() === seen.at.getTime() && a.response_id > seen.id)
			) {
				latest.set(a.customer_id, { at: a.at, id: a.response_id, score });
			}
		}
		const scores = [...latest.values()].map((v) => v.score);
		const top =
			question === 'csat'
				? scores.filter((s) => s >= 4).length
				: scores.reduce((sum, s) => sum + s, 0);
		return [top, scores.length];
	}

	/**
	 * Share of wallet on day D: per customer the latest statement (stated spend > 0) within the 365
	 * days to D, its share = net revenue in the 365 local days to the statement's day / stated, in
	 * whole cents so the 1-point bin is exact. The ⌈n/2⌉-th smallest share, n, inconsistent.
	 */
	wallet(day: string): { median: number | null; n: number; inconsistent: number } {
		const cents = (value: string | number) => Math.round(Number(value) * 100);
		const latest = new Map<number, { at: Date; id: number; stated: number; day: string }>();
		for (const a of this.raw.scaleAnswers) {
			if (a.stated === null || cents(a.stated) <= 0) continue;
			const d = localDate(a.at, this.tz);
			if (d > day || d < plusDays(day, -364)) continue;
			const seen = latest.get(a.customer_id);
			if (
				!seen ||
				a.at > seen.at ||
				(a.at.getTime() === seen.at.getTime() && a.response_id > seen.id)
			) {
				latest.set(a.customer_id, { at: a.at, id: a.response_id, stated: cents(a.stated), day: d });
			}
		}
		const shares: number[] = [];
		let inconsistent = 0;
		for (const [customer, statement] of latest) {
			let revenue = 0;
			for (const o of this.raw.orders) {
				if (o.customer_id !== customer) continue;
				const d = localDate(o.ordered_at, this.tz);
				if (d >= plusDays(statement.day, -364) && d <= statement.day)
					revenue += cents(o.reporting_amount);
			}
			if (revenue > statement.stated) inconsistent++;
			// in points, floored: the bin
			shares.push(Math.max(0, Math.min(100, Math.floor((revenue * 100) / statement.stated))));
		}
		shares.sort((a, b) => a - b);
		return {
			median: shares.length ? shares[Math.ceil(shares.length / 2) - 1]! : null,
			n: shares.length,
			inconsistent
		};
	}

	/** Active on `day`, ≥ 3 purchase days in the 365 days to it, and no detractor NPS status. */
	loyalOn(day: string): number {
		const activeFrom = plusDays(day, -(this.w - 1));
		const yearFrom = plusDays(day, -364);
		let n = 0;
		for (const customer of this.days.keys()) {
			const days = this.sortedDays(customer);
			if (!days.some((d) => d >= activeFrom && d <= day)) continue;
			if (days.filter((d) => d >= yearFrom && d <= day).length < 3) continue;
			let latest: { at: Date; id: number; nps: number } | null = null;
			for (const a of this.raw.npsAnswers) {
				if (a.customer_id !== customer) continue;
				const d = localDate(a.at, this.tz);
				if (d < yearFrom || d > day) continue;
				if (
					!latest ||
					a.at > latest.at ||
					(a.at.getTime() === latest.at.getTime() && a.response_id > latest.id)
				) {
					latest = { at: a.at, id: a.response_id, nps: a.nps };
				}
			}
			if (latest && latest.nps <= 6) continue;
			n++;
		}
		return n;
	}

	/** Customers created by `day` (not merged), and those with identities from ≥ 2 sources by then. */
	scv(day: string): [number, number] {
		let known = 0;
		let complete = 0;
		for (const c of this.raw.customers) {
			if (c.merged_into !== null || localDate(c.created_at, this.tz) > day) continue;
			known++;
			const sources = new Set(
				this.raw.identities
					.filter((i) => i.customer_id === c.customer_id && localDate(i.created_at, this.tz) <= day)
					.map((i) => i.source)
			);
			if (sources.size >= 2) complete++;
		}
		return [complete, known];
	}

	/** Whole months of 30.4375 days since the first purchase of each customer active on `day`. */
	tenure(day: string): { median: number | null; n: number } {
		const from = plusDays(day, -(this.w - 1));
		const months: number[] = [];
		for (const c of this.raw.customers) {
			if (c.merged_into !== null) continue;
			const days = this.sortedDays(c.customer_id);
			if (!days.some((d) => d >= from && d <= day)) continue;
			const given = c.first_order_at
				? localDate(c.first_order_at, this.tz)
				: (c.first_order_on ?? null);
			const first = given !== null && given < days[0]! ? given : days[0]!;
			const elapsed = (Date.parse(`${day}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / DAY_MS;
			months.push(Math.floor(elapsed / 30.4375));
		}
		months.sort((a, b) => a - b);
		return {
			median: months.length ? months[Math.ceil(months.length / 2) - 1]! : null,
			n: months.length
		};
	}

	newCustomersOn(day: string): number {
		let n = 0;
		for (const c of this.raw.customers) {
			if (c.merged_into !== null) continue;
			const days = this.sortedDays(c.customer_id);
			const given = c.first_order_at
				? localDate(c.first_order_at, this.tz)
				: (c.first_order_on ?? null);
			const first = [given, days[0]].filter((d): d is string => d != null).sort()[0];
			if (first === day) n++;
		}
		return n;
	}
}

// ---------------------------------------------------------------- random data

function mulberry32(seed: number): () => number {
	let t = seed >>> 0;
	return () => {
		t = (t + 0x6d2b79f5) >>> 0;
		let r = Math.imul(t ^ (t >>> 15), 1 | t);
		r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
		return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
	};
}

/** Instants in New York that stress local dates: midnights, the last millisecond, DST days. */
const EDGES = [
	'2025-03-09T00:00:00-05:00', // DST starts that day (23 h)
	'2025-03-09T01:59:59.999-05:00',
	'2025-03-09T03:00:00-04:00',
	'2025-11-02T01:30:00-04:00', // DST ends (25 h): 01:30 happens twice
	'2025-11-02T01:30:00-05:00',
	'2025-11-02T23:59:59.999-05:00',
	'2025-06-30T23:59:59.999-04:00',
	'2025-07-01T00:00:00-04:00',
	'2026-01-01T00:00:00-05:00',
	'2025-12-31T23:59:59.999-05:00',
	'2026-03-08T00:00:00-05:00',
	'2026-03-08T23:30:00-04:00'
];

const RANGE_START = Date.parse('2024-01-01T00:00:00-05:00');
const RANGE_END = Date.parse('2026-05-20T00:00:00-04:00');

function randomInstant(random: () => number, from = RANGE_START, to = RANGE_END): Date {
	if (random() < 0.15) return new Date(EDGES[Math.floor(random() * EDGES.length)] ?? EDGES[0]!);
	return new Date(from + Math.floor(random() * (to - from)));
}

let refNumber = 0;

async function addRandomCustomers(
	db: Kysely<DB>,
	random: () => number,
	count: number,
	window: { from?: number; to?: number } = {}
): Promise<number[]> {
	const ids: number[] = [];
	for (let i = 0; i < count; i++) {
		const given = random() < 0.12 ? randomInstant(random, RANGE_START - 400 * DAY_MS) : null;
		const row = await db
			.insertInto('customer')
			.values({
				source: 'prop',
				first_order_at: given && random() < 0.5 ? given : null,
				first_order_on: given && !(random() < 0.5) ? given.toISOString().slice(0, 10) : null,
				created_at: randomInstant(random)
			})
			.returning(['customer_id', 'created_at'])
			.executeTakeFirstOrThrow();
		ids.push(row.customer_id);
		// identities from up to three sources, known at the customer's creation or later
		const created = new Date(row.created_at).getTime();
		const sources = ['prop', 'crm', 'shop'].filter(() => random() < 0.5);
		for (const source of sources) {
			await db
				.insertInto('identity')
				.values({
					source,
					kind: 'ref',
					value: `id-${++refNumber}`,
					customer_id: row.customer_id,
					origin_customer_id: row.customer_id,
					created_at: new Date(
						random() < 0.3 ? created : created + Math.floor(random() * 300 * DAY_MS)
					)
				})
				.execute();
		}
	}
	await addRandomOrders(db, random, ids, window);
	await addRandomMessages(db, random, ids, () => randomInstant(random, window.from, window.to));
	await addRandomInteractions(db, random, ids, () => randomInstant(random, window.from, window.to));
	return ids;
}

async function addRandomOrders(
	db: Kysely<DB>,
	random: () => number,
	ids: readonly number[],
	window: { from?: number; to?: number } = {}
): Promise<void> {
	const rows: Insertable<DB['customer_order']>[] = [];
	const other: {
		events: Date[];
		cases: Date[];
		answers: Date[];
		customer: number;
	}[] = [];
	for (const id of ids) {
		const roll = random();
		// prospects, one-purchase customers and repeaters
		const n = roll < 0.1 ? 0 : roll < 0.4 ? 1 : 2 + Math.floor(random() * 7);
		let at = randomInstant(random, window.from, window.to);
		for (let k = 0; k < n; k++) {
			const kind: OrderKind =
				random() < 0.1 ? (random() < 0.5 ? 'refund' : 'cancellation') : 'order';
			const amount =
				kind === 'order'
					? random() < 0.05
						? '0'
						: (5 + random() * 200).toFixed(2)
					: (-(1 + random() * 50)).toFixed(2);
			rows.push({
				customer_id: id,
				origin_customer_id: id,
				source: 'prop',
				order_ref: `o-${++refNumber}`,
				kind,
				amount,
				currency: 'USD',
				reporting_amount: amount,
				ordered_at: at
			});
			// exactly one window apart (30 or 365 days: active or lapsed on that very day), same-day
			// repeats, short gaps, and long ones that lapse
			const edge = random();
			const gap =
				edge < 0.1
					? edge < 0.05
						? 30
						: 365
					: random() < 0.2
						? random() * 0.3
						: random() < 0.6
							? random() * 40
							: random() * 400;
			at = new Date(Math.min(at.getTime() + gap * DAY_MS, RANGE_END - 1));
		}
		other.push({
			customer: id,
			events: Array.from({ length: Math.floor(random() * 3) }, () => randomInstant(random)),
			cases: random() < 0.3 ? [randomInstant(random)] : [],
			answers: Array.from({ length: random() < 0.5 ? Math.floor(random() * 4) : 0 }, () =>
				randomInstant(random)
			)
		});
	}
	if (rows.length) await db.insertInto('customer_order').values(rows).execute();
	for (const o of other) {
		for (const at of o.events) {
			await db
				.insertInto('interaction_event')
				.values({
					customer_id: o.customer,
					origin_customer_id: o.customer,
					source: 'prop',
					event_ref: `e-${++refNumber}`,
					occurred_at: at,
					channel: 'email',
					type: 'delivered'
				})
				.execute();
		}
		for (const at of o.cases) {
			await db
				.insertInto('service_case')
				.values({
					customer_id: o.customer,
					origin_customer_id: o.customer,
					source: 'prop',
					case_ref: `c-${++refNumber}`,
					opened_at: at
				})
				.execute();
		}
		for (const at of o.answers) {
			await db
				.insertInto('survey_response')
				.values({
					customer_id: o.customer,
					origin_customer_id: o.customer,
					source: 'prop',
					response_ref: `r-${++refNumber}`,
					responded_at: at,
					nps: random() < 0.15 ? null : Math.floor(random() * 11),
					csat: random() < 0.5 ? null : 1 + Math.floor(random() * 5),
					effort: random() < 0.5 ? null : 1 + Math.floor(random() * 7),
					stated_category_spend:
						random() < 0.6 ? null : random() < 0.1 ? '0' : (10 + random() * 900).toFixed(2)
				})
				.execute();
		}
	}
}

// ---------------------------------------------------------------- the comparison

/** Periods to check: months around the edges, a long custom range, a DST day, one partial. */
const RANGES: [string, string][] = [
	['2025-03-01', '2025-03-31'],
	['2025-03-09', '2025-03-09'],
	['2025-11-01', '2025-11-30'],
	['2025-07-01', '2025-09-30'],
	['2026-01-01', '2026-01-31'],
	['2025-01-01', '2025-12-31'],
	['2024-06-15', '2026-02-10'], // longer than any activity window
	['2025-04-01', '2026-03-31'], // a fiscal year from April (custom with a January one)
	['2026-02-01', '2026-02-28']
];

/** "Now": mid-afternoon on a quarter hour, after every row, so the current month is partial. */
const NOW = new Date('2026-05-20T14:45:00-04:00');

async function expectAllMatch(
	db: Kysely<DB>,
	tz: string,
	w: number,
	label: string,
	fiscalYearStartMonth = 1
) {
	const raw = await readRaw(db);
	const ref = new Reference(raw, tz, w, NOW);
	const engagement = await EngagementReference.read(db);
	const interactions = await InteractionReference.read(db, tz);
	const single = new SinglePurchaseReference(raw, tz, w);
	let switchedChecked = 0;
	const service = await serviceReference(db);
	const ctx = { timeZone: tz, fiscalYearStartMonth, now: NOW };
	const windows: Window[] = [];
	for (const [from, to] of RANGES) {
		const p = resolvePeriod({ from, to }, ctx);
		windows.push({ from: p.from, to: p.to, end: p.end, start: p.start });
	}
	const current = resolvePeriod({}, ctx);
	windows.push({ from: current.from, to: current.to, end: current.end, start: current.start });
	const previous = comparePeriod(current, 'previous', ctx);

	const metric = async (id: string, p: Window): Promise<MetricJson> =>
		evaluateMetric(db, {
			id,
			now: NOW,
			...(p.end.getTime() === NOW.getTime() ? {} : { from: p.from, to: p.to })
		});
	const at = (p: Window) => `${label}: ${p.from}…${p.to}`;

	for (const p of windows) {
		const historyStart = ref.historyStart();
		if (p.to < historyStart) continue;

		const active = await metric('active-customers', p);
		expect(active.value, `active ${at(p)}`).toBe(ref.activeOn(p.to));

		const churn = await metric('churn-rate', p);
		const c = ref.churn(p);
		expect([churn.numerator ?? 0, churn.denominator ?? 0], `churn ${at(p)}`).toEqual(
			c.denominator ? [c.numerator, c.denominator] : [0, 0]
		);

		const repeat = await metric('repeat-purchase-rate', p);
		const r = ref.repeat(p);
		expect(
			{ n: repeat.numerator ?? 0, d: repeat.denominator ?? 0, maturing: repeat.extra.maturing },
			`repeat ${at(p)}`
		).toEqual({ n: r.denominator ? r.numerator : 0, d: r.denominator, maturing: r.maturing });

		const aov = await metric('average-order-value', p);
		const days = ref.purchaseDays(p);
		expect(aov.denominator ?? 0, `purchase days ${at(p)}`).toBe(days);
		if (days) expect(aov.numerator, `net revenue ${at(p)}`).toBeCloseTo(ref.netRevenue(p), 6);

		// the exclude-single-purchase switch
		const s = single.figures({ from: p.from, to: p.to, end: p.end });
		const switched = (id: string) =>
			evaluateMetric(db, {
				id,
				now: NOW,
				excludeSinglePurchase: true,
				...(p.end.getTime() === NOW.getTime() ? {} : { from: p.from, to: p.to })
			});
		const aovOfBase = await switched('average-order-value');
		expect(
			[aovOfBase.extra.excludedCustomers, aovOfBase.extra.unknownFirstPurchase],
			`excluded ${at(p)}`
		).toEqual([s.excludedCustomers, s.unknownFirstPurchase]);
		if (aovOfBase.value !== null) {
			switchedChecked++;
			expect(aovOfBase.denominator, `aov of the base ${at(p)}`).toBe(s.aov.denominator);
			expect(aovOfBase.numerator, `aov of the base ${at(p)}`).toBeCloseTo(s.aov.numerator, 6);
		}
		const frequencyOfBase = await switched('purchase-frequency');
		if (frequencyOfBase.value !== null) {
			expect(
				[frequencyOfBase.numerator, frequencyOfBase.denominator],
				`frequency of the base ${at(p)}`
			).toEqual([s.frequency.numerator, s.frequency.denominator]);
		}

		const frequency = await metric('purchase-frequency', p);
		const yearBack = { from: plusDays(p.to, -364), to: p.to, end: p.end };
		expect([frequency.numerator ?? 0, frequency.denominator ?? 0], `frequency ${at(p)}`).toEqual(
			ref.activeOn(p.to) ? [ref.purchaseDays(yearBack), ref.activeOn(p.to)] : [0, 0]
		);

		const nps = await metric('nps', p);
		const [promoters, passives, detractors] = ref.nps(p);
		expect(
			nps.value === null
				? [0, 0, 0]
				: [nps.extra.promoters, nps.extra.passives, nps.extra.detractors],
			`nps ${at(p)}`
		).toEqual([promoters, passives, detractors]);

		for (const question of ['csat', 'effort'] as const) {
			const figure = await metric(question === 'csat' ? 'csat' : 'effort-score', p);
			const [top, n] = ref.scale(p, question);
			expect([figure.numerator ?? 0, figure.denominator ?? 0], `${question} ${at(p)}`).toEqual([
				top,
				n
			]);
		}

		const loyal = await metric('loyal-customer-share', p);
		expect([loyal.numerator ?? 0, loyal.denominator ?? 0], `loyal ${at(p)}`).toEqual(
			ref.activeOn(p.to) ? [ref.loyalOn(p.to), ref.activeOn(p.to)] : [0, 0]
		);

		const scv = await metric('scv-completeness', p);
		const [complete, known] = ref.scv(p.to);
		expect([scv.numerator ?? 0, scv.denominator ?? 0], `scv ${at(p)}`).toEqual(
			known ? [complete, known] : [0, 0]
		);

		const tenure = await metric('tenure', p);
		const t = ref.tenure(p.to);
		expect(
			t.median === null ? null : { bin: tenure.extra.binFromMonths, n: tenure.n },
			`tenure ${at(p)}`
		).toEqual(t.median === null ? null : { bin: t.median, n: t.n });

		const wallet = await metric('share-of-wallet', p);
		const w = ref.wallet(p.to);
		if (w.median === null) expect(wallet.value, `wallet ${at(p)}`).toBeNull();
		else {
			// the binned median falls in the exact median's 1-point bin
			expect(
				{ bin: Math.round((wallet.extra.binFrom as number) * 100), n: wallet.n },
				`wallet ${at(p)}`
			).toEqual({ bin: w.median, n: w.n });
			expect(wallet.extra.inconsistent, `wallet inconsistent ${at(p)}`).toBe(w.inconsistent);
		}

		const e = engagement.counts(p.start!, p.end);
		const rates: [string, number][] = [
			['raw-open-rate', e.rawOpened],
			['human-open-rate', e.humanOpened],
			['human-engagement-rate', e.humanEngaged],
			['click-to-delivered-rate', e.humanClicked],
			['reply-rate', e.replied],
			['unsubscribe-rate', e.unsubscribed],
			['complaint-rate', e.complained],
			['conversion-rate', e.converted]
		];
		for (const [id, numerator] of rates) {
			const rate = await metric(id, p);
			expect(
				{ n: rate.numerator ?? 0, d: rate.denominator ?? 0, dq: rate.extra.undeliveredEvents },
				`${id} ${at(p)}`
			).toEqual({ n: e.delivered ? numerator : 0, d: e.delivered, dq: e.undeliveredEvents });
		}
		expect((await metric('conflicting-contacts', p)).value, `conflicts ${at(p)}`).toBe(
			e.conflicting
		);
		const perThousand = await metric('revenue-per-1000-delivered', p);
		expect(perThousand.numerator ?? 0, `attributed revenue ${at(p)}`).toBeCloseTo(
			e.delivered ? e.revenue : 0,
			6
		);

		expect((await metric('consent-violations', p)).value, `consent ${at(p)}`).toBe(
			interactions.consentViolations(p.start!, p.end)
		);
		const pressure = await metric('contact-pressure-over-cap', p);
		const cp = interactions.contactPressure(p.from, p.to, 4);
		expect(
			{ n: pressure.numerator ?? 0, d: pressure.denominator ?? 0, ...pressure.extra },
			`contact pressure ${at(p)}`
		).toMatchObject({
			n: cp.overCap,
			d: cp.customers,
			messages: cp.messages,
			weeks: cp.weeks
		});
		const multichannel = await metric('multichannel-engaged-share', p);
		const activeThen = ref.activeSet(p.to);
		const multi = [...interactions.multichannelOn(p.to)].filter((c) => activeThen.has(c));
		expect(
			[multichannel.numerator ?? 0, multichannel.denominator ?? 0],
			`multichannel ${at(p)}`
		).toEqual(activeThen.size ? [multi.length, activeThen.size] : [0, 0]);
		const yearEarlier = { from: yearBefore(p.from), to: yearBefore(p.to) };
		if (yearEarlier.to >= historyStart) {
			const nrr = await metric('net-revenue-retention', p);
			const want = interactions.revenueRetention(yearEarlier, { from: p.from, to: p.to });
			if (want.customers === 0 || want.before <= 0) {
				expect(nrr.value, `nrr ${at(p)}`).toBeNull();
			} else {
				expect(nrr.n, `nrr n ${at(p)}`).toBe(want.customers);
				expect(nrr.denominator, `nrr before ${at(p)}`).toBeCloseTo(want.before, 6);
				expect(nrr.numerator, `nrr after ${at(p)}`).toBeCloseTo(want.after, 6);
			}
		}

		const sv = service(p.start!, p.end);
		expect((await metric('open-cases', p)).value, `open cases ${at(p)}`).toBe(sv.open);
		const aged = await metric('cases-unresolved-7d', p);
		expect([aged.numerator ?? 0, aged.denominator ?? 0], `aged ${at(p)}`).toEqual(
			sv.open > 0 ? [sv.aged, sv.open] : [0, 0]
		);
		for (const [id, numerator, denominator] of [
			['first-contact-resolution-rate', sv.firstContact, sv.resolved],
			['reopened-rate', sv.reopened, sv.resolved],
			['case-csat', sv.satisfied, sv.csatAnswers]
		] as const) {
			const rate = await metric(id, p);
			expect([rate.numerator ?? 0, rate.denominator ?? 0], `${id} ${at(p)}`).toEqual(
				denominator > 0 ? [numerator, denominator] : [0, 0]
			);
		}
		// the binned median falls in the exact median's bin
		const ttr = await metric('time-to-resolution', p);
		if (sv.medianHours === null) expect(ttr.value, `ttr ${at(p)}`).toBeNull();
		else {
			const from = ttr.extra.binFromHours as number;
			const to = ttr.extra.binToHours as number | null;
			expect(sv.medianHours, `ttr ${at(p)}`).toBeGreaterThanOrEqual(from);
			if (to !== null) expect(sv.medianHours, `ttr ${at(p)}`).toBeLessThan(to);
			expect(ttr.n, `ttr n ${at(p)}`).toBe(sv.resolved);
		}

		const lastDay = { from: p.to, to: p.to, end: p.end };
		expect((await metric('purchases-today', p)).value, `orders ${at(p)}`).toBe(
			ref.ordersIn(lastDay)
		);
		expect((await metric('net-revenue-today', p)).value ?? 0, `revenue ${at(p)}`).toBeCloseTo(
			ref.netRevenue(lastDay),
			6
		);
		expect((await metric('new-customers-today', p)).value, `new ${at(p)}`).toBe(
			ref.newCustomersOn(p.to)
		);
		expect((await metric('messages-delivered-today', p)).value, `delivered ${at(p)}`).toBe(
			ref.count(raw.delivered, lastDay)
		);
		expect((await metric('cases-opened-today', p)).value, `cases ${at(p)}`).toBe(
			ref.count(raw.cases, lastDay)
		);
		expect((await metric('survey-answers-today', p)).value, `answers ${at(p)}`).toBe(
			ref.count(raw.answers, lastDay)
		);
	}

	expect(switchedChecked, `${label}: periods with the switch on`).toBeGreaterThan(0);

	// Cohort retention over every cohort: the in-month, revenue and never-lapsed forms.
	const table = await evaluateTable(db, {
		id: 'cohort-retention',
		from: '2024-01-01',
		to: '2026-05-20',
		now: NOW
	});
	const today = localDate(NOW, tz);
	const expected = ref.cohorts('2024-01', '2026-05', today);
	expect(
		table.rows.map((r) => r.cohort),
		`${label}: cohorts`
	).toEqual(expected.map((r) => r.cohort));
	let projected = 0;
	for (const [i, row] of table.rows.entries()) {
		const want = expected[i]!;
		expect(row.customers, `${label}: cohort ${want.cohort} size`).toBe(want.customers);
		for (const form of ['inMonth', 'orLater', 'revenue', 'neverLapsed'] as const) {
			const got = row[form] as (number | null)[];
			expect(got.length, `${label}: ${want.cohort} ${form} length`).toBe(want[form].length);
			for (const [k, value] of want[form].entries()) {
				if (value === null) expect(got[k], `${label}: ${want.cohort} ${form}[${k}]`).toBeNull();
				else expect(got[k], `${label}: ${want.cohort} ${form}[${k}]`).toBeCloseTo(value, 9);
			}
		}
		// The retention projection: once 6 months after the lapse-free ones have ended, the sBG
		// fitted by its own likelihood to the reference's curve, carried on from the last month.
		const observed = want.neverLapsed.filter((v): v is number => v !== null);
		const base = lapseFreeMonths(want.cohort, ref.w);
		const projection = row.projection as RetentionProjection | null;
		if (observed.length - 1 - base < 6) {
			expect(projection, `${label}: ${want.cohort} projection`).toBeNull();
		} else if (projection) {
			projected++;
			const survivors = observed
				.slice(base)
				.map((v) => Math.round((v / observed[base]!) * want.customers));
			const fit = fitSbg(survivors);
			expect(projection.alpha).toBeCloseTo(fit.alpha, 9);
			// the last observed share, carried one month on by the model's survival from there
			const t = observed.length - base;
			expect(projection.values[observed.length]).toBeCloseTo(
				(observed.at(-1)! * sbgSurvival(fit, t)) / sbgSurvival(fit, t - 1),
				9
			);
		}
	}
	expect(projected, `${label}: cohorts projected`).toBeGreaterThan(0);

	// The partial period's comparison is cut at the same clock time (a quarter hour here).
	const json = await evaluateMetric(db, { id: 'average-order-value', now: NOW });
	const cut = { from: previous.from, to: previous.to, end: previous.end };
	const cutDays = ref.purchaseDays(cut);
	expect(json.compare.denominator ?? 0, `${label}: compare purchase days`).toBe(cutDays);
	if (cutDays) expect(json.compare.numerator).toBeCloseTo(ref.netRevenue(cut), 6);
}

describe.each([11, 23, 97])('rollups against a naive reference (seed %i)', (seed) => {
	let database: TestDatabase;
	let db: Kysely<DB>;
	const random = mulberry32(seed);
	let ids: number[] = [];

	beforeAll(async () => {
		database = await openTestDatabase();
		db = database.db;
		await updateSettings(db, { timeZone: 'America/New_York', activityWindowDays: 30 });
		await sql`insert into source (source) values ('prop'), ('crm'), ('shop') on conflict do nothing`.execute(
			db
		);
		ids = await addRandomCustomers(db, random, 50);
	});
	afterAll(() => database.close());

	it('matches after the first build', async () => {
		const report = await refreshRollups(db);
		expect(report.built).toBe(50);
		await expectAllMatch(db, 'America/New_York', 30, 'first build');
	});

	it('matches after late rows for old days, new customers, a merge and deletions', async () => {
		// late: old customers get orders back in 2024; new customers arrive
		await addRandomOrders(db, random, ids.slice(0, 15), {
			from: RANGE_START,
			to: Date.parse('2024-12-31T00:00:00Z')
		});
		const more = await addRandomCustomers(db, random, 10);
		// cases resolved late: the messages delivered after the resolution no longer conflict
		const resolvedLate = await sql<{ customer_id: number }>`
			update service_case set resolved_at = opened_at + interval '1 day'
			where resolved_at is null and case_id % 2 = 0
			returning customer_id
		`.execute(db);
		const caseCustomers = new Set(resolvedLate.rows.map((r) => r.customer_id)).size;
		await expect(
			db.selectFrom('rollup_dirty').select('customer_id').execute()
		).resolves.not.toHaveLength(0);
		const first = await refreshRollups(db);
		expect(first.built).toBe(0);
		// the 15 old customers that drew a late order, the 10 new ones, and those whose cases changed
		expect(first.customers).toBeGreaterThanOrEqual(10);
		expect(first.customers).toBeLessThanOrEqual(25 + caseCustomers);
		await expectAllMatch(db, 'America/New_York', 30, 'incremental');

		// a merge moves one customer's rows to another; some orders go away
		const [from, into] = [ids[20]!, more[0]!];
		await db
			.updateTable('customer_order')
			.set({ customer_id: into })
			.where('customer_id', '=', from)
			.execute();
		await db
			.updateTable('interaction_event')
			.set({ customer_id: into })
			.where('customer_id', '=', from)
			.execute();
		await db
			.updateTable('service_case')
			.set({ customer_id: into })
			.where('customer_id', '=', from)
			.execute();
		await db
			.updateTable('identity')
			.set({ customer_id: into })
			.where('customer_id', '=', from)
			.execute();
		await db
			.updateTable('customer')
			.set({ merged_into: into })
			.where('customer_id', '=', from)
			.execute();
		await db.deleteFrom('customer_order').where('customer_id', '=', ids[21]!).execute();
		await db
			.deleteFrom('interaction_event')
			.where('customer_id', '=', ids[23]!)
			.where('type', '=', 'delivered')
			.execute();
		await db
			.deleteFrom('customer_order')
			.where('customer_id', '=', ids[22]!)
			.where('kind', '<>', 'order')
			.execute();
		await refreshRollups(db);
		await expectAllMatch(db, 'America/New_York', 30, 'merge and deletions');
	});

	it('matches after a rebuild for another time zone and activity window', async () => {
		await updateSettings(db, {
			timeZone: 'Asia/Kolkata',
			activityWindowDays: 365,
			fiscalYearStartMonth: 4
		});
		const report = await refreshRollups(db);
		expect(report.built).toBeGreaterThan(0);
		const generations = await db.selectFrom('rollup_generation').selectAll().execute();
		expect(generations.map((g) => [g.status, g.time_zone])).toEqual([['live', 'Asia/Kolkata']]);
		await expectAllMatch(db, 'Asia/Kolkata', 365, 'rebuilt', 4);
	});
});
