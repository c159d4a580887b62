/**
 * `cx import orders <file> --format cdnow`: both CDNOW layouts (the master file with its header,
 * the sample file of five columns without one) through the orders importer, checked against
 * counts and sums worked out here straight from the raw files; then the built CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '$lib/server/errors';
import { importOrdersCsv } from '$lib/server/ingest/orders';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, type TestDatabase } from './helpers/database';
import {
	childEnv,
	createDataTarget,
	expectOneSentence,
	makeTempDir,
	runCli,
	stopAllChildren,
	type DataTarget
} from './helpers/processes';
import { referenceDataFile } from './helpers/reference-data';

const NOW = new Date('2026-01-01T00:00:00Z');

interface Purchase {
	customer: string;
	date: string; // YYYYMMDD
	cents: number;
}

/** The data lines of a CDNOW file: the master id, date and dollars of each, read by hand. */
function purchasesOf(name: string, layout: 'master' | 'sample'): Purchase[] {
	const lines = fs
		.readFileSync(referenceDataFile(name), 'utf8')
		.split(/\r?\n/)
		.filter((line) => line.trim());
	return (layout === 'master' ? lines.slice(1) : lines).map((line) => {
		const fields = line.trim().split(/\s+/);
		const [customer = '', date = '', dollars = ''] =
			layout === 'master' ? [fields[0], fields[1], fields[3]] : [fields[0], fields[2], fields[4]];
		const [whole = '', fraction = ''] = dollars.split('.');
		return { customer, date, cents: Number(whole) * 100 + Number(fraction.padEnd(2, '0')) };
	});
}

