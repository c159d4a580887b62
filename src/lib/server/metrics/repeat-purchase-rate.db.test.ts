import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Europe/Berlin (CET = UTC+1 in winter, CEST = UTC+2 from 30 Mar 2025). History start 2024-01-01,
// so first purchases are known from 2024-12-31 (+365 days in a leap year) on, or when the source
// gives first_order_at.
describe('repeat-purchase-rate', () => {
	let database: TestDatabase;
	const now = new Date('2026-01-01T12:00:00Z');

	const metric = (from: string, to: string, compare?: string, at = now) =>
		evaluateMetric(database.db, {
			id: 'repeat-purchase-rate',
			now: at,
			from,
			to,
			...(compare ? { compare } : {})
		});

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'Europe/Berlin', historyStart: '2024-01-01' });

		// The February 2025 cohort.
		const r1 = await addCustomer(db); // repeats on day 14
		await addOrder(db, r1, '2025-02-01T10:00:00+01:00');
		await addOrder(db, r1, '2025-02-15T10:00:00+01:00');
		await addOrder(db, r1, '2025-12-01T09:00:00+01:00'); // the newest order: asOf
		const r2 = await addCustomer(db); // repeats on day 90 exactly (3 Feb + 90 days = 4 May)
		await addOrder(db, r2, '2025-02-03T10:00:00+01:00');
		await addOrder(db, r2, '2025-05-04T10:00:00+02:00', { amount: '0' });
		const r3 = await addCustomer(db); // comes back on day 91 (5 Feb + 91 days = 7 May): too late
		await addOrder(db, r3, '2025-02-05T10:00:00+01:00');
		await addOrder(db, r3, '2025-05-07T10:00:00+02:00');
		const r4 = await addCustomer(db); // two orders on the first day and a refund: no repeat
		await addOrder(db, r4, '2025-02-10T10:00:00+01:00');
		await addOrder(db, r4, '2025-02-10T18:00:00+01:00');
		await addOrder(db, r4, '2025-02-20T10:00:00+01:00', { kind: 'refund' });
		const r5 = await addCustomer(db, { firstOrderAt: '2024-06-01T12:00:00+02:00' }); // not Feb
		await addOrder(db, r5, '2025-02-12T10:00:00+01:00');
		await addOrder(db, r5, '2025-02-13T10:00:00+01:00');
		const r6 = await addCustomer(db, { firstOrderOn: '2025-02-20' }); // known from the source
		await addOrder(db, r6, '2025-03-01T10:00:00+01:00'); // day 9 after 20 Feb
		const r7 = await addCustomer(db); // the last local instant of February
		await addOrder(db, r7, '2025-02-28T23:59:59.999+01:00');
		const r8 = await addCustomer(db); // 00:30 on 1 March in Berlin, still 28 Feb in UTC
		await addOrder(db, r8, '2025-03-01T00:30:00+01:00');

		// September 2025: one matured repeater, one still maturing (asOf is 1 Dec 2025).
		const m1 = await addCustomer(db); // 10 Sep + 91 days = 10 Dec: maturing
		await addOrder(db, m1, '2025-09-10T10:00:00+02:00');
		const m2 = await addCustomer(db); // 1 Sep + 91 days = 1 Dec: matured on asOf's date
		await addOrder(db, m2, '2025-09-01T10:00:00+02:00');
		await addOrder(db, m2, '2025-09-20T10:00:00+02:00');

		// March 2024 is before history start + 365 days: first purchases there are not known.
		const u1 = await addCustomer(db);
		await addOrder(db, u1, '2024-03-05T10:00:00+01:00');
		await addOrder(db, u1, '2024-03-10T10:00:00+01:00');
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('is the share of matured first purchasers who bought again on days 1–90', async () => {
		// Cohort Feb 2025: R1 (repeat), R2 (repeat, day 90), R3 (day 91: no), R4 (same day and a
		// refund: no), R6 (first purchase from the source, repeat), R7 (no). R5 first bought in 2024;
		// R8 on 1 March local. 3 of 6.
		const feb = await metric('2025-02-01', '2025-02-28');
		expect(feb.value).toBe(0.5);
		expect(feb.numerator).toBe(3);
		expect(feb.denominator).toBe(6);
		expect(feb.n).toBe(6);
		expect(feb.unit).toBe('ratio');
		expect(feb.extra).toMatchObject({ maturing: 0, unknownFirstPurchase: 0, fullyMatured: true });
		expect(feb.asOf).toBe('2025-12-01T08:00:00.000Z');
		expect(feb.status).toBe('not-enough-data'); // n = 6 < minN = 30
	});

	it('reports customers within 91 days of their first purchase as maturing', async () => {
		// Sep 2025: M2 matured (repeat), M1 maturing until 10 Dec 2025.
		const sep = await metric('2025-09-01', '2025-09-30');
		expect(sep).toMatchObject({ value: 1, numerator: 1, denominator: 1 });
		expect(sep.extra).toMatchObject({ maturing: 1, fullyMatured: false, maturesOn: '2025-12-10' });
	});

	it('leaves out customers whose first purchase is not known, saying why', async () => {
		const march2024 = await metric('2024-03-01', '2024-03-31');
		expect(march2024.value).toBeNull();
		expect(march2024.extra.unknownFirstPurchase).toBe(1);
		// 2024-01-01 + 365 days is 2024-12-31 (2024 is a leap year).
		expect(String(march2024.extra.reason)).toContain('2024-12-31');
	});

	it('is empty for a period without first purchases and compares with a year earlier', async () => {
		const june = await metric('2025-06-01', '2025-06-30');
		expect(june.value).toBeNull();
		expect(june.n).toBe(0);
		const febYear = await metric('2025-02-01', '2025-02-28', 'year');
		expect(febYear.compare).toMatchObject({ basis: 'year', from: '2024-02-01', to: '2024-02-29' });
		expect(febYear.compare.value).toBeNull();
	});

	it('counts maturity as of the newest data, not the clock', async () => {
		// Seen from 1 May 2025 the newest order is R6's on 1 Mar 2025 10:00 CET (R2's and R3's come
		// in May), so only first purchases on or before 1 Mar − 91 days = 30 Nov 2024 are matured:
		// all six of February are maturing.
		const early = await metric(
			'2025-02-01',
			'2025-02-28',
			undefined,
			new Date('2025-05-01T00:00:00Z')
		);
		expect(early.value).toBeNull();
		expect(early.asOf).toBe('2025-03-01T09:00:00.000Z');
		expect(early.extra.maturing).toBe(6);
	});
});
