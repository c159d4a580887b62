import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { engagementScores } from '../rollups/read';
import { liveGeneration, refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import {
	addConsent,
	addCustomer,
	addEvent,
	addOrder,
	addSurvey
} from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// All worked by hand in UTC, activity window 365 days, "now" in May 2026. March 2026 starts on a
// Sunday: its ISO weeks start Mon 23 Feb, 2, 9, 16, 23 and 30 Mar (6 weeks, read whole).
const now = new Date('2026-05-15T12:00:00Z');

let messageNumber = 0;
/** A marketing (or other) message delivered at 10:00 UTC on `day`. */
async function deliver(
	db: Kysely<DB>,
	customerId: number,
	day: string,
	options: { channel?: string; purpose?: 'marketing' | 'transactional' } = {}
): Promise<void> {
	await addEvent(db, customerId, `${day}T10:00:00Z`, 'delivered', {
		channel: options.channel ?? 'email',
		messageRef: `m-${++messageNumber}`,
		purpose: options.purpose ?? 'marketing'
	});
}

describe('contact-pressure-over-cap and consent-violations', () => {
	let database: TestDatabase;
	const march = (id: string) =>
		evaluateMetric(database.db, { id, from: '2026-03-01', to: '2026-03-31', now });
	let p1 = 0;
	let p4 = 0;

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', activityWindowDays: 365 });
		// P1: Mon 2 – Fri 6 Mar, one a day: 5 > cap 4 in the week of 2 Mar.
		p1 = await addCustomer(db);
		for (const day of ['02', '03', '04', '05', '06']) await deliver(db, p1, `2026-03-${day}`);
		await addConsent(db, p1, '2026-02-01T00:00:00Z', 'sms', 'opted_out'); // another channel
		// P2: Mon 23 – Fri 27 Feb and Sun 1 Mar: 6 in the week of 23 Feb, read whole; in the base
		// by 1 Mar.
		const p2 = await addCustomer(db);
		for (const day of ['02-23', '02-24', '02-25', '02-26', '02-27', '03-01'])
			await deliver(db, p2, `2026-${day}`);
		// P3: the same February days but nothing in March: not in the base.
		const p3 = await addCustomer(db);
		for (const day of ['23', '24', '25', '26', '27']) await deliver(db, p3, `2026-02-${day}`);
		// P4: 10–13 Mar: 4, at the cap, not over. Opted out of e-mail from 11 Mar 00:00 and in again
		// at 09:00 on 13 Mar: the messages of 11 and 12 Mar are violations.
		p4 = await addCustomer(db);
		for (const day of ['10', '11', '12', '13']) await deliver(db, p4, `2026-03-${day}`);
		await addConsent(db, p4, '2026-03-11T00:00:00Z', 'email', 'opted_out');
		await addConsent(db, p4, '2026-03-13T09:00:00Z', 'email', 'opted_in');
		// P5: Tue 31 Mar and Wed 1 – Sat 4 Apr: 5 in the week of 30 Mar (over); in the base by
		// 31 Mar. Opted out at the very instant of the 31 Mar delivery: a violation.
		const p5 = await addCustomer(db);
		for (const day of ['03-31', '04-01', '04-02', '04-03', '04-04'])
			await deliver(db, p5, `2026-${day}`);
		await addConsent(db, p5, '2026-03-31T10:00:00Z', 'email', 'opted_out');
		// P6: transactional messages only: counted nowhere.
		const p6 = await addCustomer(db);
		for (const day of ['16', '17', '18', '19', '20'])
			await deliver(db, p6, `2026-03-${day}`, { purpose: 'transactional' });
		await addConsent(db, p6, '2026-03-01T00:00:00Z', 'email', 'opted_out');
		// P7: one message on 20 Mar; an opt-in and an opt-out at the same instant before it: the
		// opt-out wins, a violation.
		const p7 = await addCustomer(db);
		await deliver(db, p7, '2026-03-20');
		await addConsent(db, p7, '2026-03-15T00:00:00Z', 'email', 'opted_in');
		await addConsent(db, p7, '2026-03-15T00:00:00Z', 'email', 'opted_out');
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts customers with a week over the cap among those contacted in the period', async () => {
		const figure = await march('contact-pressure-over-cap');
		// base P1 P2 P4 P5 P7; over the cap P1 P2 P5; their messages 5 + 6 + 4 + 5 + 1 over
		// 5 customers × 6 weeks
		expect(figure).toMatchObject({ numerator: 3, denominator: 5, n: 5 });
		expect(figure.value).toBeCloseTo(3 / 5, 12);
		expect(figure.extra).toMatchObject({ cap: 4, weeks: 6, messages: 21 });
		expect(figure.extra.messagesPerCustomerWeek).toBeCloseTo(21 / 30, 12);
	});

	it('applies a changed cap at once', async () => {
		await updateSettings(database.db, { frequencyCapPerWeek: 5 });
		// over 5: only P2 (6 in the week of 23 Feb)
		expect(await march('contact-pressure-over-cap')).toMatchObject({
			numerator: 1,
			denominator: 5
		});
		await updateSettings(database.db, { frequencyCapPerWeek: 4 });
	});

	it('reads a period inside one week by its weekdays', async () => {
		// 3–4 Mar: only P1 had a message on those days (its week has 5)
		const figure = await evaluateMetric(database.db, {
			id: 'contact-pressure-over-cap',
			from: '2026-03-03',
			to: '2026-03-04',
			now
		});
		expect(figure).toMatchObject({ numerator: 1, denominator: 1 });
		expect(figure.extra).toMatchObject({ weeks: 1, messages: 5 });
	});

	it('counts marketing messages delivered while the customer had opted out', async () => {
		// P4 on 11 and 12 Mar, P7 on 20 Mar, P5 on 31 Mar
		expect(await march('consent-violations')).toMatchObject({ value: 4 });
		// April: P5 on 1–4 Apr
		expect(
			await evaluateMetric(database.db, {
				id: 'consent-violations',
				from: '2026-04-01',
				to: '2026-04-30',
				now
			})
		).toMatchObject({ value: 4 });
	});

	it('follows a consent change that arrives later', async () => {
		await addConsent(database.db, p1, '2026-03-04T00:00:00Z', 'email', 'opted_out');
		await refreshRollups(database.db);
		// P1 on 4, 5 and 6 Mar join
		expect(await march('consent-violations')).toMatchObject({ value: 7 });
	});

	it('follows a delivery that arrives later, rewriting only that customer’s weeks', async () => {
		await deliver(database.db, p4, '2026-03-14');
		const report = await refreshRollups(database.db);
		expect([report.contacts, report.customers]).toEqual([1, 0]);
		// P4 now has 5 in the week of 9 Mar
		expect(await march('contact-pressure-over-cap')).toMatchObject({
			numerator: 4,
			denominator: 5
		});
	});
});

