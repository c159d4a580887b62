import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer, addEvent, addOrder } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { evaluateMetric } from './evaluate';

// Worked by hand, America/New_York (DST begins 8 Mar 2026), March 2026. "m<n>" are messages.
//
// A  m1 delivered 3 Mar 10:00; opened +1 s by the bare "Mozilla/5.0" (Apple's proxy: machine), opened
//       10:30 from an iPhone, clicked 10:31 (human)             → raw open, human open, human click
//    m2 delivered 5 Mar 10:00; opened +1 s, desktop agent, no later human click (machine by timing);
//       clicked +30 s by Mimecast (machine)                     → raw open only
//    m3 delivered 7 Mar 10:00; opened +1 s, then a human click at 10:05 (so the open is human)
//                                                              → raw open, human open, human click
//    m4 delivered 9 Mar 10:00; replied 12:00, unsubscribed 12:05 → engaged (reply), unsubscribe
//    m5 delivered 31 Mar 23:00 (in March), human open 3 Apr; complaint 9 Apr, after its 7 days
//                                                              → raw and human open, no complaint
//    m6 opened and clicked 10 Mar, never delivered             → 2 data-quality events
//    m7 delivered 28 Feb 23:00                                 → February
//    order 8 Mar 09:00 of 100, refund of 30 on 20 Mar referring to it: latest human click in the
//    168 h before is m3's (7 Mar 10:05), not m1's (3 Mar)      → m3 converts, net 70
// B  b1 delivered 12 Mar 10:00; open flagged machine at 15:00; click at +5 s (machine by timing);
//       human click 13 Mar 09:00                              → raw open, human click
//    order 14 Mar 09:00 of 40                                  → b1 converts, 40
//    order 20 Mar 09:00 of 50: its 168 h start at 13 Mar 09:00, excluded → not attributed
// C  sms "x" delivered 15 Mar; email "x" delivered 16 Mar, human open 17 Mar: two messages
//
// March: delivered 8; raw opens 6 (m1 m2 m3 m5 b1 email-x); human opens 4 (m1 m3 m5 email-x);
// human clicks 3 (m1 m3 b1); engaged 6 (+ m4's reply); replies 1; unsubscribes 1; complaints 0;
// converted 2 (m3, b1), attributed net revenue 110.
describe('engagement metrics', () => {
	let database: TestDatabase;
	const at = (date: string, time: string) => {
		const offset = date >= '2026-03-08' && date < '2026-11-01' ? '-04:00' : '-05:00';
		return `${date}T${time}${offset}`;
	};
	const march = (id: string, now = new Date('2026-05-01T12:00:00Z')) =>
		evaluateMetric(database.db, { id, from: '2026-03-01', to: '2026-03-31', now });
	let customerA = 0;
	let customerB = 0;

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'America/New_York' });
		const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Mobile/15E148';
		const desktop = 'Microsoft Outlook 16.0.18129';
		const a = (customerA = await addCustomer(db));
		const m = (ref: string) => ({ messageRef: ref, purpose: 'marketing' as const });
		await addEvent(db, a, at('2026-03-03', '10:00:00'), 'delivered', m('m1'));
		await addEvent(db, a, at('2026-03-03', '10:00:01'), 'opened', {
			...m('m1'),
			userAgent: 'Mozilla/5.0'
		});
		await addEvent(db, a, at('2026-03-03', '10:30:00'), 'opened', {
			...m('m1'),
			userAgent: iphone
		});
		await addEvent(db, a, at('2026-03-03', '10:31:00'), 'clicked', {
			...m('m1'),
			userAgent: iphone
		});
		await addEvent(db, a, at('2026-03-05', '10:00:00'), 'delivered', m('m2'));
		await addEvent(db, a, at('2026-03-05', '10:00:01'), 'opened', {
			...m('m2'),
			userAgent: desktop
		});
		await addEvent(db, a, at('2026-03-05', '10:00:30'), 'clicked', {
			...m('m2'),
			userAgent: 'Mimecast-URL-Protect/2.1'
		});
		await addEvent(db, a, at('2026-03-07', '10:00:00'), 'delivered', m('m3'));
		await addEvent(db, a, at('2026-03-07', '10:00:01'), 'opened', {
			...m('m3'),
			userAgent: desktop
		});
		await addEvent(db, a, at('2026-03-07', '10:05:00'), 'clicked', {
			...m('m3'),
			userAgent: desktop
		});
		await addEvent(db, a, at('2026-03-09', '10:00:00'), 'delivered', m('m4'));
		await addEvent(db, a, at('2026-03-09', '12:00:00'), 'replied', m('m4'));
		await addEvent(db, a, at('2026-03-09', '12:05:00'), 'unsubscribed', m('m4'));
		await addEvent(db, a, at('2026-03-31', '23:00:00'), 'delivered', m('m5'));
		await addEvent(db, a, at('2026-04-03', '08:00:00'), 'opened', {
			...m('m5'),
			userAgent: iphone
		});
		await addEvent(db, a, at('2026-04-09', '00:00:00'), 'complained', m('m5'));
		await addEvent(db, a, at('2026-03-10', '08:00:00'), 'opened', {
			...m('m6'),
			userAgent: iphone
		});
		await addEvent(db, a, at('2026-03-10', '08:01:00'), 'clicked', {
			...m('m6'),
			userAgent: iphone
		});
		await addEvent(db, a, at('2026-02-28', '23:00:00'), 'delivered', m('m7'));
		await addOrder(db, a, at('2026-03-08', '09:00:00'), { amount: '100', orderRef: 'A-1' });
		await addOrder(db, a, at('2026-03-20', '09:00:00'), {
			kind: 'refund',
			amount: '-30',
			refersTo: 'A-1'
		});

		const b = (customerB = await addCustomer(db));
		await addEvent(db, b, at('2026-03-12', '10:00:00'), 'delivered', m('b1'));
		await addEvent(db, b, at('2026-03-12', '15:00:00'), 'opened', {
			...m('b1'),
			machineOpen: true
		});
		await addEvent(db, b, at('2026-03-12', '10:00:05'), 'clicked', m('b1'));
		await addEvent(db, b, at('2026-03-13', '09:00:00'), 'clicked', {
			...m('b1'),
			machineClick: false
		});
		await addOrder(db, b, at('2026-03-14', '09:00:00'), { amount: '40' });
		await addOrder(db, b, at('2026-03-20', '09:00:00'), { amount: '50' });

		const c = await addCustomer(db);
		await addEvent(db, c, at('2026-03-15', '10:00:00'), 'delivered', {
			channel: 'sms',
			messageRef: 'x'
		});
		await addEvent(db, c, at('2026-03-16', '10:00:00'), 'delivered', { messageRef: 'x' });
		await addEvent(db, c, at('2026-03-17', '10:00:00'), 'opened', {
			messageRef: 'x',
			userAgent: iphone
		});
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('separates machine opens and clicks from human ones', async () => {
		const expected: Record<string, number> = {
			'raw-open-rate': 6,
			'human-open-rate': 4,
			'human-engagement-rate': 6,
			'click-to-delivered-rate': 3,
			'reply-rate': 1,
			'unsubscribe-rate': 1,
			'complaint-rate': 0
		};
		for (const [id, numerator] of Object.entries(expected)) {
			const figures = await march(id);
			expect({ id, numerator: figures.numerator, denominator: figures.denominator }).toEqual({
				id,
				numerator,
				denominator: 8
			});
			expect(figures.value).toBeCloseTo(numerator / 8, 12);
			expect(figures.extra).toMatchObject({ undeliveredEvents: 2, provisional: false });
		}
	});

	it('attributes each order to the latest human click in the 168 hours before it', async () => {
		const conversion = await march('conversion-rate');
		expect(conversion).toMatchObject({ numerator: 2, denominator: 8 });
		expect(conversion.extra).toMatchObject({ attributedNetRevenue: 110 });
		const revenue = await march('revenue-per-1000-delivered');
		expect(revenue).toMatchObject({ numerator: 110, denominator: 8 });
		expect(revenue.value).toBeCloseTo((1000 * 110) / 8, 9);
	});

	it('is provisional until 7 days after the period (conversion: 14)', async () => {
		const tenthOfApril = new Date('2026-04-10T12:00:00Z');
		expect((await march('human-open-rate', tenthOfApril)).extra).toMatchObject({
			provisional: false,
			finalOn: '2026-04-08'
		});
		expect((await march('conversion-rate', tenthOfApril)).extra).toMatchObject({
			provisional: true,
			finalOn: '2026-04-15'
		});
		const february = await evaluateMetric(database.db, {
			id: 'human-open-rate',
			from: '2026-02-01',
			to: '2026-02-28',
			now: new Date('2026-03-05T12:00:00Z')
		});
		expect(february).toMatchObject({ numerator: 0, denominator: 1 });
		expect(february.extra).toMatchObject({ provisional: true, finalOn: '2026-03-08' });
	});

	it('takes in a late human open of an old message at the next refresh', async () => {
		const db = database.db;
		await addEvent(db, customerA, at('2026-03-06', '09:00:00'), 'opened', {
			messageRef: 'm2',
			userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15'
		});
		const report = await refreshRollups(db);
		expect(report.messages).toBe(1);
		expect(await march('human-open-rate')).toMatchObject({ numerator: 5, denominator: 8 });
		expect(await march('raw-open-rate')).toMatchObject({ numerator: 6, denominator: 8 });
	});

	it('drops a message whose events are deleted, and counts it once when it comes back', async () => {
		const db = database.db;
		const c = await addCustomer(db);
		const deliver = () =>
			addEvent(db, c, at('2026-03-20', '10:00:00'), 'delivered', {
				messageRef: 'gone',
				purpose: 'marketing'
			});
		const delivered = async () => (await march('human-open-rate')).denominator;
		const before = await delivered();
		await deliver();
		await refreshRollups(db);
		expect(await delivered()).toBe((before ?? NaN) + 1);
		await db.deleteFrom('interaction_event').where('customer_id', '=', c).execute();
		await refreshRollups(db);
		expect(await delivered()).toBe(before);
		await deliver();
		await refreshRollups(db);
		expect(await delivered()).toBe((before ?? NaN) + 1);
	});

	it('counts marketing messages delivered while the customer had a case open', async () => {
		const db = database.db;
		const addCase = (customer: number, opened: string, resolved: string | null) =>
			db
				.insertInto('service_case')
				.values({
					customer_id: customer,
					origin_customer_id: customer,
					source: 'fixture',
					case_ref: `case-${customer}-${opened}`,
					opened_at: opened,
					resolved_at: resolved
				})
				.execute();
		// A: open 4 Mar 09:00 – 8 Mar 12:00, over m2 (5 Mar) and m3 (7 Mar); m4 (9 Mar) is after it.
		// B: opened at b1's very delivery, still open. C's messages are not marketing.
		await addCase(customerA, at('2026-03-04', '09:00:00'), at('2026-03-08', '12:00:00'));
		await addCase(customerB, at('2026-03-12', '10:00:00'), null);
		await refreshRollups(db);
		const conflicts = await march('conflicting-contacts');
		expect(conflicts).toMatchObject({ value: 3, numerator: 3, denominator: null });

		// B's case turns out resolved at that same instant: b1 no longer conflicts
		await db
			.updateTable('service_case')
			.set({ resolved_at: at('2026-03-12', '10:00:00') })
			.where('customer_id', '=', customerB)
			.execute();
		await refreshRollups(db);
		expect(await march('conflicting-contacts')).toMatchObject({ value: 2 });
	});
});
