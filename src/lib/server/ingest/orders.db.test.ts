import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { thrownBy } from '../../../../tests/helpers/errors';
import { UserError } from '../errors';
import { updateSettings } from '../settings';
import { emptySummary, type ImportProgress } from './import-result';
import { importOrdersCsv, storeOrders, type OrderRecord } from './orders';

const HEADER = 'source,order_ref,customer_ref,ordered_at,kind,amount,currency,channel,refers_to';
/** "Now" for every import: rows dated after 2026-03-21T12:00:00Z are in the future. */
const NOW = new Date('2026-03-20T12:00:00Z');

let database: TestDatabase;
let folder: string;
let files = 0;

/** Writes a CSV fixture (one string per line) and returns its path. */
function csv(lines: readonly string[], { eol = '\n', bom = false } = {}): string {
	const file = path.join(folder, `orders-${++files}.csv`);
	fs.writeFileSync(file, `${bom ? '\ufeff' : ''}${lines.join(eol)}${eol}`);
	return file;
}

async function addRates(rates: readonly [currency: string, day: string, rate: string][]) {
	await database.db
		.insertInto('fx_rate')
		.values(rates.map(([currency, day, rate]) => ({ currency, day, rate })))
		.execute();
}

async function storedOrders() {
	return database.db
		.selectFrom('customer_order')
		.selectAll()
		.orderBy('source')
		.orderBy('order_ref')
		.execute();
}

async function rowCounts() {
	const { rows } = await sql<Record<string, number>>`
		select
			(select count(*) from customer_order) as orders,
			(select count(*) from customer) as customers,
			(select count(*) from identity) as identities,
			(select count(*) from ingest_key) as keys,
			(select count(*) from source) as sources
	`.execute(database.db);
	return rows[0];
}

/** Runs `work` and returns the error it throws (failing the test if it does not throw). */
const thrown = thrownBy;

