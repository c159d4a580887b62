import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder } from '../../../../tests/helpers/fixtures';
import { SinglePurchaseReference } from '../../../../tests/helpers/single-purchase-reference';
import { updateSettings } from '../settings';
import { evaluateMetric, type MetricRequest } from './evaluate';
import { resolvePeriod } from './period';

// Worked by hand. America/New_York, activity window W = 365 days. The history starts with Z's
// order on 2024-01-01, so first purchases are known from 2024-12-31 (+365 days in a leap year) on,
// or when the source gives them. A customer is left out for a period ending on E when their first
// purchase f is known, f ≤ E − 91 and no second purchase day came by E.
//
//   customer  purchase days (amount)                     other rows             first purchase
//   Z         2024-01-01 (10)                            —                      unknown
//   U         2024-12-15 (15)                            refund 06-05 −5        unknown
//   G         2025-08-01 (70)                            refunds 05-10 09:00 −2, given 2023-05-01
//                                                        05-10 16:00 −3, 06-20 −7
//   R         2025-01-05 (20), 02-01 (22)                —                      known; repeats day 27
//   D         2025-01-10 (25), 05-20 (35)                —                      known
//   C         2025-02-01 (30), 07-15 (40)                —                      known
//   Gp        2025-03-15 (60)                            —                      given 2025-03-15
//   A         2025-03-31 (60 + 40, two orders one day)   refund 06-10 −20       known
//   B         2025-04-01 (50)                            —                      known
//   M         2025-05-05 (45)                            —                      known
//   N         2025-06-15 (80)                            —                      known
//
// June 2025: E = 06-30, E − 91 = 03-31. Left out: G (n 08-01), Gp (03-15), A (03-31, exactly on the
// edge), C (second purchase 07-15, after E) = 4. Kept: B (04-01, one day inside the edge), D (second
// purchase 05-20), R, M, N, and the unknown Z and U (2 would be left out were they known).
// May 2025: E = 05-31, E − 91 = 03-01. Left out: G, C = 2 (Gp and A are too recent).
describe('exclude single-purchase customers', () => {
	let database: TestDatabase;
	let a: number;
	const now = new Date('2025-09-01T12:00:00Z');
	const noon = (date: string) => `${date}T12:00:00-05:00`;

	const metric = (id: string, from: string, to: string, options: Partial<MetricRequest> = {}) =>
		evaluateMetric(database.db, { id, from, to, now, ...options });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'America/New_York', activityWindowDays: 365 });
		const buy = async (
			rows: [string, string, 'refund'?][],
			options: Parameters<typeof addCustomer>[1] = {}
		) => {
			const id = await addCustomer(db, options);
			for (const [at, amount, kind] of rows) {
				await addOrder(db, id, at.includes('T') ? at : noon(at), {
					amount,
					...(kind ? { kind } : {})
				});
			}
			return id;
		};
		await buy([['2024-01-01', '10']]); // Z
		await buy([
			['2024-12-15', '15'],
			['2025-06-05', '-5', 'refund']
		]); // U
		await buy(
			[
				['2025-05-10T09:00:00-04:00', '-2', 'refund'],
				['2025-05-10T16:00:00-04:00', '-3', 'refund'],
				['2025-06-20', '-7', 'refund'],
				['2025-08-01', '70']
			],
			{ firstOrderOn: '2023-05-01' }
		); // G
		await buy([
			['2025-01-05', '20'],
			['2025-02-01', '22']
		]); // R
		await buy([
			['2025-01-10', '25'],
			['2025-05-20', '35']
		]); // D
		await buy([
			['2025-02-01', '30'],
			['2025-07-15', '40']
		]); // C
		await buy([['2025-03-15', '60']], { firstOrderAt: '2025-03-15T10:00:00-04:00' }); // Gp
		a = await buy([
			['2025-03-31T09:00:00-04:00', '60'],
			['2025-03-31T18:00:00-04:00', '40'],
			['2025-06-10', '-20', 'refund']
		]); // A
		await buy([['2025-04-01', '50']]); // B
		await buy([['2025-05-05', '45']]); // M
		await buy([['2025-06-15', '80']]); // N
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('leaves nothing out without the switch', async () => {
		// June: U −5, A −20, N 80, G −7 = 48 over N's one purchase day
		const june = await metric('average-order-value', '2025-06-01', '2025-06-30');
		expect(june).toMatchObject({ numerator: 48, denominator: 1 });
		expect(Object.keys(june.extra).sort()).toEqual(['netRevenue', 'purchaseDays']);
		// 365 days to 30 Jun: U, R×2, D×2, C, Gp, A, B, M, N = 11 days; active: those 9 customers
		const frequency = await metric('purchase-frequency', '2025-06-01', '2025-06-30');
		expect(frequency).toMatchObject({ numerator: 11, denominator: 9 });
		expect(frequency.extra.excludeSinglePurchase).toBeUndefined();
	});

	it('takes the left-out customers revenue out of average order value', async () => {
		// June: A's refund −20 and G's −7 go; no left-out purchase day in June → 75 / 1
		const june = await metric('average-order-value', '2025-06-01', '2025-06-30', {
			excludeSinglePurchase: true
		});
		expect(june).toMatchObject({ numerator: 75, denominator: 1, value: 75 });
		expect(june.extra).toMatchObject({
			excludeSinglePurchase: true,
			excludedCustomers: 4,
			excludedPurchaseDays: 0,
			excludedNetRevenue: -27,
			unknownFirstPurchase: 2,
			knownFirstPurchaseFrom: '2024-12-31',
			netRevenue: 75,
			purchaseDays: 1
		});
		// May (its own E = 31 May): M 45, G −2 −3, D 35 = 75 over 2 days; G's −5 goes → 80 / 2
		expect(june.compare).toMatchObject({ from: '2025-05-01', numerator: 80, denominator: 2 });
		const plain = await metric('average-order-value', '2025-06-01', '2025-06-30');
		expect(plain.compare).toMatchObject({ numerator: 75, denominator: 2 });
	});

	it('takes out their first purchase days when they fall in the period', async () => {
		// 1 Jan – 30 Jun 2025: revenue 430 over 10 purchase days (R 2, D 2, C, Gp, A, B, M, N).
		// Left out on 30 Jun: Gp 60, A 100 − 20, C 30 (07-15 is after the period), G −2 −3 −7
		// = 158 over 3 purchase days → 272 / 7.
		const half = await metric('average-order-value', '2025-01-01', '2025-06-30', {
			excludeSinglePurchase: true
		});
		expect(half).toMatchObject({ numerator: 272, denominator: 7 });
		expect(half.extra).toMatchObject({ excludedPurchaseDays: 3, excludedNetRevenue: 158 });
		const plain = await metric('average-order-value', '2025-01-01', '2025-06-30');
		expect(plain).toMatchObject({ numerator: 430, denominator: 10 });
	});

	it('takes the left-out active customers out of purchase frequency', async () => {
		// June: Gp, A and C are active and left out, with one purchase day each in the 365 days;
		// G is left out but not active → (11 − 3) / (9 − 3)
		const june = await metric('purchase-frequency', '2025-06-01', '2025-06-30', {
			excludeSinglePurchase: true
		});
		expect(june).toMatchObject({ numerator: 8, denominator: 6, n: 6 });
		expect(june.extra).toMatchObject({
			excludeSinglePurchase: true,
			excludedCustomers: 4,
			excludedActiveCustomers: 3,
			excludedPurchaseDays: 3,
			unknownFirstPurchase: 2
		});
		// May: 365 days to 31 May hold U, R×2, D×2, C, Gp, A, B, M = 10 days of 8 active customers;
		// C is left out (G is not active) → 9 / 7
		expect(june.compare).toMatchObject({ numerator: 9, denominator: 7 });
	});

	it('cuts the comparison period at the same clock time, to the quarter hour', async () => {
		// 10 Jun 2025 14:00 EDT: May 1 – 10 May 14:00 is the comparison, E = 10 May, E − 91 = 8 Feb.
		// Without the switch: M 45 and G's 09:00 refund −2 (its 16:00 one is after the cut) = 43 / 1.
		// Left out on 10 May: G, C and D (second purchase 20 May, after E); only G's −2 is in it → 45.
		const at = new Date('2025-06-10T14:00:00-04:00');
		const plain = await metric('average-order-value', '2025-06-01', '2025-06-30', { now: at });
		expect(plain.period.partial).toBe(true);
		expect(plain.compare).toMatchObject({ to: '2025-05-10', numerator: 43, denominator: 1 });
		const switched = await metric('average-order-value', '2025-06-01', '2025-06-30', {
			now: at,
			excludeSinglePurchase: true
		});
		expect(switched.compare).toMatchObject({ numerator: 45, denominator: 1 });
	});

	it('agrees with the naive reference on every period tried', async () => {
		const reference = await SinglePurchaseReference.read(database.db, 'America/New_York', 365);
		const ctx = { timeZone: 'America/New_York', fiscalYearStartMonth: 1, now };
		for (const [from, to] of [
			['2025-06-01', '2025-06-30'],
			['2025-05-01', '2025-05-31'],
			['2025-01-01', '2025-06-30'],
			['2025-04-01', '2025-06-30'],
			['2024-07-01', '2025-06-30'],
			['2025-07-01', '2025-07-31']
		] as const) {
			const p = resolvePeriod({ from, to }, ctx);
			const want = reference.figures({ from: p.from, to: p.to, end: p.end });
			const aov = await metric('average-order-value', from, to, { excludeSinglePurchase: true });
			expect(aov.denominator ?? 0, `aov days ${from}`).toBe(want.aov.denominator);
			if (want.aov.denominator) {
				expect(aov.numerator, `aov revenue ${from}`).toBeCloseTo(want.aov.numerator, 6);
			}
			const frequency = await metric('purchase-frequency', from, to, {
				excludeSinglePurchase: true
			});
			expect([frequency.numerator ?? 0, frequency.denominator ?? 0], `freq ${from}`).toEqual(
				want.frequency.denominator ? [want.frequency.numerator, want.frequency.denominator] : [0, 0]
			);
			expect(
				[aov.extra.excludedCustomers, aov.extra.unknownFirstPurchase],
				`excluded ${from}`
			).toEqual([want.excludedCustomers, want.unknownFirstPurchase]);
		}
	});

	it('keeps a customer whose second purchase arrives later, and leaves them out again without it', async () => {
		const db = database.db;
		// A buys again on 25 Jun (86 days after the first): no longer left out in June.
		await addOrder(db, a, noon('2025-06-25'), { amount: '10', orderRef: 'a-again' });
		await refreshRollups(db);
		// June: 48 + 10 = 58 over 2 days; left out G, Gp, C: only G's −7 is in June → 65 / 2
		const june = await metric('average-order-value', '2025-06-01', '2025-06-30', {
			excludeSinglePurchase: true
		});
		expect(june).toMatchObject({ numerator: 65, denominator: 2 });
		expect(june.extra).toMatchObject({ excludedCustomers: 3, excludedNetRevenue: -7 });
		// 12 days of 9 active; Gp and C left out → 10 / 7
		const frequency = await metric('purchase-frequency', '2025-06-01', '2025-06-30', {
			excludeSinglePurchase: true
		});
		expect(frequency).toMatchObject({ numerator: 10, denominator: 7 });
		// No aggregate row is left at zero for the pairs A no longer has.
		const zero = await sql<{ n: number }>`
			select (select count(*) from rollup_single_first where customers = 0)
				+ (select count(*) from rollup_single_next where customers = 0)
				+ (select count(*) from rollup_single_row where net_revenue = 0) as n
		`.execute(db);
		expect(Number(zero.rows[0]?.n)).toBe(0);

		await db.deleteFrom('customer_order').where('order_ref', '=', 'a-again').execute();
		await refreshRollups(db);
		const again = await metric('average-order-value', '2025-06-01', '2025-06-30', {
			excludeSinglePurchase: true
		});
		expect(again).toMatchObject({ numerator: 75, denominator: 1 });
		expect(again.extra).toMatchObject({ excludedCustomers: 4 });
	});
});

