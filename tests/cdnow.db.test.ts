import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from '$lib/server/rollups/refresh';
import { importOrdersCsv } from '$lib/server/ingest/orders';
import { evaluateMetric } from '$lib/server/metrics/evaluate';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database';
import { referenceDataFile } from './helpers/reference-data';

// The CDNOW purchases (Fader, Hardie & Lee 2005): 23,570 customers who first bought in Q1 1997,
// followed to 30 Jun 1998. Imported through the orders CSV importer with date-only times, then
// the metrics are checked against counts computed here straight from the raw file.
interface Purchase {
	customer: string;
	day: number; // days since 1970-01-01
}

const dayOf = (yyyymmdd: string) =>
	Date.UTC(
		Number(yyyymmdd.slice(0, 4)),
		Number(yyyymmdd.slice(4, 6)) - 1,
		Number(yyyymmdd.slice(6))
	) / 86_400_000;
const iso = (yyyymmdd: string) =>
	`${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6)}`;

// The whole file on the PostgreSQL server; on PGlite its 1-in-10 sample (the same customers'
// complete histories, a tenth of the time), since the master alone took 40 s there.
const MASTER = testDatabaseKind() === 'postgres';
const FILE = MASTER
	? { name: 'CDNOW_master.txt', rows: 69_659, customers: 23_570 }
	: { name: 'CDNOW_sample.txt', rows: 6_919, customers: 2_357 };

describe(`metrics on the CDNOW purchases (${FILE.name})`, () => {
	let database: TestDatabase;
	let work: string;
	const purchases: Purchase[] = [];

	beforeAll(async () => {
		const lines = fs
			.readFileSync(referenceDataFile(FILE.name), 'utf8')
			.split(/\r?\n/)
			.slice(MASTER ? 1 : 0)
			.filter((line) => line.trim());
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-cdnow-'));
		const csv = ['source,order_ref,customer_ref,ordered_at,amount'];
		lines.forEach((line, i) => {
			// master: id, date, CDs, dollars; sample: master id, sample id, date, CDs, dollars
			const fields = line.trim().split(/\s+/);
			const [customer = '', date = '', , value = ''] = MASTER
				? fields
				: [fields[0], fields[2], fields[3], fields[4]];
			purchases.push({ customer, day: dayOf(date) });
			csv.push(`cdnow,${i + 1},${customer},${iso(date)},${value}`);
		});
		fs.writeFileSync(path.join(work, 'orders.csv'), csv.join('\n'));

		database = await openTestDatabase();
		// The cohort's first purchases are complete from 1 Jan 1997, so they are known when the
		// history is said to start a year before; a non-UTC zone shows dates keep their day.
		await updateSettings(database.db, {
			timeZone: 'America/Los_Angeles',
			historyStart: '1996-01-01'
		});
		const summary = await importOrdersCsv(database.db, path.join(work, 'orders.csv'), {
			now: new Date('2026-01-01T00:00:00Z')
		});
		expect(summary.rejected).toEqual([]);
		expect(summary.stored).toBe(lines.length);
		await refreshRollups(database.db);
	});
	afterAll(async () => {
		await database?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	it('imported every row of the file', () => {
		expect(purchases).toHaveLength(FILE.rows);
		expect(new Set(purchases.map((p) => p.customer)).size).toBe(FILE.customers);
	});

	it('counts active customers as those with a purchase in the 365 days to the period end', async () => {
		const last = dayOf('19980630');
		const expected = new Set(
			purchases.filter((p) => p.day >= last - 364 && p.day <= last).map((p) => p.customer)
		).size;
		const june = await evaluateMetric(database.db, {
			id: 'active-customers',
			from: '1998-06-01',
			to: '1998-06-30',
			now: new Date('2026-01-01T00:00:00Z')
		});
		expect(june.value).toBe(expected);
		expect(june.status).toBe('no-target');
		const mayLast = dayOf('19980531');
		expect(june.compare.value).toBe(
			new Set(
				purchases.filter((p) => p.day >= mayLast - 364 && p.day <= mayLast).map((p) => p.customer)
			).size
		);
	});

	it('computes the repeat purchase rate of the February 1997 cohort', async () => {
		const days = new Map<string, Set<number>>();
		for (const p of purchases) {
			let set = days.get(p.customer);
			if (!set) days.set(p.customer, (set = new Set()));
			set.add(p.day);
		}
		let cohort = 0;
		let repeated = 0;
		for (const set of days.values()) {
			const first = Math.min(...set);
			if (first < dayOf('19970201') || first > dayOf('19970228')) continue;
			cohort++;
			if ([...set].some((d) => d >= first + 1 && d <= first + 90)) repeated++;
		}
		const feb = await evaluateMetric(database.db, {
			id: 'repeat-purchase-rate',
			from: '1997-02-01',
			to: '1997-02-28',
			now: new Date('2026-01-01T00:00:00Z')
		});
		expect(cohort).toBeGreaterThan(FILE.customers / 25);
		expect(feb).toMatchObject({ numerator: repeated, denominator: cohort, n: cohort });
		expect(feb.value).toBeCloseTo(repeated / cohort, 12);
		expect(feb.extra).toMatchObject({ maturing: 0, fullyMatured: true });
		expect(feb.asOf).toBe('1998-06-30T07:00:00.000Z'); // midnight in Los Angeles (PDT)
	});
});