describe('net-revenue-retention', () => {
	let database: TestDatabase;

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', activityWindowDays: 365 });
		// N1: 100 on 10 Mar 2025; 50 on 5 Mar 2026.
		const n1 = await addCustomer(db);
		await addOrder(db, n1, '2025-03-10T12:00:00Z', { amount: '100' });
		await addOrder(db, n1, '2026-03-05T12:00:00Z', { amount: '50' });
		// N2: 200 on 20 Mar 2025 (a refund of 20 in April 2025 is outside); 300 and a refund of 30
		// in March 2026: 270.
		const n2 = await addCustomer(db);
		await addOrder(db, n2, '2025-03-20T12:00:00Z', { amount: '200' });
		await addOrder(db, n2, '2025-04-02T12:00:00Z', { kind: 'refund', amount: '-20' });
		await addOrder(db, n2, '2026-03-10T12:00:00Z', { amount: '300' });
		await addOrder(db, n2, '2026-03-25T12:00:00Z', { kind: 'refund', amount: '-30' });
		// N3: bought 27 Feb 2025, not in March 2025: its 1,000 in March 2026 is not retention.
		const n3 = await addCustomer(db);
		await addOrder(db, n3, '2025-02-27T12:00:00Z', { amount: '80' });
		await addOrder(db, n3, '2026-03-12T12:00:00Z', { amount: '1000' });
		// N4: 40 less a same-day refund of 10 on 31 Mar 2025; nothing in 2026.
		const n4 = await addCustomer(db);
		await addOrder(db, n4, '2025-03-31T12:00:00Z', { amount: '40' });
		await addOrder(db, n4, '2025-03-31T18:00:00Z', { kind: 'refund', amount: '-10' });
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('divides what last year’s buyers spend now by what they spent then', async () => {
		const figure = await evaluateMetric(database.db, {
			id: 'net-revenue-retention',
			from: '2026-03-01',
			to: '2026-03-31',
			now
		});
		// base N1 N2 N4; then 100 + 200 + 30 = 330, now 50 + 270 + 0 = 320
		expect(figure).toMatchObject({ numerator: 320, denominator: 330, n: 3 });
		expect(figure.value).toBeCloseTo(320 / 330, 12);
		expect(figure.extra).toMatchObject({
			yearEarlierFrom: '2025-03-01',
			yearEarlierTo: '2025-03-31'
		});
	});

	it('cuts both years at the same elapsed day while the period is under way', async () => {
		// "now" 11 Mar 2026: 1–11 Mar against 1–11 Mar 2025 (N1 only: 100 then, 50 now)
		const figure = await evaluateMetric(database.db, {
			id: 'net-revenue-retention',
			now: new Date('2026-03-11T20:00:00Z')
		});
		expect(figure).toMatchObject({ numerator: 50, denominator: 100, n: 1 });
		expect(figure.period).toMatchObject({ from: '2026-03-01', to: '2026-03-11', partial: true });
	});
});