// Only unknown first purchases: X bought once on 2024-01-01 (the history start), Y on 10 Feb and
// 10 Sep 2024. First purchases are known from 2024-12-31 on, so in September 2024 (E − 91 = 1 Jul)
// X would be left out but nobody old enough to judge is known: the switch cannot apply.
describe('exclude single-purchase customers before any first purchase is known', () => {
	let database: TestDatabase;
	const now = new Date('2025-01-15T12:00:00Z');

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC' });
		const x = await addCustomer(db);
		await addOrder(db, x, '2024-01-01T12:00:00Z', { amount: '20' });
		const y = await addCustomer(db);
		await addOrder(db, y, '2024-02-10T12:00:00Z', { amount: '30' });
		await addOrder(db, y, '2024-09-10T12:00:00Z', { amount: '40' });
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('is empty with the reason', async () => {
		const request = { from: '2024-09-01', to: '2024-09-30', now };
		const plain = await evaluateMetric(database.db, { id: 'average-order-value', ...request });
		expect(plain).toMatchObject({ numerator: 40, denominator: 1 });
		for (const id of ['average-order-value', 'purchase-frequency']) {
			const switched = await evaluateMetric(database.db, {
				id,
				...request,
				excludeSinglePurchase: true
			});
			expect(switched.value, id).toBeNull();
			expect(switched.extra).toMatchObject({ unknownFirstPurchase: 1, excludedCustomers: 0 });
			expect(String(switched.extra.reason)).toMatch(/known from 2024-12-31/);
		}
	});
});

