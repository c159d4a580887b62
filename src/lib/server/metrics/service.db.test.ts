import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '../rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { addCustomer } from '../../../../tests/helpers/fixtures';
import { updateSettings } from '../settings';
import { findMetric } from './catalog';
import { evaluateMetric } from './evaluate';

// Worked by hand, in UTC; March 2026 ends at E = 1 Apr 00:00.
//  #  opened            resolved          contacts reopened csat  → at E, resolved in March
//  1  1 Feb 00:00       10 Mar 12:00      1        no       5       resolved (37.5 d: bin 37 d)
//  2  20 Mar 08:00      21 Mar 09:30      2        no       3       resolved (25.5 h: bin 25 h)
//  3  25 Mar 10:00      25 Mar 10:40      1        yes      –       resolved (40 min: bin 0 h)
//  4  24 Mar 00:00      –                                           open, aged (8 days)
//  5  25 Mar 00:00      –                                           open, aged (exactly 7 × 24 h)
//  6  25 Mar 00:00:01   –                                           open, not aged
//  7  10 Mar 00:00      1 Apr 00:00 (= E)                           open at E, aged
//  8  1 Mar 12:00       5 Mar 12:00       1        no       4       resolved (4 d: bin 4 d)
//  9  31 Mar 23:00      2 Apr 00:00                                 open, not aged
// Open 5 (4 5 6 7 9), aged 3 (4 5 7); resolved 4 (1 2 3 8): first contact 2 (1 8), reopened 1 (3),
// CSAT answers 3, satisfied 2 (1 8); time to resolution bins 0 h, 25 h, 4 d, 37 d: the median
// (2nd of 4) is in the 25–26 h bin.
describe('service metrics', () => {
	let database: TestDatabase;
	const now = new Date('2026-05-01T12:00:00Z');
	const march = (id: string) =>
		evaluateMetric(database.db, { id, from: '2026-03-01', to: '2026-03-31', now });

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC' });
		const customer = await addCustomer(db);
		const cases: [string, string | null, number, boolean, number | null][] = [
			['2026-02-01T00:00:00Z', '2026-03-10T12:00:00Z', 1, false, 5],
			['2026-03-20T08:00:00Z', '2026-03-21T09:30:00Z', 2, false, 3],
			['2026-03-25T10:00:00Z', '2026-03-25T10:40:00Z', 1, true, null],
			['2026-03-24T00:00:00Z', null, 1, false, null],
			['2026-03-25T00:00:00Z', null, 1, false, null],
			['2026-03-25T00:00:01Z', null, 1, false, null],
			['2026-03-10T00:00:00Z', '2026-04-01T00:00:00Z', 1, false, null],
			['2026-03-01T12:00:00Z', '2026-03-05T12:00:00Z', 1, false, 4],
			['2026-03-31T23:00:00Z', '2026-04-02T00:00:00Z', 1, false, null]
		];
		await db
			.insertInto('service_case')
			.values(
				cases.map(([opened, resolved, contacts, reopened, csat], i) => ({
					customer_id: customer,
					origin_customer_id: customer,
					source: 'fixture',
					case_ref: `case-${i + 1}`,
					opened_at: opened,
					resolved_at: resolved,
					contacts,
					reopened,
					csat
				}))
			)
			.execute();
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('counts the cases open at the end, and those open a week or more', async () => {
		expect(await march('open-cases')).toMatchObject({ value: 5, numerator: 5, denominator: null });
		expect(await march('cases-unresolved-7d')).toMatchObject({ numerator: 3, denominator: 5 });
		const february = await evaluateMetric(database.db, {
			id: 'cases-unresolved-7d',
			from: '2026-02-01',
			to: '2026-02-28',
			now
		});
		expect(february).toMatchObject({ numerator: 1, denominator: 1 });
	});

	it('rates the cases resolved in the period', async () => {
		expect(await march('first-contact-resolution-rate')).toMatchObject({
			numerator: 2,
			denominator: 4
		});
		expect(await march('reopened-rate')).toMatchObject({ numerator: 1, denominator: 4 });
		expect(await march('case-csat')).toMatchObject({ numerator: 2, denominator: 3 });
	});

	it('gives the median time to resolution as its histogram bin', async () => {
		const median = await march('time-to-resolution');
		expect(median).toMatchObject({ value: 25.5, n: 4, unit: 'hours' });
		expect(findMetric('time-to-resolution')?.exactness).toBe('binned');
		expect(median.extra).toMatchObject({ binFromHours: 25, binToHours: 26, resolution: '1 hour' });
	});

	it('moves the figures when a case is resolved later', async () => {
		const db = database.db;
		// case 4 resolved on 30 Mar: 6 days later, so no longer open; resolved in March at 6 days
		await db
			.updateTable('service_case')
			.set({ resolved_at: '2026-03-30T00:00:00Z' })
			.where('case_ref', '=', 'case-4')
			.execute();
		await refreshRollups(db);
		expect(await march('open-cases')).toMatchObject({ value: 4 });
		expect(await march('cases-unresolved-7d')).toMatchObject({ numerator: 2, denominator: 4 });
		// bins 0 h, 25 h, 4 d, 6 d, 37 d: the 3rd of 5 is the 4–5 day bin
		expect(await march('time-to-resolution')).toMatchObject({ value: 108, n: 5 });
	});
});