const dollars = (cents: number) =>
	`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const iso = (yyyymmdd: string) =>
	`${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6)}`;

/** Each customer's purchases as sorted "YYYY-MM-DD amount" lines. */
function byCustomer(purchases: readonly Purchase[]): Map<string, string[]> {
	const result = new Map<string, string[]>();
	for (const p of purchases) {
		const list = result.get(p.customer) ?? [];
		list.push(`${iso(p.date)} ${dollars(p.cents)}`);
		result.set(p.customer, list);
	}
	for (const list of result.values()) list.sort();
	return result;
}

describe('importOrdersCsv with format cdnow', () => {
	let database: TestDatabase;
	let work: string;
	const sample = purchasesOf('CDNOW_sample.txt', 'sample');
	const master = purchasesOf('CDNOW_master.txt', 'master');

	/** Per customer_ref of `source`: its orders as sorted "YYYY-MM-DD amount" lines. */
	async function storedByCustomer(source: string): Promise<Map<string, string[]>> {
		const rows = await sql<{ ref: string; day: string; amount: string }>`
			select i.value as ref, o.ordered_on::text as day, o.amount::numeric(12, 2)::text as amount
			from customer_order o
			join identity i on i.customer_id = o.customer_id and i.source = o.source and i.kind = 'ref'
			where o.source = ${source}
		`.execute(database.db);
		const result = new Map<string, string[]>();
		for (const row of rows.rows) {
			const list = result.get(row.ref) ?? [];
			list.push(`${row.day} ${row.amount}`);
			result.set(row.ref, list);
		}
		for (const list of result.values()) list.sort();
		return result;
	}

	async function totals(source: string) {
		const row = await sql<{ orders: number; customers: number; amount: string }>`
			select count(*)::int as orders, count(distinct customer_id)::int as customers,
				sum(amount)::text as amount
			from customer_order
			where source = ${source} and kind = 'order' and currency = 'USD'
		`.execute(database.db);
		return row.rows[0];
	}

	beforeAll(async () => {
		work = makeTempDir('cx-cdnow-import-');
		database = await openTestDatabase();
		// A zone west of UTC: a date-only order and first purchase start at that zone's midnight.
		await updateSettings(database.db, { timeZone: 'America/Los_Angeles' });
	});
	afterAll(async () => {
		await database?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('stores every line of the sample file (no header, five columns)', async () => {
		expect(sample).toHaveLength(6_919);
		const summary = await importOrdersCsv(database.db, referenceDataFile('CDNOW_sample.txt'), {
			format: 'cdnow',
			source: 'cdnow-sample',
			now: NOW
		});
		expect(summary).toEqual({ rows: 6_919, stored: 6_919, skipped: 0, rejected: [] });
		expect(await totals('cdnow-sample')).toEqual({
			orders: 6_919,
			customers: 2_357,
			amount: dollars(sample.reduce((sum, p) => sum + p.cents, 0))
		});
		expect(new Set(sample.map((p) => p.customer)).size).toBe(2_357);
	});

	it('stores every line of the master file (with its header) under the source cdnow', async () => {
		expect(master).toHaveLength(69_659);
		const summary = await importOrdersCsv(database.db, referenceDataFile('CDNOW_master.txt'), {
			format: 'cdnow',
			now: NOW
		});
		expect(summary).toEqual({ rows: 69_659, stored: 69_659, skipped: 0, rejected: [] });
		expect(await totals('cdnow')).toEqual({
			orders: 69_659,
			customers: 23_570,
			amount: dollars(master.reduce((sum, p) => sum + p.cents, 0))
		});
		expect(new Set(master.map((p) => p.customer)).size).toBe(23_570);
	});

	it('names a customer alike in both layouts: a sample customer has their master orders', async () => {
		const fromSample = await storedByCustomer('cdnow-sample');
		const fromMaster = await storedByCustomer('cdnow');
		expect(fromSample).toEqual(byCustomer(sample));
		expect(fromMaster).toEqual(byCustomer(master));
		expect(fromSample.size).toBe(2_357);
		for (const [ref, orders] of fromSample) expect(fromMaster.get(ref), ref).toEqual(orders);
		// The sample's rows under the master's source are the very orders the master stored.
		expect(
			await importOrdersCsv(database.db, referenceDataFile('CDNOW_sample.txt'), {
				format: 'cdnow',
				now: NOW
			})
		).toEqual({ rows: 6_919, stored: 0, skipped: 6_919, rejected: [] });
	});

	it("sets each customer's first purchase to their earliest date in the file", async () => {
		const earliest = new Map<string, string>();
		for (const p of master) {
			const known = earliest.get(p.customer);
			if (!known || p.date < known) earliest.set(p.customer, p.date);
		}
		const rows = await sql<{ ref: string; first_on: string; first_at: Date; earliest_at: Date }>`
			select i.value as ref, c.first_order_on::text as first_on, c.first_order_at as first_at,
				(select min(o.ordered_at) from customer_order o where o.customer_id = c.customer_id)
					as earliest_at
			from customer c
			join identity i on i.customer_id = c.customer_id and i.kind = 'ref'
			where c.source = 'cdnow'
		`.execute(database.db);
		expect(rows.rows).toHaveLength(23_570);
		expect(new Map(rows.rows.map((r) => [r.ref, r.first_on]))).toEqual(
			new Map([...earliest].map(([ref, date]) => [ref, iso(date)]))
		);
		expect(
			rows.rows.filter((r) => r.first_at.getTime() !== r.earliest_at.getTime()).map((r) => r.ref)
		).toEqual([]);
		// Customer 00001's one purchase was on 1 Jan 1997: midnight in Los Angeles (PST).
		expect(rows.rows.find((r) => r.ref === '00001')?.first_at.toISOString()).toBe(
			'1997-01-01T08:00:00.000Z'
		);
	});

	it('stores nothing new when a file comes again, and keeps a first purchase already set', async () => {
		await sql`
			update customer set first_order_at = '1996-12-01T08:00:00Z', first_order_on = '1996-12-01'
			where customer_id = (
				select customer_id from identity
				where source = 'cdnow-sample' and kind = 'ref' and value = '00004'
			)
		`.execute(database.db);
		expect(
			await importOrdersCsv(database.db, referenceDataFile('CDNOW_sample.txt'), {
				format: 'cdnow',
				source: 'cdnow-sample',
				now: NOW
			})
		).toEqual({ rows: 6_919, stored: 0, skipped: 6_919, rejected: [] });
		expect(
			await importOrdersCsv(database.db, referenceDataFile('CDNOW_master.txt'), {
				format: 'cdnow',
				now: NOW
			})
		).toEqual({ rows: 69_659, stored: 0, skipped: 69_659, rejected: [] });
		expect((await totals('cdnow'))?.orders).toBe(69_659);
		const kept = await sql<{ first_on: string }>`
			select c.first_order_on::text as first_on
			from customer c join identity i on i.customer_id = c.customer_id
			where i.source = 'cdnow-sample' and i.kind = 'ref' and i.value = '00004'
		`.execute(database.db);
		expect(kept.rows).toEqual([{ first_on: '1996-12-01' }]);
	});

	it('rejects a bad date, amount or line by its line number and stores the rest', async () => {
		const file = path.join(work, 'master-bad.txt');
		fs.writeFileSync(
			file,
			[
				' customer_id  date number_of_cds  dollar_value',
				' 90001 19970105  1   10.00',
				' 90001 19970230  1   11.00',
				' 90002 1997-01-05  1   12.00',
				' 90002 19970105  1   12,50',
				'',
				' 90003 19970105  1',
				' 90003 19970106  1   -3.00',
				' 90001 19970105  2   7.5'
			].join('\r\n') + '\r\n'
		);
		const summary = await importOrdersCsv(database.db, file, {
			format: 'cdnow',
			source: 'cdnow-bad',
			now: NOW
		});
		expect(summary).toMatchObject({ rows: 7, stored: 2, skipped: 0 });
		expect(summary.rejected.map(({ line, ref, field }) => ({ line, ref, field }))).toEqual([
			{ line: 3, ref: '90001-19970230-1', field: 'ordered_at' },
			{ line: 4, ref: '90002-1997-01-05-1', field: '(row)' },
			{ line: 5, ref: '90002-19970105-1', field: 'amount' },
			{ line: 7, ref: '', field: '(row)' },
			{ line: 8, ref: '90003-19970106-1', field: 'amount' }
		]);
		expect(summary.rejected[1]?.message).toMatch(/YYYYMMDD/);
		expect(summary.rejected[3]?.message).toMatch(/3 fields .* master layout has 4/);
		const refs = await sql<{ order_ref: string }>`
			select order_ref from customer_order where source = 'cdnow-bad' order by order_ref
		`.execute(database.db);
		expect(refs.rows.map((r) => r.order_ref)).toEqual(['90001-19970105-1', '90001-19970105-2']);
	});

	it('reads a sample-layout file with LF line ends in short transactions too', async () => {
		const file = path.join(work, 'sample-lf.txt');
		fs.writeFileSync(
			file,
			['80001 0001 19970301 1 5.00', '80001 0001 19970301 2 6.00', '80002 0002 19970302 1 7'].join(
				'\n'
			)
		);
		const summary = await importOrdersCsv(database.db, file, {
			format: 'cdnow',
			source: 'cdnow-lf',
			chunkBudgetMs: 200,
			now: NOW
		});
		expect(summary).toMatchObject({ rows: 3, stored: 3, skipped: 0, rejected: [] });
		const rows = await sql<{ order_ref: string; value: string; first_on: string }>`
			select o.order_ref, i.value, c.first_order_on::text as first_on
			from customer_order o
			join customer c on c.customer_id = o.customer_id
			join identity i on i.customer_id = c.customer_id and i.kind = 'ref'
			where o.source = 'cdnow-lf'
			order by o.order_ref
		`.execute(database.db);
		expect(rows.rows).toEqual([
			{ order_ref: '80001-19970301-1', value: '80001', first_on: '1997-03-01' },
			{ order_ref: '80001-19970301-2', value: '80001', first_on: '1997-03-01' },
			{ order_ref: '80002-19970302-1', value: '80002', first_on: '1997-03-02' }
		]);
	});

	it('fails with one sentence for a file in neither layout', async () => {
		const file = path.join(work, 'neither.txt');
		fs.writeFileSync(file, '00001 19970101 1 11.77\n');
		const error: unknown = await importOrdersCsv(database.db, file, {
			format: 'cdnow',
			now: NOW
		}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(UserError);
		expectOneSentence(
			(error as UserError).message,
			/line 1 is neither the CDNOW master header .* nor a CDNOW sample line of 5 columns/
		);
	});
});

describe('cx import orders --format cdnow', () => {
	let target: DataTarget;
	beforeAll(async () => {
		target = await createDataTarget();
	});
	afterAll(async () => {
		await stopAllChildren();
		await target?.dispose();
	});

	it('imports the sample file and prints its summary (exit 0)', async () => {
		const result = await runCli(
			['import', 'orders', referenceDataFile('CDNOW_sample.txt'), '--format', 'cdnow'],
			childEnv(target.env)
		);
		expect(result.code, result.stderr).toBe(0);
		const lines = result.stdout.trim().split('\n');
		expect(lines).toHaveLength(1);
		expectOneSentence(
			lines[0] ?? '',
			/^6,919 rows read: 6,919 stored, 0 skipped \(already stored\), 0 rejected; /
		);
	});

	it("counts the sample's February 1997 cohort in the repeat purchase rate (first purchases given)", async () => {
		// The history starts with the earliest order, so first purchases would be known only from a
		// year later; the import gave them, so the February 1997 cohort counts in full.
		let cohort = 0;
		let repeated = 0;
		for (const purchases of byCustomer(purchasesOf('CDNOW_sample.txt', 'sample')).values()) {
			const days = purchases.map((p) => Date.parse(p.slice(0, 10)) / 86_400_000);
			const first = Math.min(...days);
			if (first < Date.parse('1997-02-01') / 86_400_000) continue;
			if (first > Date.parse('1997-02-28') / 86_400_000) continue;
			cohort++;
			if (days.some((d) => d >= first + 1 && d <= first + 90)) repeated++;
		}
		const result = await runCli(
			['metric', 'repeat-purchase-rate', '--from', '1997-02-01', '--to', '1997-02-28', '--json'],
			childEnv(target.env)
		);
		expect(result.code, result.stderr).toBe(0);
		expect(cohort).toBeGreaterThan(100);
		expect(JSON.parse(result.stdout)).toMatchObject({
			numerator: repeated,
			denominator: cohort,
			extra: { unknownFirstPurchase: 0, fullyMatured: true }
		});
	});

	it('fits the published BG/NBD and Gamma-Gamma with cx model fit --until 1997-09-30 --json', async () => {
		// no history start is set: the import's first purchases make the whole cohort known
		const result = await runCli(
			['model', 'fit', '--until', '1997-09-30', '--json'],
			childEnv(target.env)
		);
		expect(result.code, result.stderr).toBe(0);
		const fit = JSON.parse(result.stdout) as {
			bgnbd: Record<string, number>;
			gammaGamma: Record<string, number>;
		};
		const near = (value: number | undefined, published: number, tolerance: number) =>
			expect(Math.abs((value ?? NaN) - published), `${value} vs ${published}`).toBeLessThanOrEqual(
				tolerance
			);
		expect(fit.bgnbd.customers).toBe(2357);
		near(fit.bgnbd.r, 0.243, 0.002);
		near(fit.bgnbd.alpha, 4.414, 0.002);
		near(fit.bgnbd.a, 0.793, 0.002);
		near(fit.bgnbd.b, 2.426, 0.002);
		near(fit.bgnbd.logLikelihood, -9582.43, 0.01);
		expect(fit.gammaGamma.customers).toBe(946);
		near(fit.gammaGamma.p, 6.25, 0.01);
		near(fit.gammaGamma.q, 3.74, 0.01);
		near(fit.gammaGamma.gamma, 15.44, 0.01);

		const again = await runCli(['model', 'fit', '--until', '1997-13-01'], childEnv(target.env));
		expect(again.code).toBe(2);
		expectOneSentence(again.stderr, /1997-13-01/);
	});

	it('refuses another format (exit 2) with one sentence naming the formats', async () => {
		const result = await runCli(
			['import', 'orders', referenceDataFile('CDNOW_sample.txt'), '--format', 'nope'],
			childEnv(target.env)
		);
		expect(result.stdout).toBe('');
		expectOneSentence(result.stderr, /"nope".*canonical and cdnow/);
		expect(result.code).toBe(2);
	});
});