// Random customers — one-off buyers, second purchases 90, 91 and 92 days on, refunds long after,
// first purchases given by the source, orders at local midnights — against the naive reference,
// for every month, quarter and year and a few custom ranges, after the first build, after late
// rows, and after a rebuild for another time zone and activity window.
describe('exclude single-purchase customers against the naive reference', () => {
	let database: TestDatabase;
	const now = new Date('2026-01-20T15:05:00-05:00');
	let seed = 7;
	const random = () => {
		seed = (seed * 16807) % 2147483647;
		return (seed - 1) / 2147483646;
	};
	const START = Date.parse('2023-01-01T00:00:00-05:00');
	const END = Date.parse('2026-01-20T00:00:00-05:00');
	const DAY = 86_400_000;

	async function addRandomCustomers(count: number, from: number, to: number) {
		const db = database.db;
		for (let i = 0; i < count; i++) {
			const roll = random();
			const given = roll < 0.15 ? new Date(from - random() * 500 * DAY) : null;
			const id = await addCustomer(
				db,
				given
					? random() < 0.5
						? { firstOrderAt: given.toISOString() }
						: { firstOrderOn: given.toISOString().slice(0, 10) }
					: {}
			);
			// local midnight in New York now and then
			let at = from + Math.floor(random() * (to - from));
			if (random() < 0.2) at = Math.floor(at / DAY) * DAY + 5 * 3_600_000;
			const orders = random() < 0.45 ? 1 : 1 + Math.floor(random() * 4);
			for (let k = 0; k < orders && at < to; k++) {
				await addOrder(db, id, new Date(at).toISOString(), {
					amount: (5 + random() * 100).toFixed(2)
				});
				if (random() < 0.3) {
					await addOrder(db, id, new Date(at + random() * 200 * DAY).toISOString(), {
						kind: random() < 0.5 ? 'refund' : 'cancellation',
						amount: (-(1 + random() * 20)).toFixed(2)
					});
				}
				const gap = [90, 91, 92, 1, 30][Math.floor(random() * 5)] ?? 0;
				at += (random() < 0.5 ? gap : random() * 300) * DAY;
			}
		}
	}

	async function expectMatch(timeZone: string, w: number, label: string) {
		const reference = await SinglePurchaseReference.read(database.db, timeZone, w);
		const ctx = { timeZone, fiscalYearStartMonth: 1, now };
		const ranges: [string | undefined, string | undefined][] = [[undefined, undefined]];
		for (let y = 2023; y <= 2025; y++) {
			ranges.push([`${y}-01-01`, `${y}-12-31`]);
			for (let m = 1; m <= 12; m++) {
				const month = `${y}-${String(m).padStart(2, '0')}`;
				const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
				ranges.push([`${month}-01`, `${month}-${last}`]);
				if (m % 3 === 1) {
					const q = `${y}-${String(m + 2).padStart(2, '0')}`;
					const qLast = new Date(Date.UTC(y, m + 2, 0)).getUTCDate();
					ranges.push([`${month}-01`, `${q}-${qLast}`]);
				}
			}
		}
		ranges.push(['2024-02-15', '2025-03-10'], ['2023-06-01', '2025-11-30']);
		const seen = { excluded: 0, days: 0, revenue: 0, active: 0 };
		for (const [from, to] of ranges) {
			const p = resolvePeriod({ from, to }, ctx);
			const want = reference.figures({ from: p.from, to: p.to, end: p.end });
			const at = `${label} ${p.from}…${p.to}`;
			const request = { now, excludeSinglePurchase: true, ...(from ? { from, to } : {}) };
			const aov = await evaluateMetric(database.db, { id: 'average-order-value', ...request });
			expect(aov.denominator ?? 0, `aov days ${at}`).toBe(want.aov.denominator);
			if (want.aov.denominator && aov.numerator !== null) {
				expect(aov.numerator, `aov revenue ${at}`).toBeCloseTo(want.aov.numerator, 6);
			}
			expect(
				[aov.extra.excludedCustomers, aov.extra.unknownFirstPurchase],
				`excluded ${at}`
			).toEqual([want.excludedCustomers, want.unknownFirstPurchase]);
			seen.excluded += aov.extra.excludedCustomers as number;
			seen.days += (aov.extra.excludedPurchaseDays as number | undefined) ?? 0;
			seen.revenue += aov.extra.excludedNetRevenue ? 1 : 0;
			const frequency = await evaluateMetric(database.db, {
				id: 'purchase-frequency',
				...request
			});
			seen.active += (frequency.extra.excludedActiveCustomers as number | undefined) ?? 0;
			if (frequency.value !== null) {
				expect([frequency.numerator, frequency.denominator], `frequency ${at}`).toEqual([
					want.frequency.numerator,
					want.frequency.denominator
				]);
			} else if (frequency.extra.reason === 'No active customers.') {
				expect(want.frequency.denominator, `frequency ${at}`).toBe(0);
			}
		}
		// the data exercise every part: left-out first purchase days and later refunds in periods,
		// and left-out active customers once the window is long enough to hold them
		expect(Math.min(seen.excluded, seen.days, seen.revenue), label).toBeGreaterThan(0);
		if (w > 91) expect(seen.active, label).toBeGreaterThan(0);
	}

	beforeAll(async () => {
		database = await openTestDatabase();
		await updateSettings(database.db, { timeZone: 'America/New_York', activityWindowDays: 30 });
		await addRandomCustomers(70, START, END);
		await refreshRollups(database.db);
	});
	afterAll(() => database.close());

	it('matches after the first build, late rows, and a rebuild', async () => {
		await expectMatch('America/New_York', 30, 'first build');
		await addRandomCustomers(15, START, Date.parse('2024-06-01T00:00:00Z'));
		// late orders for old customers: second purchases appear and move
		const old = await database.db.selectFrom('customer').select('customer_id').limit(20).execute();
		for (const { customer_id } of old) {
			await addOrder(
				database.db,
				customer_id,
				new Date(START + random() * (END - START)).toISOString(),
				{ amount: '12.34' }
			);
		}
		await refreshRollups(database.db);
		await expectMatch('America/New_York', 30, 'incremental');
		await updateSettings(database.db, { timeZone: 'Asia/Kolkata', activityWindowDays: 365 });
		await refreshRollups(database.db);
		await expectMatch('Asia/Kolkata', 365, 'rebuilt');
	});
});
