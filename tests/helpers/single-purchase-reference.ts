import type { Kysely } from 'kysely';
import type { DB } from '$lib/server/db/schema';

/**
 * A naive reference for the exclude-single-purchase switch (PRODUCT.md §3), over the raw order and
 * customer rows, sharing no code with the rollups: its own local dates (Intl) and day arithmetic.
 *
 * A customer (not merged away) is left out for a period whose last local day is E when their first
 * purchase f — the earlier of the source's first_order_at / first_order_on and their earliest
 * purchase day — is known (given by the source, or on or after history start + 365 days), f is on
 * or before E − 91, and no purchase day after f came by E.
 *
 * - Average order value: net revenue of the rows in the period (local date in [from, to], before
 *   `end`) of the customers not left out / their purchase days in it.
 * - Purchase frequency: purchase days in the 365 days to E (before `end`) of the customers not left
 *   out / customers active on E (a purchase day in the W days to it) not left out.
 */

interface RawOrder {
	customer_id: number;
	kind: string;
	reporting_amount: string;
	ordered_at: Date;
}

interface RawCustomer {
	customer_id: number;
	first_order_at: Date | null;
	first_order_on: string | null;
	merged_into: number | null;
}

/** A period: local dates, both inclusive, and the instant it ends at (now, while it runs). */
export interface ReferencePeriod {
	from: string;
	to: string;
	end: Date;
}

export interface SinglePurchaseFigures {
	aov: { numerator: number; denominator: number };
	frequency: { numerator: number; denominator: number };
	/** Every customer left out on the period's last day. */
	excludedCustomers: number;
	/** Customers who would be left out were their first purchase known. */
	unknownFirstPurchase: number;
}

const DAY_MS = 86_400_000;

function dayIn(at: Date, timeZone: string): string {
	return new Intl.DateTimeFormat('en-CA', {
		timeZone,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(at);
}

function shift(day: string, days: number): string {
	return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

interface Person {
	first: string;
	known: boolean;
	/** Purchase days, ascending, with the day's first order instant. */
	days: { day: string; first: Date }[];
	/** The first purchase day after `first`, if any. */
	next: string | undefined;
}

export class SinglePurchaseReference {
	private readonly people = new Map<number, Person>();
	/** Purchase days of every customer (merged ones too): customer → day → first order instant. */
	private readonly purchaseDays = new Map<number, Map<string, Date>>();
	readonly historyStart: string;

	/** Reads the raw rows; the history start defaults to the local date of the earliest order row. */
	static async read(
		db: Kysely<DB>,
		timeZone: string,
		activityWindowDays: number,
		historyStart?: string
	): Promise<SinglePurchaseReference> {
		const orders = await db
			.selectFrom('customer_order')
			.select(['customer_id', 'kind', 'reporting_amount', 'ordered_at'])
			.execute();
		const customers = await db
			.selectFrom('customer')
			.select(['customer_id', 'first_order_at', 'first_order_on', 'merged_into'])
			.execute();
		return new SinglePurchaseReference(
			{
				orders: orders.map((o) => ({ ...o, ordered_at: new Date(o.ordered_at) })),
				customers: customers.map((c) => ({
					...c,
					first_order_at: c.first_order_at ? new Date(c.first_order_at) : null
				}))
			},
			timeZone,
			activityWindowDays,
			historyStart
		);
	}

	constructor(
		private readonly raw: { orders: RawOrder[]; customers: RawCustomer[] },
		private readonly timeZone: string,
		private readonly activityWindowDays: number,
		historyStart?: string
	) {
		for (const o of raw.orders) {
			if (o.kind !== 'order') continue;
			const byDay = this.purchaseDays.get(o.customer_id) ?? new Map<string, Date>();
			const day = dayIn(o.ordered_at, timeZone);
			const first = byDay.get(day);
			if (!first || o.ordered_at < first) byDay.set(day, o.ordered_at);
			this.purchaseDays.set(o.customer_id, byDay);
		}
		let earliest: Date | null = null;
		for (const o of raw.orders) if (!earliest || o.ordered_at < earliest) earliest = o.ordered_at;
		this.historyStart = historyStart ?? (earliest ? dayIn(earliest, timeZone) : '9999-12-31');
		const knownFrom = shift(this.historyStart, 365);
		for (const c of raw.customers) {
			if (c.merged_into !== null) continue;
			const days = [...(this.purchaseDays.get(c.customer_id) ?? new Map<string, Date>())]
				.map(([day, first]) => ({ day, first }))
				.sort((x, y) => (x.day < y.day ? -1 : 1));
			const given = c.first_order_at ? dayIn(c.first_order_at, timeZone) : c.first_order_on;
			const candidates = [given, days[0]?.day].filter((d): d is string => !!d).sort();
			const first = candidates[0];
			if (!first) continue;
			this.people.set(c.customer_id, {
				first,
				known: !!given || first >= knownFrom,
				days,
				next: days.find((d) => d.day > first)?.day
			});
		}
	}

	private leftOut(customer: number, lastDay: string): boolean {
		const person = this.people.get(customer);
		if (!person || !person.known) return false;
		return (
			person.first <= shift(lastDay, -91) && (person.next === undefined || person.next > lastDay)
		);
	}

	figures(p: ReferencePeriod): SinglePurchaseFigures {
		const inPeriod = (day: string, at: Date, from: string) =>
			day >= from && day <= p.to && at < p.end;
		let cents = 0;
		for (const o of this.raw.orders) {
			if (this.leftOut(o.customer_id, p.to)) continue;
			if (inPeriod(dayIn(o.ordered_at, this.timeZone), o.ordered_at, p.from)) {
				cents += Math.round(Number(o.reporting_amount) * 100);
			}
		}
		const yearFrom = shift(p.to, -364);
		const activeFrom = shift(p.to, -(this.activityWindowDays - 1));
		let days = 0;
		let yearDays = 0;
		let active = 0;
		for (const [customer, byDay] of this.purchaseDays) {
			if (this.leftOut(customer, p.to)) continue;
			let isActive = false;
			for (const [day, first] of byDay) {
				if (inPeriod(day, first, p.from)) days++;
				if (inPeriod(day, first, yearFrom)) yearDays++;
				if (day >= activeFrom && day <= p.to) isActive = true;
			}
			if (isActive) active++;
		}
		let excluded = 0;
		let unknown = 0;
		for (const [customer, person] of this.people) {
			if (this.leftOut(customer, p.to)) excluded++;
			else if (
				!person.known &&
				person.first <= shift(p.to, -91) &&
				(person.next === undefined || person.next > p.to)
			) {
				unknown++;
			}
		}
		return {
			aov: { numerator: cents / 100, denominator: days },
			frequency: { numerator: yearDays, denominator: active },
			excludedCustomers: excluded,
			unknownFirstPurchase: unknown
		};
	}
}
