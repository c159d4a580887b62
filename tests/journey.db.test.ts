import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '$lib/server/db/schema';
import { evaluateTable, type TableJson } from '$lib/server/metrics/evaluate';
import { refreshRollups } from '$lib/server/rollups/refresh';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, type TestDatabase } from './helpers/database';
import { addEvent, addOrder, addSurvey } from './helpers/fixtures';
import {
	journeyReference,
	journeyStagesOn,
	readJourneyRaw,
	REFERENCE_STAGES,
	type JourneySettings
} from './helpers/journey-reference';

async function addCustomerCreated(
	db: Kysely<DB>,
	created: string,
	options: { firstOrderOn?: string; firstOrderAt?: string } = {}
): Promise<number> {
	await sql`insert into source (source) values ('fixture') on conflict do nothing`.execute(db);
	const row = await db
		.insertInto('customer')
		.values({
			source: 'fixture',
			created_at: created.includes('T') ? created : `${created}T12:00:00Z`,
			first_order_on: options.firstOrderOn ?? null,
			first_order_at: options.firstOrderAt ?? null
		})
		.returning('customer_id')
		.executeTakeFirstOrThrow();
	return Number(row.customer_id);
}

const table = (db: Kysely<DB>, id: string, from: string, to: string, now: Date) =>
	evaluateTable(db, { id, from, to, now });

function byStage(funnel: TableJson): Record<string, Record<string, unknown>> {
	return Object.fromEntries(funnel.rows.map((row) => [row.stage as string, row]));
}

