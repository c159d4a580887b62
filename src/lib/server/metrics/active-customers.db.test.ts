import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addOrder } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// America/New_York: EST is UTC−5; on Sunday 2026-03-08 clocks jump from 02:00 to 03:00 (EDT, UTC−4),
// so that local day is 23 hours long. Activity window W = 30 days unless a test says otherwise.
describe('active-customers', () => {
	let database: TestDatabase;
	const now = new Date('2026-04-10T18:00:00Z'); // 14:00 EDT on Friday 10 April 2026

	const metric = (from?: string, to?: string, compare?: string) =>
		evaluateMetric(database.db, {
			id: 'active-customers',
			now,
			...(from ? { from } : {}),
			...(to ? { to } : {}),
			...(compare ? { compare } : {})
		});

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'America/New_York', activityWindowDays: 30 });
		const a = await addCustomer(db);
		await addOrder(db, a, '2026-03-01T12:00:00-05:00'); // local date Mar 1
		const b = await addCustomer(db);
		await addOrder(db, b, '2026-02-28T23:59:59.999-05:00'); // last instant of Feb (UTC: Mar 1)
		const c = await addCustomer(db);
		await addOrder(db, c, '2026-03-08T01:30:00-05:00'); // before the DST jump
		await addOrder(db, c, '2026-03-08T23:30:00-04:00'); // same local day, after it (UTC: Mar 9)
		const d = await addCustomer(db);
		await addOrder(db, d, '2026-03-10T12:00:00-04:00', { kind: 'refund' }); // never a purchase
		const e = await addCustomer(db);
		await addOrder(db, e, '2026-01-15T10:00:00-05:00'); // the earliest order: history start
		const f = await addCustomer(db);
		await addOrder(db, f, '2026-04-10T11:00:00-04:00'); // today, three hours before "now"
		const g = await addCustomer(db);
		await addOrder(db, g, '2026-04-10T09:00:00-04:00'); // today, before "now"
		const h = await addCustomer(db);
		await addOrder(db, h, '2026-03-10T13:00:00-04:00', { amount: '0' }); // zero amount counts
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts a purchase at the last local instant of a month in that month', async () => {
		// Feb 2026, W = 30: window 30 Jan – 28 Feb local. Only B (28 Feb 23:59:59.999 EST).
		const feb = await metric('2026-02-01', '2026-02-28');
		expect(feb.value).toBe(1);
		expect(feb.period).toMatchObject({ from: '2026-02-01', to: '2026-02-28', partial: false });
		expect(feb.asOf).toBe('2026-03-01T04:59:59.999Z');
	});

	it('counts a customer once for same-day orders across a DST change', async () => {
		// 8 Mar 2026 (23 h): window 7 Feb – 8 Mar: A (1 Mar), B (28 Feb), C (8 Mar, twice) = 3.
		const dstDay = await metric('2026-03-08', '2026-03-08');
		expect(dstDay.value).toBe(3);
		expect(dstDay.period.kind).toBe('custom');
		expect(dstDay.asOf).toBe('2026-03-09T03:30:00.000Z');
	});

	it('leaves out refunds and counts zero-amount orders', async () => {
		// March 2026: window 2 – 31 Mar: C (8 Mar) and H (10 Mar, amount 0); D only refunded.
		const march = await metric('2026-03-01', '2026-03-31');
		expect(march.value).toBe(2);
		expect(march.numerator).toBe(2);
		expect(march.denominator).toBeNull();
		expect(march.n).toBe(2);
	});

	it('uses the activity window setting', async () => {
		await updateSettings(database.db, { activityWindowDays: 365 });
		try {
			// The rollups are rebuilt for the new window (the server does it in the background).
			await refreshRollups(database.db);
			// March 2026 with W = 365: A, B, C, E and H; F and G buy in April.
			expect((await metric('2026-03-01', '2026-03-31')).value).toBe(5);
		} finally {
			await updateSettings(database.db, { activityWindowDays: 30 });
			await refreshRollups(database.db);
		}
	});

	it('runs a partial period up to now and cuts its comparison at the same elapsed time', async () => {
		// April to date: last day 10 Apr, window 12 Mar – 10 Apr: F and G. Previous: 1 Mar – 10 Mar
		// 14:00 EDT, active on its last day (window 9 Feb – 10 Mar): A, B, C and H.
		const april = await metric();
		expect(april.period).toMatchObject({ from: '2026-04-01', to: '2026-04-10', partial: true });
		expect(april.value).toBe(2);
		expect(april.compare).toMatchObject({
			basis: 'previous',
			from: '2026-03-01',
			to: '2026-03-10',
			value: 4
		});
		expect(april.asOf).toBe('2026-04-10T15:00:00.000Z');
		expect(april.timeZone).toBe('America/New_York');
	});

	it('compares with the same dates a year earlier, where there is no data yet', async () => {
		const march = await metric('2026-03-01', '2026-03-31', 'year');
		expect(march.compare).toMatchObject({ basis: 'year', from: '2025-03-01', to: '2025-03-31' });
		expect(march.compare.value).toBeNull();
	});

	it('is empty, with the reason, for a period that ends before the history start', async () => {
		// History start = the earliest order's local date, 15 Jan 2026.
		const december = await metric('2025-12-01', '2025-12-31');
		expect(december.value).toBeNull();
		expect(december.status).toBe('not-enough-data');
		expect(String(december.extra.reason)).toContain('2026-01-15');
	});

	it('flags figures whose window reaches back before the history start', async () => {
		// January's window (2 – 31 Jan) starts before 15 Jan; February's (30 Jan – 28 Feb) does not.
		const january = await metric('2026-01-01', '2026-01-31');
		expect(january.value).toBe(1);
		expect(january.extra.historyIncomplete).toBe(true);
		const feb = await metric('2026-02-01', '2026-02-28');
		expect(feb.extra.historyIncomplete).toBeUndefined();
		const april = await metric();
		expect(april.extra.historyIncomplete).toBeUndefined();
	});

	it('reports status against minN (30 customers) and has no target yet', async () => {
		const march = await metric('2026-03-01', '2026-03-31');
		expect(march.status).toBe('not-enough-data');
		expect(march.target).toBeNull();
	});
});
