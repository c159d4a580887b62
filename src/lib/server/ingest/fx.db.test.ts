import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { thrownBy } from '../../../../tests/helpers/errors';
import { UserError } from '../errors';
import { updateSettings } from '../settings';
import { importFxCsv } from './fx';
import { importOrdersCsv } from './orders';

const FX_HEADER = 'currency,day,rate';
const ORDER_HEADER =
	'source,order_ref,customer_ref,ordered_at,kind,amount,currency,channel,refers_to';
const NOW = new Date('2026-03-20T12:00:00Z');

let database: TestDatabase;
let folder: string;
let files = 0;

/** Writes a CSV fixture (one string per line) and returns its path. */
function csv(lines: readonly string[]): string {
	const file = path.join(folder, `fx-${++files}.csv`);
	fs.writeFileSync(file, `${lines.join('\n')}\n`);
	return file;
}

const fx = (...rows: string[]) => csv([FX_HEADER, ...rows]);

async function storedRates() {
	const rows = await database.db
		.selectFrom('fx_rate')
		.select(['currency', 'day', 'rate'])
		.orderBy('currency')
		.orderBy('day')
		.execute();
	return rows.map((r) => [r.currency, r.day, r.rate]);
}

async function reportingAmounts() {
	const rows = await database.db
		.selectFrom('customer_order')
		.select(['order_ref', 'reporting_amount'])
		.orderBy('order_ref')
		.execute();
	return Object.fromEntries(rows.map((r) => [r.order_ref, r.reporting_amount]));
}

/** Runs `work` and returns the error it throws (failing the test if it does not throw). */
const thrown = thrownBy;

beforeAll(async () => {
	database = await openTestDatabase();
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-fx-test-'));
});

afterAll(async () => {
	await database?.close();
	if (folder) fs.rmSync(folder, { recursive: true, force: true });
});

beforeEach(async () => {
	await sql`
		truncate customer_order, ingest_key, identity, customer, fx_rate, setting, source cascade
	`.execute(database.db);
	// March 2026 in Berlin is UTC+01:00 (summer time starts on 29 March)
	await updateSettings(database.db, { timeZone: 'Europe/Berlin' });
});