// Worked by hand: UTC, activity window 365 days, history start 1 Jan 2024, so first purchases are
// known from 31 Dec 2024 (2024 has 366 days). The period is April 2026: the start is the state on
// 31 Mar 2026, the end the state on 30 Apr 2026. Orders at noon.
//   A  created 10 Mar 2026, no order                           start Prospect        end Prospect
//   B  created 1 Mar 2026, bought 10 Apr                        Prospect  → First purchase (40 days)
//   C  created 5 Jan 2026, bought 20 Jan, 5 Apr                 First purchase → Repeat
//                                                               (20 Jan → 5 Apr: 75 days)
//   D  created 1 Jun 2025, bought 10 Jun, 1 Sep 2025, 20 Apr 2026; NPS 8 on 21 Apr 2026
//        31 Mar: two purchase days in the year → Repeat; 20 Apr: three → Loyal (the 8 is no
//        detractor): Repeat → Loyal; loyal 231 days after the second purchase day (1 Sep 2025)
//   E  created 1 Feb 2025, bought 10 Feb, 1 May, 1 Aug 2025 → Loyal 1 Aug 2025 – 9 Feb 2026 (the
//        10 Feb purchase leaves the 365 days on 10 Feb 2026), then Repeat; NPS 10 on 1 Mar 2026,
//        bought 10 Apr 2026 → Loyal again; a referral on 15 Apr → Advocate from 15 Apr:
//        Repeat → Advocate; advocate 257 days after the first loyal day (1 Aug 2025)
//   F  created 1 Jun 2024, bought 1 Mar 2025 only → lapsed on 1 Mar 2026: Lapsed → Lapsed
//   G  created 1 Feb 2024, bought 1 Mar 2024 and 1 Dec 2025 → first purchase before 31 Dec 2024
//        and not given: History unknown → History unknown
//   H  created 1 Feb 2024, source gave first order 1 May 2020, bought 1 Feb 2026 → the given one
//        counts as a purchase day: Repeat → Repeat (created after the first purchase)
//   I  created 20 Apr 2026, no order                            Not yet known → Prospect
//   J  created 1 Jan 2026, merged into A                        left out
//   K  created 1 Jan 2024, bought 10, 11, 12 Apr 2025 → Loyal 12 Apr 2025 – 9 Apr 2026, Repeat on
//        10–11 Apr, lapsed on 12 Apr 2026: Loyal → Lapsed
//   L  created 1 Apr 2026, bought 3 Apr                         Not yet known → First purchase (2)
//   M  created 1 Feb 2026, bought 25 Apr                        Prospect → First purchase (83)
//   O  created 2 Apr 2026, bought 12 Apr                        Not yet known → First purchase (10)
// At the start (10 known): Prospect 3 (A B M), First purchase 1 (C), Repeat 3 (D E H), Loyal 1 (K),
// Advocate 0, Lapsed 1 (F), History unknown 1 (G).
// At the end (13 known): Prospect 2 (A I), First purchase 4 (B L M O), Repeat 2 (C H), Loyal 1 (D),
// Advocate 1 (E), Lapsed 2 (F K), History unknown 1 (G).
// Conversion: Prospect 2 of 3 (B M), First purchase 1 of 1, Repeat 2 of 3 (D E), Loyal 0 of 1.
// Medians over April: first purchase {2, 10, 40, 83} → 10 (the lower middle), n 4; repeat {75};
// loyal {231}; advocate {257}.
//
// Then, incrementally: A buys on 28 Apr (First purchase, 49 days after created: {2, 10, 40, 49, 83}
// → 40); D answers NPS 9 on 25 Apr and refers a friend on 26 Apr (Advocate from 26 Apr, 6 days
// after the first loyal day: advocate {6, 257} → 6); E answers NPS 3 on 28 Apr (a detractor: no
// longer loyal, Repeat). End: Prospect 1, First purchase 5, Repeat 3 (C E H), Loyal 0, Advocate 1
// (D), Lapsed 2, History unknown 1; conversion Prospect 3 of 3, Repeat 1 of 3 (D), Loyal 0 of 1.
describe('journey-funnel and journey-flow', () => {
	let database: TestDatabase;
	let db: Kysely<DB>;
	const now = new Date('2026-05-15T12:00:00Z');
	const ids: Record<string, number> = {};

	beforeAll(async () => {
		database = await openTestDatabase();
		db = database.db;
		await updateSettings(db, {
			timeZone: 'UTC',
			activityWindowDays: 365,
			historyStart: '2024-01-01'
		});
		const person = async (
			name: string,
			created: string,
			bought: string[],
			options: { firstOrderOn?: string } = {}
		) => {
			const id = await addCustomerCreated(db, created, options);
			for (const day of bought) await addOrder(db, id, `${day}T12:00:00Z`);
			ids[name] = id;
			return id;
		};
		await person('A', '2026-03-10', []);
		await person('B', '2026-03-01', ['2026-04-10']);
		await person('C', '2026-01-05', ['2026-01-20', '2026-04-05']);
		const d = await person('D', '2025-06-01', ['2025-06-10', '2025-09-01', '2026-04-20']);
		await addSurvey(db, d, '2026-04-21T12:00:00Z', { nps: 8 });
		const e = await person('E', '2025-02-01', [
			'2025-02-10',
			'2025-05-01',
			'2025-08-01',
			'2026-04-10'
		]);
		await addSurvey(db, e, '2026-03-01T12:00:00Z', { nps: 10 });
		await addEvent(db, e, '2026-04-15T12:00:00Z', 'referral');
		await person('F', '2024-06-01', ['2025-03-01']);
		await person('G', '2024-02-01', ['2024-03-01', '2025-12-01']);
		await person('H', '2024-02-01', ['2026-02-01'], { firstOrderOn: '2020-05-01' });
		await person('I', '2026-04-20', []);
		const j = await person('J', '2026-01-01', []);
		await db
			.updateTable('customer')
			.set({ merged_into: ids.A })
			.where('customer_id', '=', j)
			.execute();
		await person('K', '2024-01-01', ['2025-04-10', '2025-04-11', '2025-04-12']);
		await person('L', '2026-04-01', ['2026-04-03']);
		await person('M', '2026-02-01', ['2026-04-25']);
		await person('O', '2026-04-02', ['2026-04-12']);
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts the customers per stage at the start and the end, with conversion and medians', async () => {
		const funnel = await table(db, 'journey-funnel', '2026-04-01', '2026-04-30', now);
		expect(funnel.kind).toBe('table');
		expect(funnel.columns).toEqual([
			'stage',
			'customers',
			'share',
			'atStart',
			'converted',
			'conversion',
			'medianDaysFromPrevious',
			'n'
		]);
		expect(funnel.rows.map((r) => r.stage)).toEqual([
			'Prospect',
			'First purchase',
			'Repeat',
			'Loyal',
			'Advocate',
			'Lapsed',
			'History unknown'
		]);
		const rows = byStage(funnel);
		expect(rows.Prospect).toMatchObject({
			customers: 2,
			atStart: 3,
			converted: 2,
			conversion: 2 / 3,
			medianDaysFromPrevious: null,
			n: null
		});
		expect(rows.Prospect?.share).toBeCloseTo(2 / 13, 12);
		expect(rows['First purchase']).toMatchObject({
			customers: 4,
			atStart: 1,
			converted: 1,
			conversion: 1,
			medianDaysFromPrevious: 10,
			n: 4
		});
		expect(rows.Repeat).toMatchObject({
			customers: 2,
			atStart: 3,
			converted: 2,
			conversion: 2 / 3,
			medianDaysFromPrevious: 75,
			n: 1
		});
		expect(rows.Loyal).toMatchObject({
			customers: 1,
			atStart: 1,
			converted: 0,
			conversion: 0,
			medianDaysFromPrevious: 231,
			n: 1
		});
		expect(rows.Advocate).toMatchObject({
			customers: 1,
			atStart: 0,
			converted: null,
			conversion: null,
			medianDaysFromPrevious: 257,
			n: 1
		});
		expect(rows.Lapsed).toMatchObject({
			customers: 2,
			atStart: 1,
			conversion: null,
			medianDaysFromPrevious: null
		});
		expect(rows['History unknown']).toMatchObject({ customers: 1, atStart: 1, conversion: null });
		expect(funnel.extra).toMatchObject({
			startDay: '2026-03-31',
			endDay: '2026-04-30',
			customers: 13,
			firstPurchaseKnownFrom: '2024-12-31'
		});
		expect(funnel.extra.historyIncomplete).toBeUndefined();
	});

	it('gives the flow between the stages at the start and the end', async () => {
		const flow = await table(db, 'journey-flow', '2026-04-01', '2026-04-30', now);
		expect(flow.columns).toEqual(['from', 'to', 'customers']);
		expect(flow.rows).toEqual([
			{ from: 'Not yet known', to: 'Prospect', customers: 1 },
			{ from: 'Not yet known', to: 'First purchase', customers: 2 },
			{ from: 'Prospect', to: 'Prospect', customers: 1 },
			{ from: 'Prospect', to: 'First purchase', customers: 2 },
			{ from: 'First purchase', to: 'Repeat', customers: 1 },
			{ from: 'Repeat', to: 'Repeat', customers: 1 },
			{ from: 'Repeat', to: 'Loyal', customers: 1 },
			{ from: 'Repeat', to: 'Advocate', customers: 1 },
			{ from: 'Loyal', to: 'Lapsed', customers: 1 },
			{ from: 'Lapsed', to: 'Lapsed', customers: 1 },
			{ from: 'History unknown', to: 'History unknown', customers: 1 }
		]);
	});

	it('keeps the stage spells of each customer as worked out', async () => {
		const spells = await sql<{
			customer_id: string;
			stage: string;
			start_day: string;
			end_day: string | null;
		}>`
			select customer_id::text, stage, start_day::text, end_day::text from rc_journey_stage
			where generation = (select generation from rollup_generation where status = 'live')
			order by customer_id, start_day
		`.execute(db);
		const of = (name: string) =>
			spells.rows
				.filter((s) => Number(s.customer_id) === ids[name])
				.map((s) => [s.stage, s.start_day, s.end_day]);
		expect(of('E')).toEqual([
			['prospect', '2025-02-01', '2025-02-10'],
			['first', '2025-02-10', '2025-05-01'],
			['repeat', '2025-05-01', '2025-08-01'],
			['loyal', '2025-08-01', '2026-02-10'],
			['repeat', '2026-02-10', '2026-04-10'],
			['loyal', '2026-04-10', '2026-04-15'],
			// the loyal spell ends when 1 May 2025 leaves the 365 days; the spell (active) ends
			// 365 days after the last purchase day
			['advocate', '2026-04-15', '2026-05-01'],
			['repeat', '2026-05-01', '2027-04-10'],
			['lapsed', '2027-04-10', null]
		]);
		expect(of('K')).toEqual([
			['prospect', '2024-01-01', '2025-04-10'],
			['first', '2025-04-10', '2025-04-11'],
			['repeat', '2025-04-11', '2025-04-12'],
			['loyal', '2025-04-12', '2026-04-10'],
			['repeat', '2026-04-10', '2026-04-12'],
			['lapsed', '2026-04-12', null]
		]);
		expect(of('J')).toEqual([]);
	});

	it('follows new orders, answers and referrals at the next refresh', async () => {
		await addOrder(db, ids.A as number, '2026-04-28T12:00:00Z');
		await addSurvey(db, ids.D as number, '2026-04-25T12:00:00Z', { nps: 9 });
		await addEvent(db, ids.D as number, '2026-04-26T12:00:00Z', 'referral');
		await addSurvey(db, ids.E as number, '2026-04-28T12:00:00Z', { nps: 3 });
		await refreshRollups(db);
		const rows = byStage(await table(db, 'journey-funnel', '2026-04-01', '2026-04-30', now));
		expect(rows.Prospect).toMatchObject({ customers: 1, atStart: 3, converted: 3, conversion: 1 });
		expect(rows['First purchase']).toMatchObject({
			customers: 5,
			medianDaysFromPrevious: 40,
			n: 5
		});
		expect(rows.Repeat).toMatchObject({ customers: 3, atStart: 3, converted: 1 });
		expect(rows.Loyal).toMatchObject({ customers: 0, atStart: 1, converted: 0 });
		expect(rows.Advocate).toMatchObject({ customers: 1, medianDaysFromPrevious: 6, n: 2 });
		expect(rows.Lapsed).toMatchObject({ customers: 2 });
		expect(rows['History unknown']).toMatchObject({ customers: 1 });
		const flow = await table(db, 'journey-flow', '2026-04-01', '2026-04-30', now);
		expect(flow.rows).toContainEqual({ from: 'Repeat', to: 'Advocate', customers: 1 });
		expect(flow.rows).toContainEqual({ from: 'Repeat', to: 'Repeat', customers: 2 });
		expect(flow.rows).toContainEqual({ from: 'Prospect', to: 'First purchase', customers: 3 });
	});

	it('ends a partial period today and flags an incomplete history', async () => {
		const may = await table(db, 'journey-funnel', '2026-05-01', '2026-05-31', now);
		expect(may.period).toMatchObject({ partial: true, to: '2026-05-15' });
		expect(may.extra).toMatchObject({ startDay: '2026-04-30', endDay: '2026-05-15' });
		// E's loyalty ended when 1 May 2025 left the 365 days; a detractor now anyway
		expect(byStage(may).Repeat).toMatchObject({ customers: 3, atStart: 3 });
		const early = await table(db, 'journey-funnel', '2024-06-01', '2024-06-30', now);
		expect(early.extra.historyIncomplete).toBe(true);
		const before = await table(db, 'journey-flow', '2023-01-01', '2023-01-31', now);
		expect(before.rows).toEqual([]);
		expect(String(before.extra.reason)).toContain('history start');
	});
});