describe('multichannel-engaged-share and the engagement score', () => {
	let database: TestDatabase;
	const ids: Record<string, number> = {};
	const day = (d: string) =>
		evaluateMetric(database.db, { id: 'multichannel-engaged-share', from: d, to: d, now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', activityWindowDays: 365 });
		// M1: an order (no channel: "orders") on 5 Mar and a survey answer on 20 Mar: 2 channels.
		ids.m1 = await addCustomer(db);
		await addOrder(db, ids.m1, '2026-03-05T12:00:00Z');
		await addSurvey(db, ids.m1, '2026-03-20T12:00:00Z', { nps: 9 });
		// M2: an order on 10 Jan (outside the 30 days to 31 Mar), a human e-mail click on 10 Mar and
		// an SMS reply on 29 Mar: e-mail and SMS.
		ids.m2 = await addCustomer(db);
		await addOrder(db, ids.m2, '2026-01-10T12:00:00Z');
		await addEvent(db, ids.m2, '2026-03-10T12:00:00Z', 'clicked', { channel: 'email' });
		await addEvent(db, ids.m2, '2026-03-29T12:00:00Z', 'replied', { channel: 'sms' });
		// M3: an order on 10 Jan, a machine click (flagged) on 10 Mar, a web visit on 15 Mar: 1.
		ids.m3 = await addCustomer(db);
		await addOrder(db, ids.m3, '2026-01-10T12:00:00Z');
		await addEvent(db, ids.m3, '2026-03-10T12:00:00Z', 'clicked', {
			channel: 'email',
			machineClick: true
		});
		await addEvent(db, ids.m3, '2026-03-15T12:00:00Z', 'visit', { channel: 'web' });
		// M4: a web visit on 28 Feb, an order on 1 Mar, a chat on 30 Mar: 2 channels on 1 Mar, 1 on
		// 31 Mar (the 30 days to 31 Mar start on 2 Mar).
		ids.m4 = await addCustomer(db);
		await addEvent(db, ids.m4, '2026-02-28T12:00:00Z', 'visit', { channel: 'web' });
		await addOrder(db, ids.m4, '2026-03-01T12:00:00Z');
		await addEvent(db, ids.m4, '2026-03-30T12:00:00Z', 'chat', { channel: 'chat' });
		// M5: a visit and an answer but never an order: not active, counted nowhere.
		ids.m5 = await addCustomer(db);
		await addEvent(db, ids.m5, '2026-03-15T12:00:00Z', 'visit', { channel: 'web' });
		await addSurvey(db, ids.m5, '2026-03-16T12:00:00Z', { csat: 5 });
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts active customers with two channels in the 30 days to the day', async () => {
		// 31 Mar: M1 M2 of M1–M4; 1 Mar: M4 of M2 M3 M4 (M1 has not bought yet)
		expect(await day('2026-03-31')).toMatchObject({ numerator: 2, denominator: 4 });
		expect(await day('2026-03-01')).toMatchObject({ numerator: 1, denominator: 3 });
		// 31 Jan: M2 and M3 active, one channel each
		expect(await day('2026-01-31')).toMatchObject({ numerator: 0, denominator: 2 });
	});

	it('scores each customer by weight halved every 30 days', async () => {
		const g = await liveGeneration(database.db);
		const scores = await engagementScores(database.db, g!, '2026-03-31', [
			ids.m1!,
			ids.m3!,
			ids.m4!,
			ids.m5!
		]);
		const decay = (days: number) => Math.pow(2, -days / 30);
		// M1: order (5) 26 days before, answer (2) 11 days before
		expect(scores.get(ids.m1!)).toBeCloseTo(5 * decay(26) + 2 * decay(11), 9);
		// M3: order 80 days before, visit (1) 16 days before; the machine click counts nothing
		expect(scores.get(ids.m3!)).toBeCloseTo(5 * decay(80) + decay(16), 9);
		// M4: visit 31, order 30, chat (1) 1 day before
		expect(scores.get(ids.m4!)).toBeCloseTo(decay(31) + 5 * decay(30) + decay(1), 9);
		// M5: visit 16, answer 15 days before
		expect(scores.get(ids.m5!)).toBeCloseTo(decay(16) + 2 * decay(15), 9);
		// on 1 Mar the later interactions are not there yet
		const early = await engagementScores(database.db, g!, '2026-03-01', [ids.m1!, ids.m4!]);
		expect(early.get(ids.m1!)).toBe(0);
		expect(early.get(ids.m4!)).toBeCloseTo(decay(1) + 5, 9);
	});

	it('follows a new interaction and a new case at the next refresh', async () => {
		const db = database.db;
		await addSurvey(db, ids.m3!, '2026-03-31T08:00:00Z', { nps: 10 });
		await db
			.insertInto('service_case')
			.values({
				customer_id: ids.m4!,
				origin_customer_id: ids.m4!,
				source: 'fixture',
				case_ref: 'c-1',
				opened_at: '2026-03-20T12:00:00Z',
				channel: 'phone',
				contacts: 1,
				reopened: false
			})
			.execute();
		await refreshRollups(db);
		// M3 (web + survey) and M4 (chat + phone) join
		expect(await day('2026-03-31')).toMatchObject({ numerator: 4, denominator: 4 });
	});
});