describe('importFxCsv', () => {
	it('stores rates with upper-case currencies and canonical rates', async () => {
		const file = fx('EUR,2026-03-01,1.0800', 'gbp,2026-03-01,1.27', 'EUR,2026-03-10,01.1');
		expect(await importFxCsv(database.db, file)).toEqual({
			rows: 3,
			stored: 3,
			skipped: 0,
			rejected: []
		});
		expect(await storedRates()).toEqual([
			['EUR', '2026-03-01', '1.08'],
			['EUR', '2026-03-10', '1.1'],
			['GBP', '2026-03-01', '1.27']
		]);
	});

	it('skips a rate imported again with the same value, however it is written', async () => {
		const file = fx('EUR,2026-03-01,1.08', 'GBP,2026-03-01,1.27');
		await importFxCsv(database.db, file);
		expect(await importFxCsv(database.db, file)).toEqual({
			rows: 2,
			stored: 0,
			skipped: 2,
			rejected: []
		});
		const rewritten = fx('eur,2026-03-01,1.080', 'GBP,2026-03-01,+1.27', 'GBP,2026-03-01,1.27');
		expect(await importFxCsv(database.db, rewritten)).toEqual({
			rows: 3,
			stored: 0,
			skipped: 3,
			rejected: []
		});
		expect(await storedRates()).toEqual([
			['EUR', '2026-03-01', '1.08'],
			['GBP', '2026-03-01', '1.27']
		]);
	});

	it('rejects a different rate for a stored (currency, day) and keeps the stored one', async () => {
		await importFxCsv(database.db, fx('EUR,2026-03-01,1.08'));
		const file = fx(
			'EUR,2026-03-01,1.09', // line 2: conflicts with the stored rate
			'EUR,2026-03-02,1.09',
			'CHF,2026-03-01,1.1',
			'CHF,2026-03-01,1.2' // line 5: conflicts with line 4
		);
		expect(await importFxCsv(database.db, file)).toEqual({
			rows: 4,
			stored: 2,
			skipped: 0,
			rejected: [
				{
					line: 2,
					ref: 'EUR 2026-03-01',
					field: 'rate',
					message: 'EUR on 2026-03-01 is already stored with the rate 1.08.'
				},
				{
					line: 5,
					ref: 'CHF 2026-03-01',
					field: 'rate',
					message: 'CHF on 2026-03-01 is already stored with the rate 1.1.'
				}
			]
		});
		expect(await storedRates()).toEqual([
			['CHF', '2026-03-01', '1.1'],
			['EUR', '2026-03-01', '1.08'],
			['EUR', '2026-03-02', '1.09']
		]);
	});

	it('rejects a rate for the reporting currency', async () => {
		const summary = await importFxCsv(database.db, fx('USD,2026-03-01,1', 'usd,2026-03-02,1.1'));
		expect(summary.rejected).toEqual([
			{
				line: 2,
				ref: 'USD 2026-03-01',
				field: 'currency',
				message: 'USD is the reporting currency; its rate is always 1.'
			},
			{
				line: 3,
				ref: 'usd 2026-03-02',
				field: 'currency',
				message: 'USD is the reporting currency; its rate is always 1.'
			}
		]);
		await updateSettings(database.db, { reportingCurrency: 'EUR' });
		const eur = await importFxCsv(database.db, fx('EUR,2026-03-01,1', 'USD,2026-03-01,0.92'));
		expect(eur.rejected.map((r) => [r.line, r.field])).toEqual([[2, 'currency']]);
		expect(await storedRates()).toEqual([['USD', '2026-03-01', '0.92']]);
	});

	it('rejects bad days, rates and currencies with their line and field', async () => {
		const file = fx(
			'EUR,2026-02-30,1.1', // line 2
			'EUR,2026-3-5,1.1',
			'EUR,,1.1',
			'EUR,2026-03-05,-1.5', // line 5
			'EUR,2026-03-05,0',
			'EUR,2026-03-05,-0.000',
			'EUR,2026-03-05,"1,1"',
			'EURO,2026-03-05,1.1',
			'EUR,2026-03-05', // line 10
			'EUR,2026-03-05,1.1'
		);
		const summary = await importFxCsv(database.db, file);
		const re = (pattern: RegExp) => expect.stringMatching(pattern);
		expect(summary.rejected).toEqual([
			{ line: 2, ref: 'EUR 2026-02-30', field: 'day', message: re(/not a date/) },
			{ line: 3, ref: 'EUR 2026-3-5', field: 'day', message: re(/not a date \(YYYY-MM-DD\)/) },
			{ line: 4, ref: 'EUR', field: 'day', message: re(/not a date/) },
			{ line: 5, ref: 'EUR 2026-03-05', field: 'rate', message: re(/"-1.5" is not a positive/) },
			{ line: 6, ref: 'EUR 2026-03-05', field: 'rate', message: re(/not a positive rate/) },
			{ line: 7, ref: 'EUR 2026-03-05', field: 'rate', message: re(/not a positive rate/) },
			{ line: 8, ref: 'EUR 2026-03-05', field: 'rate', message: re(/use a dot/) },
			{ line: 9, ref: 'EURO 2026-03-05', field: 'currency', message: re(/three-letter/) },
			{
				line: 10,
				ref: 'EUR 2026-03-05',
				field: '(row)',
				message: 'has 2 fields where the header has 3.'
			}
		]);
		expect(summary).toMatchObject({ rows: 10, stored: 1, skipped: 0 });
		expect(await storedRates()).toEqual([['EUR', '2026-03-05', '1.1']]);
	});

	it('refuses a wrong header with a UserError and stores nothing', async () => {
		for (const [header, message] of [
			['currency,day', /lacks rate/],
			['currency,day,rate,source', /"source" is not a column/],
			['currency,day,day,rate', /"day" twice/]
		] as const) {
			const file = csv([header, 'EUR,2026-03-01,1.1,x']);
			const error = await thrown(() => importFxCsv(database.db, file));
			expect(error, header).toBeInstanceOf(UserError);
			expect(error.message, header).toMatch(message);
		}
		expect(await storedRates()).toEqual([]);
	});

	it('accepts the rate of a currency worth far less than the reporting currency', async () => {
		// 1 VND is about 0.0000393 USD: seven decimals are needed
		const summary = await importFxCsv(database.db, fx('VND,2026-03-01,0.0000393'));
		expect(summary).toEqual({ rows: 1, stored: 1, skipped: 0, rejected: [] });
		expect(await storedRates()).toEqual([['VND', '2026-03-01', '0.0000393']]);
	});

	it('rejects a day PostgreSQL cannot store as a row, without failing the file', async () => {
		// there is no year 0 in PostgreSQL (1 BC is followed by AD 1)
		let summary;
		try {
			summary = await importFxCsv(database.db, fx('EUR,2026-03-01,1.1', 'EUR,0000-03-01,1.1'));
		} catch (error) {
			summary = String(error);
		}
		expect(summary).toMatchObject({
			rows: 2,
			stored: 1,
			rejected: [{ line: 3, ref: 'EUR 0000-03-01', field: 'day' }]
		});
	});
});