// ---------------------------------------------------------------- against the reference

function mulberry32(seed: number): () => number {
	let t = seed >>> 0;
	return () => {
		t = (t + 0x6d2b79f5) >>> 0;
		let r = Math.imul(t ^ (t >>> 15), 1 | t);
		r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
		return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
	};
}

const DAY_MS = 86_400_000;
const RANGE_START = Date.parse('2024-01-01T00:00:00Z');
const RANGE_END = Date.parse('2026-06-01T00:00:00Z');

/**
 * Random customers with few days of activity each, so that stages change often: purchases in
 * bursts, NPS answers of every kind (two at one instant now and then), referrals and reviews,
 * given first purchases, refunds, local midnights (the zone is New York) and a merge.
 */
async function addRandomJourneys(db: Kysely<DB>, random: () => number, count: number) {
	const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
	const instant = (from = RANGE_START, to = RANGE_END) => {
		const at = from + Math.floor(random() * (to - from));
		// a quarter of them on a local midnight (05:00 or 04:00 UTC) or just before it
		if (random() < 0.25) {
			const day = Math.floor(at / DAY_MS) * DAY_MS;
			return new Date(day + pick([4, 5]) * 3_600_000 + pick([0, -1000]));
		}
		return new Date(at);
	};
	const created: number[] = [];
	for (let i = 0; i < count; i++) {
		const given = random() < 0.15 ? instant(RANGE_START - 500 * DAY_MS, RANGE_END) : null;
		const id = await addCustomerCreated(db, instant().toISOString(), {
			...(given && random() < 0.5 ? { firstOrderAt: given.toISOString() } : {}),
			...(given && random() >= 0.5 ? { firstOrderOn: given.toISOString().slice(0, 10) } : {})
		});
		created.push(id);
		const bursts = random() < 0.2 ? 0 : 1 + Math.floor(random() * 3);
		for (let b = 0; b < bursts; b++) {
			let at = instant().getTime();
			const orders = 1 + Math.floor(random() * 5);
			for (let o = 0; o < orders && at < RANGE_END; o++) {
				await addOrder(db, id, new Date(at).toISOString(), {
					kind: random() < 0.1 ? 'refund' : 'order'
				});
				at += Math.floor(random() * 120 * DAY_MS);
			}
		}
		const answers = Math.floor(random() * 4);
		for (let a = 0; a < answers; a++) {
			const at = instant().toISOString();
			await addSurvey(db, id, at, { nps: pick([3, 6, 7, 8, 9, 10, 10]) });
			// two answers at the same instant: the later response wins
			if (random() < 0.2) await addSurvey(db, id, at, { nps: pick([2, 9]) });
		}
		const mentions = random() < 0.6 ? 1 + Math.floor(random() * 3) : 0;
		for (let m = 0; m < mentions; m++) {
			await addEvent(
				db,
				id,
				instant().toISOString(),
				pick(['referral', 'review', 'visit'] as const)
			);
		}
	}
	const [into, from] = created;
	if (into !== undefined && from !== undefined) {
		await db
			.updateTable('customer')
			.set({ merged_into: into })
			.where('customer_id', '=', from)
			.execute();
	}
	return created;
}