beforeAll(async () => {
	database = await openTestDatabase();
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-orders-test-'));
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

describe('importOrdersCsv: valid rows', () => {
	it('stores each column: exact amount, converted amount, dates, kind and currency defaults', async () => {
		await addRates([['EUR', '2026-03-01', '1.08']]);
		const file = csv([
			HEADER,
			'shop,A-1,c1,2026-03-05T10:00:00+01:00,order,12.50,eur,web,',
			'shop,A-2,c1,2026-03-06,refund,-2.50,EUR,,A-1',
			'shop,A-3,c2,2026-03-07T08:15:30.250Z,,7,,store,',
			'shop,A-4,c2,2026-03-08T12:00:00Z,cancellation,-0,USD,,A-3'
		]);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toEqual({
			rows: 4,
			stored: 4,
			skipped: 0,
			rejected: []
		});
		const orders = await storedOrders();
		expect(
			orders.map((o) => ({
				order_ref: o.order_ref,
				kind: o.kind,
				amount: o.amount,
				currency: o.currency,
				reporting_amount: o.reporting_amount,
				ordered_at: o.ordered_at.toISOString(),
				ordered_on: o.ordered_on,
				channel: o.channel,
				refers_to: o.refers_to,
				source: o.source
			}))
		).toEqual([
			// 12.5 × 1.08 = 13.5; numeric keeps the scale 1 + 2 = 3
			{
				order_ref: 'A-1',
				kind: 'order',
				amount: '12.5',
				currency: 'EUR',
				reporting_amount: '13.500',
				ordered_at: '2026-03-05T09:00:00.000Z',
				ordered_on: null,
				channel: 'web',
				refers_to: null,
				source: 'shop'
			},
			// a date: Berlin midnight of 6 March is 23:00 UTC on the 5th; -2.5 × 1.08 = -2.7
			{
				order_ref: 'A-2',
				kind: 'refund',
				amount: '-2.5',
				currency: 'EUR',
				reporting_amount: '-2.700',
				ordered_at: '2026-03-05T23:00:00.000Z',
				ordered_on: '2026-03-06',
				channel: null,
				refers_to: 'A-1',
				source: 'shop'
			},
			// no kind → order; no currency → USD, the reporting currency, at rate 1
			{
				order_ref: 'A-3',
				kind: 'order',
				amount: '7',
				currency: 'USD',
				reporting_amount: '7',
				ordered_at: '2026-03-07T08:15:30.250Z',
				ordered_on: null,
				channel: 'store',
				refers_to: null,
				source: 'shop'
			},
			{
				order_ref: 'A-4',
				kind: 'cancellation',
				amount: '0',
				currency: 'USD',
				reporting_amount: '0',
				ordered_at: '2026-03-08T12:00:00.000Z',
				ordered_on: null,
				channel: null,
				refers_to: 'A-3',
				source: 'shop'
			}
		]);
		for (const order of orders) expect(order.origin_customer_id).toBe(order.customer_id);

		const keys = await database.db.selectFrom('ingest_key').selectAll().orderBy('ref').execute();
		expect(keys.map((k) => [k.source, k.entity, k.ref, k.customer_id, k.row_id])).toEqual(
			orders.map((o) => ['shop', 'order', o.order_ref, o.customer_id, o.order_id])
		);
	});

	it('converts with the latest rate on or before the LOCAL date of the order', async () => {
		await addRates([
			['EUR', '2026-03-09', '1.1'],
			['EUR', '2026-03-10', '1.2'],
			['EUR', '2026-03-12', '1.3']
		]);
		const file = csv([
			HEADER,
			// 23:30 in Berlin on the 9th → 1.1: 100 × 1.1 = 110.0
			'shop,fx-1,c1,2026-03-09T22:30:00Z,order,100,EUR,,',
			// UTC date 9 March, Berlin date 10 March (00:30) → 1.2: 100 × 1.2 = 120.0
			'shop,fx-2,c1,2026-03-09T23:30:00Z,order,100,EUR,,',
			// the same instant written with +01:00 → 1.2: 19.99 × 1.2 = 23.988
			'shop,fx-3,c1,2026-03-10T00:30:00+01:00,order,19.99,EUR,,',
			// a date → its own calendar date → 1.2: 20.5 × 1.2 = 24.60
			'shop,fx-4,c1,2026-03-10,order,20.5,EUR,,',
			// 11 March in Berlin (no rate that day) → latest before it, 1.2: 10 × 1.2 = 12.0
			'shop,fx-5,c1,2026-03-11T23:59:00+01:00,order,10,EUR,,',
			// UTC date 11 March, Berlin date 12 March → 1.3: 10 × 1.3 = 13.0
			'shop,fx-6,c1,2026-03-11T23:30:00Z,order,10,EUR,,',
			// 15 March → latest before it, 1.3: 0.5 × 1.3 = 0.65
			'shop,fx-7,c1,2026-03-15T12:00:00Z,order,0.5,EUR,,'
		]);
		const summary = await importOrdersCsv(database.db, file, { now: NOW });
		expect(summary).toEqual({ rows: 7, stored: 7, skipped: 0, rejected: [] });
		const orders = await storedOrders();
		expect(orders.map((o) => [o.order_ref, o.reporting_amount, o.ordered_on])).toEqual([
			['fx-1', '110.0', null],
			['fx-2', '120.0', null],
			['fx-3', '23.988', null],
			['fx-4', '24.60', '2026-03-10'],
			['fx-5', '12.0', null],
			['fx-6', '13.0', null],
			['fx-7', '0.65', null]
		]);
		expect(orders[3]?.ordered_at.toISOString()).toBe('2026-03-09T23:00:00.000Z');
	});

	it('defaults the currency to the reporting currency set in the settings', async () => {
		await updateSettings(database.db, { reportingCurrency: 'EUR' });
		// no kind or currency column at all
		const file = csv([
			'source,order_ref,customer_ref,ordered_at,amount',
			'shop,E-1,c1,2026-03-05,40'
		]);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toMatchObject({
			stored: 1,
			rejected: []
		});
		const usd = csv([HEADER, 'shop,E-2,c1,2026-03-05,order,40,USD,,']);
		expect((await importOrdersCsv(database.db, usd, { now: NOW })).rejected).toEqual([
			{
				line: 2,
				ref: 'E-2',
				field: 'currency',
				message: expect.stringMatching(/no USD exchange rate on or before 2026-03-05/)
			}
		]);
		const orders = await storedOrders();
		expect(orders.map((o) => [o.order_ref, o.kind, o.currency, o.reporting_amount])).toEqual([
			['E-1', 'order', 'EUR', '40']
		]);
	});
});

describe('importOrdersCsv: customers', () => {
	it('creates one customer per (source, customer_ref) with a ref identity', async () => {
		const file = csv([
			HEADER,
			'shop,o-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,o-2,c1,2026-03-06T10:00:00Z,order,20,,,',
			'pos,o-1,c1,2026-03-06T10:00:00Z,order,30,,,',
			'shop,o-3,c2,2026-03-06T10:00:00Z,order,40,,,'
		]);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toMatchObject({ stored: 4 });
		const identities = await database.db
			.selectFrom('identity')
			.selectAll()
			.orderBy('source')
			.orderBy('value')
			.execute();
		expect(identities.map((i) => [i.source, i.kind, i.value])).toEqual([
			['pos', 'ref', 'c1'],
			['shop', 'ref', 'c1'],
			['shop', 'ref', 'c2']
		]);
		for (const identity of identities) {
			expect(identity.origin_customer_id).toBe(identity.customer_id);
		}
		const [posC1, shopC1, shopC2] = identities.map((i) => i.customer_id);
		expect(new Set([posC1, shopC1, shopC2]).size).toBe(3);

		const customers = await database.db
			.selectFrom('customer')
			.select(['customer_id', 'source'])
			.orderBy('customer_id')
			.execute();
		expect(customers).toHaveLength(3);
		expect(customers.find((c) => c.customer_id === posC1)?.source).toBe('pos');
		expect(customers.find((c) => c.customer_id === shopC1)?.source).toBe('shop');

		const orders = await storedOrders();
		expect(orders.map((o) => [o.source, o.order_ref, o.customer_id, o.origin_customer_id])).toEqual(
			[
				['pos', 'o-1', posC1, posC1],
				['shop', 'o-1', shopC1, shopC1],
				['shop', 'o-2', shopC1, shopC1],
				['shop', 'o-3', shopC2, shopC2]
			]
		);

		// a later file naming the same customer finds it instead of creating another
		const later = csv([HEADER, 'shop,o-4,c1,2026-03-07T10:00:00Z,order,50,,,']);
		expect(await importOrdersCsv(database.db, later, { now: NOW })).toMatchObject({ stored: 1 });
		expect((await rowCounts())?.customers).toBe(3);
		const o4 = (await storedOrders()).find((o) => o.order_ref === 'o-4');
		expect([o4?.customer_id, o4?.origin_customer_id]).toEqual([shopC1, shopC1]);
	});
});

describe('importOrdersCsv: idempotency', () => {
	it('skips every row of a file imported twice and stores nothing more', async () => {
		const file = csv([
			HEADER,
			'shop,i-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,i-2,c2,2026-03-05,order,20.5,,,',
			'shop,i-3,c2,2026-03-06T10:00:00Z,refund,-5,,,i-2'
		]);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toEqual({
			rows: 3,
			stored: 3,
			skipped: 0,
			rejected: []
		});
		const counts = await rowCounts();
		expect(counts).toEqual({ orders: 3, customers: 2, identities: 2, keys: 3, sources: 1 });
		const before = await storedOrders();
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toEqual({
			rows: 3,
			stored: 0,
			skipped: 3,
			rejected: []
		});
		expect(await rowCounts()).toEqual(counts);
		expect(await storedOrders()).toEqual(before);
	});

	it('skips an identical row repeated in the same file, in one batch or across batches', async () => {
		for (const batchSize of [5000, 1]) {
			const file = csv([
				HEADER,
				`shop,d-${batchSize},c1,2026-03-05T10:00:00Z,order,10,,,`,
				`shop,e-${batchSize},c1,2026-03-05T11:00:00Z,order,11,,,`,
				`shop,d-${batchSize},c1,2026-03-05T10:00:00Z,order,10,,,`
			]);
			expect(await importOrdersCsv(database.db, file, { now: NOW, batchSize })).toEqual({
				rows: 3,
				stored: 2,
				skipped: 1,
				rejected: []
			});
		}
		expect((await rowCounts())?.orders).toBe(4);
	});

	it('counts 12.50 and 12.5, or one instant written two ways, as the same values', async () => {
		await addRates([['EUR', '2026-03-01', '1.1']]);
		const first = csv([
			HEADER,
			'shop,s-1,c1,2026-03-05T10:00:00Z,order,12.50,EUR,web,',
			'shop,s-2,c1,2026-03-05T10:00:00+01:00,order,+3,eur,,'
		]);
		const second = csv([
			HEADER,
			'shop,s-1,c1,2026-03-05T10:00:00.000Z,,12.5,eur,web,',
			'shop,s-2,c1,2026-03-05T09:00:00Z,order,3.00,EUR,,'
		]);
		expect(await importOrdersCsv(database.db, first, { now: NOW })).toMatchObject({ stored: 2 });
		expect(await importOrdersCsv(database.db, second, { now: NOW })).toEqual({
			rows: 2,
			stored: 0,
			skipped: 2,
			rejected: []
		});
	});

	it('rejects the same order_ref with a different amount, in the file or later, and keeps the first', async () => {
		const file = csv([
			HEADER,
			'shop,x-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,x-1,c1,2026-03-05T10:00:00Z,order,11,,,'
		]);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toEqual({
			rows: 2,
			stored: 1,
			skipped: 0,
			rejected: [
				{
					line: 3,
					ref: 'x-1',
					field: 'order_ref',
					message: expect.stringMatching(/different values/)
				}
			]
		});
		const later = csv([HEADER, 'shop,x-1,c1,2026-03-05T10:00:00Z,order,10.01,,,']);
		expect(await importOrdersCsv(database.db, later, { now: NOW })).toEqual({
			rows: 1,
			stored: 0,
			skipped: 0,
			rejected: [
				{
					line: 2,
					ref: 'x-1',
					field: 'order_ref',
					message: expect.stringMatching(/different values/)
				}
			]
		});
		const orders = await storedOrders();
		expect(orders.map((o) => [o.order_ref, o.amount, o.reporting_amount])).toEqual([
			['x-1', '10', '10']
		]);
	});
});

describe('importOrdersCsv: rejected rows', () => {
	it('lists each bad row with its file line and field, and stores the valid ones', async () => {
		await addRates([['EUR', '2026-03-01', '1.1']]);
		const file = csv([
			HEADER,
			'shop,ok-1,c1,2026-03-10T10:00:00Z,order,10,EUR,web,', // line 2
			'shop,bad-amount,c1,2026-03-10T10:00:00Z,order,12.5x,EUR,,',
			'shop,comma,c1,2026-03-10T10:00:00Z,order,"12,50",EUR,,',
			'shop,neg-order,c1,2026-03-10T10:00:00Z,order,-3,EUR,,', // line 5
			'shop,pos-refund,c1,2026-03-10T10:00:00Z,refund,3,EUR,,ok-1',
			'shop,ref-on-order,c1,2026-03-10T10:00:00Z,order,3,EUR,,ok-1',
			'shop,bad-kind,c1,2026-03-10T10:00:00Z,return,-3,EUR,,',
			'shop,no-offset,c1,2026-03-10T10:00:00,order,3,EUR,,',
			// 1 s more than a day after NOW (2026-03-20T12:00:00Z)
			'shop,future,c1,2026-03-21T12:00:01Z,order,3,EUR,,', // line 10
			// Berlin midnight of 22 March is 2026-03-21T23:00:00Z
			'shop,future-day,c1,2026-03-22,order,3,EUR,,',
			// exactly a day after NOW: accepted
			'shop,edge,c1,2026-03-21T12:00:00Z,order,3,EUR,,',
			'shop,no-rate,c1,2026-03-10T10:00:00Z,order,3,GBP,,',
			// 23:30 on 28 February in Berlin, before the first EUR rate
			'shop,too-early,c1,2026-02-28T22:30:00Z,order,3,EUR,,',
			'shop,short-row,c1,2026-03-10T10:00:00Z', // line 15
			'shop,long-row,c1,2026-03-10T10:00:00Z,order,3,EUR,,,extra',
			',no-source,c1,2026-03-10T10:00:00Z,order,3,EUR,,',
			'shop,,c1,2026-03-10T10:00:00Z,order,3,EUR,,',
			'shop,no-customer,,2026-03-10T10:00:00Z,order,3,EUR,,',
			'shop,bad-currency,c1,2026-03-10T10:00:00Z,order,3,EURO,,', // line 20
			'shop,ok-2,c2,2026-03-10,refund,-2.50,,,ok-1'
		]);
		const summary = await importOrdersCsv(database.db, file, { now: NOW });
		const re = (pattern: RegExp) => expect.stringMatching(pattern);
		expect(summary.rejected).toEqual([
			{ line: 3, ref: 'bad-amount', field: 'amount', message: re(/"12\.5x" is not an amount/) },
			{ line: 4, ref: 'comma', field: 'amount', message: re(/use a dot/) },
			{ line: 5, ref: 'neg-order', field: 'amount', message: re(/cannot be negative/) },
			{ line: 6, ref: 'pos-refund', field: 'amount', message: re(/amount is negative/) },
			{ line: 7, ref: 'ref-on-order', field: 'refers_to', message: re(/only for refunds/) },
			{ line: 8, ref: 'bad-kind', field: 'kind', message: re(/"return" is not one of/) },
			{ line: 9, ref: 'no-offset', field: 'ordered_at', message: re(/offset/) },
			{ line: 10, ref: 'future', field: 'ordered_at', message: re(/in the future/) },
			{ line: 11, ref: 'future-day', field: 'ordered_at', message: re(/in the future/) },
			{ line: 13, ref: 'no-rate', field: 'currency', message: re(/no GBP exchange rate/) },
			{
				line: 14,
				ref: 'too-early',
				field: 'currency',
				message: re(/no EUR exchange rate on or before 2026-02-28/)
			},
			{
				line: 15,
				ref: 'short-row',
				field: '(row)',
				message: 'has 4 fields where the header has 9.'
			},
			{
				line: 16,
				ref: 'long-row',
				field: '(row)',
				message: 'has 10 fields where the header has 9.'
			},
			{ line: 17, ref: 'no-source', field: 'source', message: re(/is empty/) },
			{ line: 18, ref: '', field: 'order_ref', message: 'is empty.' },
			{ line: 19, ref: 'no-customer', field: 'customer_ref', message: 'is empty.' },
			{ line: 20, ref: 'bad-currency', field: 'currency', message: re(/three-letter/) }
		]);
		expect(summary).toMatchObject({ rows: 20, stored: 3, skipped: 0 });
		const orders = await storedOrders();
		expect(orders.map((o) => [o.order_ref, o.amount, o.currency])).toEqual([
			['edge', '3', 'EUR'],
			['ok-1', '10', 'EUR'],
			['ok-2', '-2.5', 'USD']
		]);
	});

	it('takes --source for a file without a source column and rejects a row naming another', async () => {
		const withColumn = csv([
			HEADER,
			'shop,s-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'pos,s-2,c1,2026-03-05T10:00:00Z,order,10,,,',
			',s-3,c1,2026-03-05T10:00:00Z,order,10,,,'
		]);
		expect(await importOrdersCsv(database.db, withColumn, { source: 'shop', now: NOW })).toEqual({
			rows: 3,
			stored: 2,
			skipped: 0,
			rejected: [
				{ line: 3, ref: 's-2', field: 'source', message: 'is "pos" but --source names "shop".' }
			]
		});
		const withoutColumn = csv([
			'order_ref,customer_ref,ordered_at,amount',
			's-4,c1,2026-03-05T10:00:00Z,10'
		]);
		expect(
			await importOrdersCsv(database.db, withoutColumn, { source: 'app', now: NOW })
		).toMatchObject({ stored: 1, rejected: [] });
		const orders = await storedOrders();
		expect(orders.map((o) => [o.source, o.order_ref])).toEqual([
			['app', 's-4'],
			['shop', 's-1'],
			['shop', 's-3']
		]);
		const error = await thrown(() => importOrdersCsv(database.db, withoutColumn, { now: NOW }));
		expect(error).toBeInstanceOf(UserError);
		expect(error.message).toMatch(/lacks source/);
	});

	it('reports a record spanning two lines at the line where it starts', async () => {
		const file = csv([
			HEADER,
			'shop,m-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,m-2,c1,2026-03-05T10:00:00Z,order,10,,"we', // line 3, continued on line 4
			'b",',
			'shop,m-3,c1,2026-03-05T10:00:00Z,order,x,,,' // line 5
		]);
		const summary = await importOrdersCsv(database.db, file, { now: NOW });
		expect(summary.rejected.map((r) => [r.line, r.ref, r.field])).toEqual([
			[3, 'm-2', 'channel'],
			[5, 'm-3', 'amount']
		]);
	});

	it('rejects a date PostgreSQL cannot store as a row, without failing the file', async () => {
		// JavaScript knows a year 0; PostgreSQL has none (1 BC is followed by AD 1)
		const file = csv([
			HEADER,
			'shop,y-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,y-2,c1,0000-06-01T10:00:00Z,order,10,,,'
		]);
		let summary;
		try {
			summary = await importOrdersCsv(database.db, file, { now: NOW });
		} catch (error) {
			summary = String(error);
		}
		expect(summary).toMatchObject({
			rows: 2,
			stored: 1,
			rejected: [{ line: 3, ref: 'y-2', field: 'ordered_at' }]
		});
	});
});

describe('importOrdersCsv: failures store nothing', () => {
	async function importSomething() {
		const file = csv([HEADER, 'shop,base-1,c1,2026-03-05T10:00:00Z,order,10,,,']);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toMatchObject({ stored: 1 });
		return rowCounts();
	}

	it('refuses a wrong header with a UserError before storing anything', async () => {
		const before = await importSomething();
		const row = 'shop,h-1,c9,2026-03-05T10:00:00Z,order,10';
		const cases: [header: string, row: string, message: RegExp][] = [
			[
				'source,order_ref,customer_ref,ordered_at,kind',
				'shop,h-1,c9,2026-03-05T10:00:00Z,order',
				/lacks amount/
			],
			[
				`source,order_ref,customer_ref,ordered_at,kind,amount,discount`,
				`${row},1`,
				/"discount" is not a column/
			],
			[
				`source,order_ref,customer_ref,ordered_at,kind,amount,amount`,
				`${row},10`,
				/"amount" twice/
			],
			['', '', /is empty/]
		];
		for (const [header, line, message] of cases) {
			const file = csv(header ? [header, line] : []);
			const error = await thrown(() => importOrdersCsv(database.db, file, { now: NOW }));
			expect(error, header).toBeInstanceOf(UserError);
			expect(error.message, header).toMatch(message);
		}
		expect(await rowCounts()).toEqual(before);
	});

	it('reads header names whatever their case and spacing', async () => {
		const file = csv([
			' Source , ORDER_REF,Customer_Ref,ordered_at,Amount',
			'shop,u-1,c1,2026-03-05T10:00:00Z,10'
		]);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toMatchObject({
			stored: 1,
			rejected: []
		});
	});

	it('stores nothing from a file with an unclosed quote after valid rows', async () => {
		const before = await importSomething();
		for (const batchSize of [5000, 1]) {
			const file = csv([
				HEADER,
				'shop,q-1,c2,2026-03-05T10:00:00Z,order,10,,,',
				'shop,q-2,c3,2026-03-05T10:00:00Z,order,10,,,',
				'pos,q-3,c4,2026-03-05T10:00:00Z,order,10,,,',
				'shop,q-4,c5,"2026-03-05T10:00:00Z,order,10,,,' // line 5
			]);
			const error = await thrown(() => importOrdersCsv(database.db, file, { now: NOW, batchSize }));
			expect(error).toBeInstanceOf(UserError);
			expect(error.message).toMatch(/quote opened on line 5 is never closed/);
			expect(error.message).toMatch(/quote/i);
			expect(await rowCounts()).toEqual(before);
		}
	});

	it('points to the line where an unclosed quote opens', async () => {
		const file = csv([
			HEADER,
			'shop,l-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,l-2,c1,"2026-03-05T10:00:00Z,order,10,,,', // line 3: the quote opens here
			'shop,l-3,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,l-4,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,l-5,c1,2026-03-05T10:00:00Z,order,10,,,'
		]);
		const error = await thrown(() => importOrdersCsv(database.db, file, { now: NOW }));
		expect(error).toBeInstanceOf(UserError);
		expect(error.message).toMatch(/quote opened on line 3 is never closed/);
	});

	it('stores every batch of a good file', async () => {
		const lines = [HEADER];
		for (let i = 1; i <= 7; i++)
			lines.push(`shop,b-${i},c${i % 3},2026-03-0${i}T10:00:00Z,order,${i},,,`);
		const file = csv(lines);
		const progress: ImportProgress[] = [];
		const summary = await importOrdersCsv(database.db, file, {
			now: NOW,
			batchSize: 2,
			onProgress: (p) => progress.push(p)
		});
		expect(summary).toEqual({ rows: 7, stored: 7, skipped: 0, rejected: [] });
		expect(progress.map((p) => p.rows)).toEqual([2, 4, 6, 7]);
		expect(progress.every((p) => p.totalBytes === fs.statSync(file).size)).toBe(true);
		expect(await rowCounts()).toEqual({
			orders: 7,
			customers: 3,
			identities: 3,
			keys: 7,
			sources: 1
		});
	});

	it('rolls back batches 1 and 2 when storing batch 3 fails in the database', async () => {
		const before = await importSomething();
		const lines = [HEADER];
		for (let i = 1; i <= 7; i++) lines.push(`shop,r-${i},c${i},2026-03-06T10:00:00Z,order,${i},,,`);
		const file = csv(lines);
		// batch 3 holds records 5 and 6; this private database refuses record 6
		await sql`
			alter table customer_order add constraint test_refuses_r6 check (order_ref <> 'r-6')
		`.execute(database.db);
		const progress: number[] = [];
		try {
			const error = await thrown(() =>
				importOrdersCsv(database.db, file, {
					now: NOW,
					batchSize: 2,
					onProgress: (p) => progress.push(p.rows)
				})
			);
			expect(error.message).toMatch(/test_refuses_r6/);
		} finally {
			await sql`alter table customer_order drop constraint test_refuses_r6`.execute(database.db);
		}
		// batches 1 and 2 were written inside the transaction before batch 3 failed
		expect(progress).toEqual([2, 4]);
		expect(await rowCounts()).toEqual(before);
	});

	it('rolls back every batch when the progress report after batch 3 throws', async () => {
		const before = await importSomething();
		const lines = [HEADER];
		for (let i = 1; i <= 7; i++) lines.push(`shop,f-${i},c${i},2026-03-06T10:00:00Z,order,${i},,,`);
		const file = csv(lines);
		const progress: number[] = [];
		const error = await thrown(() =>
			importOrdersCsv(database.db, file, {
				now: NOW,
				batchSize: 2,
				onProgress: (p) => {
					progress.push(p.rows);
					if (progress.length === 3) throw new Error('batch 3 failed');
				}
			})
		);
		expect(error.message).toBe('batch 3 failed');
		expect(progress).toEqual([2, 4, 6]);
		expect(await rowCounts()).toEqual(before);
	});
});

describe('importOrdersCsv in chunks (beside a running server)', () => {
	async function importSomething() {
		const file = csv([HEADER, 'shop,cb-0,c1,2026-03-05T10:00:00Z,order,10,,,']);
		expect(await importOrdersCsv(database.db, file, { now: NOW })).toMatchObject({ stored: 1 });
		return rowCounts();
	}

	function lines(prefix: string, count: number): string[] {
		const rows = [HEADER];
		for (let i = 1; i <= count; i++) {
			rows.push(`shop,${prefix}-${i},${prefix}c${i},2026-03-06T10:00:00Z,order,${i},,,`);
		}
		return rows;
	}

	it('commits a good file in several transactions', async () => {
		const before = await importSomething();
		const summary = await importOrdersCsv(database.db, csv(lines('ck', 9)), {
			now: NOW,
			batchSize: 2,
			chunkBudgetMs: 200
		});
		expect(summary).toMatchObject({ rows: 9, stored: 9, skipped: 0, rejected: [] });
		expect((summary as unknown as { chunks: number }).chunks).toBeGreaterThanOrEqual(2);
		expect(await rowCounts()).toMatchObject({
			orders: Number(before?.orders) + 9,
			customers: Number(before?.customers) + 9
		});
	});

	it('takes back every committed chunk when the file turns out unreadable', async () => {
		const before = await importSomething();
		// long enough that rows are read (and chunks committed) before the end shows the fault
		const file = csv([...lines('cq', 5000), 'shop,cq-x,cqx,"2026-03-05T10:00:00Z,order,10,,,']);
		const progress: number[] = [];
		const error = await thrown(() =>
			importOrdersCsv(database.db, file, {
				now: NOW,
				batchSize: 100,
				chunkBudgetMs: 200,
				onProgress: (p) => progress.push(p.rows)
			})
		);
		expect(error).toBeInstanceOf(UserError);
		expect(error.message).toMatch(/never closed/);
		// chunks were committed before the end of the file showed the fault
		expect(progress.length).toBeGreaterThanOrEqual(2);
		expect(await rowCounts()).toEqual(before);
	});

	it('takes back the earlier chunks when a later one fails in the database', async () => {
		const before = await importSomething();
		await sql`
			alter table customer_order add constraint test_refuses_cd7 check (order_ref <> 'cd-7')
		`.execute(database.db);
		try {
			const error = await thrown(() =>
				importOrdersCsv(database.db, csv(lines('cd', 9)), {
					now: NOW,
					batchSize: 2,
					chunkBudgetMs: 200
				})
			);
			expect(error.message).toMatch(/test_refuses_cd7/);
		} finally {
			await sql`alter table customer_order drop constraint test_refuses_cd7`.execute(database.db);
		}
		expect(await rowCounts()).toEqual(before);
	});
});

describe('importOrdersCsv: file encoding', () => {
	const rows = [
		HEADER,
		'shop,w-1,c1,2026-03-05T10:00:00Z,order,10,,,', // line 2
		'',
		'shop,w-2,c1,2026-03-05T10:00:00Z,order,1x,,,', // line 4
		'shop,w-3,c1,2026-03-05T10:00:00Z,order,30,,,',
		'',
		'',
		'shop,w-4,c1,2026-03-05T10:00:00Z,gift,40,,,', // line 8
		'shop,w-5,c1,2026-03-05T10:00:00Z,order,50,,,'
	];

	for (const [name, options] of [
		['LF line ends', {}],
		['a BOM and CRLF line ends', { bom: true, eol: '\r\n' }]
	] as const) {
		it(`accepts ${name}, skips empty lines and keeps file line numbers`, async () => {
			const file = csv(rows, options);
			const summary = await importOrdersCsv(database.db, file, { now: NOW });
			expect(summary.rejected.map((r) => [r.line, r.ref, r.field])).toEqual([
				[4, 'w-2', 'amount'],
				[8, 'w-4', 'kind']
			]);
			expect(summary).toMatchObject({ rows: 5, stored: 3, skipped: 0 });
			const orders = await storedOrders();
			expect(orders.map((o) => [o.source, o.order_ref, o.amount, o.currency])).toEqual([
				['shop', 'w-1', '10', 'USD'],
				['shop', 'w-3', '30', 'USD'],
				['shop', 'w-5', '50', 'USD']
			]);
		});
	}
});

describe('storeOrders', () => {
	const record = (changes: Partial<OrderRecord>): OrderRecord => ({
		line: 2,
		source: 'api',
		orderRef: 'r-1',
		customerRef: 'c1',
		orderedAt: new Date('2026-03-05T10:00:00Z'),
		orderedOn: null,
		kind: 'order',
		amount: '10',
		currency: 'EUR',
		rate: '1.5',
		channel: 'web',
		refersTo: null,
		digest: 'digest-1',
		...changes
	});

	it('stores new records, skips repeats with the same digest and rejects changed ones', async () => {
		const summary = emptySummary();
		await storeOrders(database.db, [], summary);
		expect(summary).toEqual(emptySummary());
		expect(await rowCounts()).toEqual({
			orders: 0,
			customers: 0,
			identities: 0,
			keys: 0,
			sources: 0
		});

		await storeOrders(
			database.db,
			[
				record({}),
				record({ line: 3 }),
				record({ line: 4, amount: '11', digest: 'digest-2' }),
				record({
					line: 5,
					orderRef: 'r-2',
					orderedOn: '2026-03-06',
					amount: '-2.25',
					kind: 'refund'
				})
			],
			summary
		);
		expect(summary).toEqual({
			rows: 0,
			stored: 2,
			skipped: 1,
			rejected: [
				{
					line: 4,
					ref: 'r-1',
					field: 'order_ref',
					message: 'is already stored with different values (source api).'
				}
			]
		});
		// 10 × 1.5 = 15.0 (scale 0 + 1); -2.25 × 1.5 = -3.375 (scale 2 + 1)
		const orders = await storedOrders();
		expect(
			orders.map((o) => [
				o.order_ref,
				o.kind,
				o.amount,
				o.reporting_amount,
				o.ordered_on,
				o.channel
			])
		).toEqual([
			['r-1', 'order', '10', '15.0', null, 'web'],
			['r-2', 'refund', '-2.25', '-3.375', '2026-03-06', 'web']
		]);
		expect(orders[0]?.customer_id).toBe(orders[1]?.customer_id);

		const again = emptySummary();
		await storeOrders(
			database.db,
			[record({ line: 7 }), record({ line: 8, orderRef: 'r-2', digest: 'digest-3' })],
			again
		);
		expect(again).toMatchObject({ stored: 0, skipped: 1 });
		expect(again.rejected.map((r) => [r.line, r.ref, r.field])).toEqual([[8, 'r-2', 'order_ref']]);
		expect(await rowCounts()).toEqual({
			orders: 2,
			customers: 1,
			identities: 1,
			keys: 2,
			sources: 1
		});
	});
});