describe('importFxCsv: re-converting stored orders', () => {
	it('re-converts exactly the orders whose rate in force changed, by their local date', async () => {
		await importFxCsv(database.db, fx('EUR,2026-03-01,1.1', 'GBP,2026-03-01,1.25'));
		const orders = csv([
			ORDER_HEADER,
			'shop,o-1,c1,2026-03-05T10:00:00Z,order,100,EUR,,',
			// 23:30 on 9 March in Berlin
			'shop,o-2,c1,2026-03-09T22:30:00Z,order,100,EUR,,',
			// UTC date 9 March, but 00:30 on 10 March in Berlin
			'shop,o-3,c1,2026-03-09T23:30:00Z,order,100,EUR,,',
			'shop,o-4,c1,2026-03-10,order,20.5,EUR,,',
			'shop,o-5,c1,2026-03-20T10:00:00Z,order,19.99,EUR,,',
			'shop,o-6,c1,2026-03-12T10:00:00Z,order,10,GBP,,',
			'shop,o-7,c1,2026-03-12T10:00:00Z,order,7,USD,,'
		]);
		expect(await importOrdersCsv(database.db, orders, { now: NOW })).toMatchObject({
			stored: 7,
			rejected: []
		});
		// numeric products keep the sum of the scales: 100 × 1.1 = 110.0, 20.5 × 1.1 = 22.55
		const first = {
			'o-1': '110.0',
			'o-2': '110.0',
			'o-3': '110.0',
			'o-4': '22.55',
			'o-5': '21.989',
			'o-6': '12.50',
			'o-7': '7'
		};
		expect(await reportingAmounts()).toEqual(first);

		// a later rate: only EUR orders on or after 10 March (Berlin) change
		expect(await importFxCsv(database.db, fx('EUR,2026-03-10,1.2'))).toMatchObject({ stored: 1 });
		const second = { ...first, 'o-3': '120.0', 'o-4': '24.60', 'o-5': '23.988' };
		expect(await reportingAmounts()).toEqual(second);

		// an in-between rate: only the EUR orders from 5 to 9 March change
		expect(await importFxCsv(database.db, fx('EUR,2026-03-05,1.15'))).toMatchObject({ stored: 1 });
		const third = { ...second, 'o-1': '115.00', 'o-2': '115.00' };
		expect(await reportingAmounts()).toEqual(third);

		// an earlier rate changes no stored order: each still has a later rate in force
		expect(await importFxCsv(database.db, fx('EUR,2026-02-20,1'))).toMatchObject({ stored: 1 });
		expect(await reportingAmounts()).toEqual(third);

		// ... but now an order before 1 March can be converted: 50 × 1 = 50
		const early = csv([ORDER_HEADER, 'shop,o-8,c1,2026-02-25T10:00:00Z,order,50,EUR,,']);
		expect(await importOrdersCsv(database.db, early, { now: NOW })).toMatchObject({
			stored: 1,
			rejected: []
		});
		expect(await reportingAmounts()).toEqual({ ...third, 'o-8': '50' });
	});

	it('leaves orders alone when a file brings no new rate', async () => {
		await importFxCsv(database.db, fx('EUR,2026-03-01,1.1'));
		const orders = csv([ORDER_HEADER, 'shop,p-1,c1,2026-03-05T10:00:00Z,order,100,EUR,,']);
		await importOrdersCsv(database.db, orders, { now: NOW });
		// a rejected conflicting rate and a skipped repeat do not touch the order
		const summary = await importFxCsv(database.db, fx('EUR,2026-03-01,1.3', 'EUR,2026-03-01,1.1'));
		expect(summary).toMatchObject({ stored: 0, skipped: 1 });
		expect(summary.rejected).toHaveLength(1);
		expect(await reportingAmounts()).toEqual({ 'p-1': '110.0' });
	});
});