describe('journey against a naive reference on random data', () => {
	let database: TestDatabase;
	let db: Kysely<DB>;
	const now = new Date('2026-06-10T16:00:00Z');
	const random = mulberry32(20261122);
	let customers: number[] = [];

	beforeAll(async () => {
		database = await openTestDatabase();
		db = database.db;
		await updateSettings(db, { timeZone: 'America/New_York', activityWindowDays: 200 });
		customers = await addRandomJourneys(db, random, 100);
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	const periods: [string, string][] = [
		['2025-01-01', '2025-03-31'],
		['2025-06-01', '2025-06-30'],
		['2025-03-09', '2025-11-02'],
		['2025-10-01', '2026-02-28'],
		['2026-06-01', '2026-06-30']
	];

	async function compare(settings: JourneySettings, label: string) {
		const raw = await readJourneyRaw(db);
		for (const [from, to] of periods) {
			const funnel = await table(db, 'journey-funnel', from, to, now);
			const flow = await table(db, 'journey-flow', from, to, now);
			const end = funnel.period.to;
			const want = journeyReference(raw, settings, from, end);
			const rows = byStage(funnel);
			for (const stage of REFERENCE_STAGES) {
				const where = `${label} ${from}–${end} ${stage}`;
				expect(rows[stage]?.customers, `${where}: customers`).toBe(want.atEnd[stage]);
				expect(rows[stage]?.atStart, `${where}: at start`).toBe(want.atStart[stage]);
				if (stage in want.converted) {
					expect(rows[stage]?.converted, `${where}: converted`).toBe(
						want.converted[stage as keyof typeof want.converted]
					);
				}
				if (stage in want.medians) {
					const m = want.medians[stage as keyof typeof want.medians];
					expect(rows[stage]?.medianDaysFromPrevious, `${where}: median`).toBe(m.median);
					expect(rows[stage]?.n, `${where}: n`).toBe(m.n);
				}
			}
			expect(flow.rows, `${label} ${from}–${end}: flow`).toEqual(want.flow);
		}
	}

	it('matches the reference after the first build', async () => {
		await compare(
			{ timeZone: 'America/New_York', activityWindowDays: 200, historyStart: null },
			'build'
		);
		// the stages on a day, customer by customer, through the spells
		const raw = await readJourneyRaw(db);
		const settings = { timeZone: 'America/New_York', activityWindowDays: 200, historyStart: null };
		for (const day of ['2025-02-14', '2025-11-02', '2026-03-08']) {
			const want = journeyStagesOn(raw, settings, day);
			const got = await sql<{ customer_id: string; stage: string }>`
				select customer_id::text, stage from rc_journey_stage
				where generation = (select generation from rollup_generation where status = 'live')
					and start_day <= ${day}::date and (end_day is null or end_day > ${day}::date)
			`.execute(db);
			const labels: Record<string, string> = {
				prospect: 'Prospect',
				first: 'First purchase',
				repeat: 'Repeat',
				loyal: 'Loyal',
				advocate: 'Advocate',
				lapsed: 'Lapsed',
				unknown: 'History unknown'
			};
			expect(
				new Map(got.rows.map((r) => [Number(r.customer_id), labels[r.stage]])),
				`stages on ${day}`
			).toEqual(want);
		}
	});

	it('matches the reference after incremental changes', async () => {
		const pick = () => customers[Math.floor(random() * customers.length)] as number;
		for (let i = 0; i < 15; i++) {
			await addOrder(
				db,
				pick(),
				new Date(RANGE_START + random() * (RANGE_END - RANGE_START)).toISOString()
			);
			await addSurvey(
				db,
				pick(),
				new Date(RANGE_START + random() * (RANGE_END - RANGE_START)).toISOString(),
				{
					nps: random() < 0.5 ? 10 : 2
				}
			);
			await addEvent(
				db,
				pick(),
				new Date(RANGE_START + random() * (RANGE_END - RANGE_START)).toISOString(),
				'review'
			);
		}
		await db.deleteFrom('customer_order').where('customer_id', '=', pick()).execute();
		await addCustomerCreated(db, '2026-06-02T03:00:00Z');
		await refreshRollups(db);
		await compare(
			{ timeZone: 'America/New_York', activityWindowDays: 200, historyStart: null },
			'incremental'
		);
	});

	it('matches the reference after a rebuild for another zone, window and history start', async () => {
		await updateSettings(db, {
			timeZone: 'Asia/Tokyo',
			activityWindowDays: 365,
			historyStart: '2024-06-01'
		});
		await refreshRollups(db, { full: true });
		await compare(
			{ timeZone: 'Asia/Tokyo', activityWindowDays: 365, historyStart: '2024-06-01' },
			'rebuild'
		);
	});
});
