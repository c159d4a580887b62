import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, signInWithForm } from '../helpers/browser';
import { FIXTURE_PASSWORD, prepareFixtureDataDir } from '../helpers/fixture-data-dir';
import {
	childEnv,
	makeTempDir,
	runCli,
	startServer,
	stopAllChildren,
	type ServerProcess
} from '../helpers/processes';

// An admin edits a target on /admin/targets in Chromium and the board's tile changes status
// (icon, word and colour class), as cx metric --json says it must.

let dataDir: string;
let server: ServerProcess;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

beforeAll(async () => {
	dataDir = makeTempDir('cx-targets-');
	await prepareFixtureDataDir(dataDir, new Date());
	server = await startServer(childEnv({ CX_DATA_DIR: dataDir }));
	browser = await launchBrowser();
	page = await browser.context.newPage();
	page.setDefaultTimeout(10_000);
	await signInWithForm(page, server.url, 'admin@example.com', FIXTURE_PASSWORD);
});

afterAll(async () => {
	await browser?.close();
	await stopAllChildren();
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function activeCustomersJson(): Promise<{
	value: number;
	status: string;
	target: number | null;
}> {
	const result = await runCli(
		['metric', 'active-customers', '--json'],
		childEnv({ CX_DATA_DIR: dataDir })
	);
	expect(result.code, result.stderr).toBe(0);
	return JSON.parse(result.stdout);
}

async function tileStatus(): Promise<string> {
	await page.goto(`${server.url}/`);
	const tile = page.getByRole('article', { name: 'Active customers', exact: true });
	return (
		await tile
			.getByText(/^(On target|Near target|Off target|No target|Not enough data)$/)
			.innerText()
	).trim();
}

async function setTarget(value: string): Promise<void> {
	await page.goto(`${server.url}/admin/targets`);
	const form = page.getByRole('form', { name: 'Active customers' });
	await form.getByLabel(/^Target/).fill(value);
	await form.getByLabel('For').selectOption('1');
	await form.getByRole('button', { name: 'Set target' }).click();
	await expect.poll(() => form.getByRole('status').count()).toBe(1);
}

describe('/admin/targets', () => {
	it("changes the board tile's status when the target moves", async () => {
		expect(await tileStatus()).toBe('No target');
		const { value } = await activeCustomersJson();

		await setTarget(String(value - 1));
		expect(await tileStatus()).toBe('On target');
		expect(await activeCustomersJson()).toMatchObject({ status: 'on-target', target: value - 1 });

		await setTarget(String(value * 2));
		expect(await tileStatus()).toBe('Off target');
		expect(await activeCustomersJson()).toMatchObject({ status: 'off-target', target: value * 2 });

		// the stored target is listed and can be removed
		await page.goto(`${server.url}/admin/targets`);
		await page.getByRole('button', { name: /Remove Active customers/ }).click();
		await expect.poll(() => page.getByText('Targets removed.').count()).toBe(1);
		expect(await tileStatus()).toBe('No target');
	});

	it('shows a refused value next to its form and keeps it', async () => {
		await page.goto(`${server.url}/admin/targets`);
		const form = page.getByRole('form', { name: 'Repeat purchase rate' });
		await form.getByLabel(/^Target/).fill('150');
		await form.getByRole('button', { name: 'Set target' }).click();
		await expect.poll(() => form.getByRole('alert').count()).toBe(1);
		expect(await form.getByRole('alert').innerText()).toMatch(/percentage from 0 to 100/);
		expect(await form.getByLabel(/^Target/).inputValue()).toBe('150');
	});
});

describe("a tile's exports", () => {
	it('downloads the series as CSV with the numbers of the table, and as a PNG', async () => {
		await page.goto(`${server.url}/`);
		const tile = page.getByRole('article', { name: 'Active customers', exact: true });
		await tile.getByText('Show table').click();
		const shown = await tile.locator('tbody tr').evaluateAll((rows) =>
			rows.map((row) => ({
				period: (row.querySelector('th')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
				value: (row.querySelector('td')?.textContent ?? '').trim()
			}))
		);

		const [csvDownload] = await Promise.all([
			page.waitForEvent('download'),
			tile.getByRole('button', { name: 'CSV of Active customers' }).click()
		]);
		expect(csvDownload.suggestedFilename()).toMatch(
			/^active-customers-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv$/
		);
		const csv = fs
			.readFileSync((await csvDownload.path()) as string, 'utf8')
			.trim()
			.split('\r\n');
		expect(csv[0]).toBe('metric,period,from,to,partial,value,unit');
		const rows = csv.slice(1).map((line) => line.split(','));
		expect(rows).toHaveLength(shown.length);
		rows.forEach((cells, i) => {
			expect(shown[i]?.period).toContain(cells[1]);
			const value = cells[5] === '' ? null : Number(cells[5]);
			const table = shown[i]?.value.replace(/,/g, '');
			expect(value === null ? table : String(value), `row ${i}`).toBe(value === null ? '—' : table);
		});

		const [pngDownload] = await Promise.all([
			page.waitForEvent('download'),
			tile.getByRole('button', { name: 'PNG of Active customers' }).click()
		]);
		const png = fs.readFileSync((await pngDownload.path()) as string);
		expect(png.subarray(0, 8)).toEqual(
			Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
		);
		expect(png.length).toBeGreaterThan(2000);
	});
});

describe('the board charts', () => {
	it('downloads the cohort curve as cx metric cohort-retention computes it, and the trend', async () => {
		await page.goto(`${server.url}/`);
		const chart = page.getByRole('region', { name: 'Cohort retention' });
		await expect.poll(() => chart.locator('canvas').count()).toBe(1);
		await chart.getByText('Show table').click();
		const [csvDownload] = await Promise.all([
			page.waitForEvent('download'),
			chart.getByRole('button', { name: 'CSV of Cohort retention' }).click()
		]);
		const lines = fs
			.readFileSync((await csvDownload.path()) as string, 'utf8')
			.trim()
			.split('\r\n');
		expect(lines[0]).toBe('month_offset,share,customers');
		const shares = lines
			.slice(1)
			.map((line) => line.split(',').map((c) => (c === '' ? null : Number(c))));

		// The 12 cohorts before this month, from the CLI: the size-weighted share buying in month k.
		// (months in the fixture company's zone, as the board counts them)
		const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(
			new Date()
		);
		const [y, m] = today.split('-').map(Number) as [number, number];
		const month = (offset: number) =>
			new Date(Date.UTC(y, m - 1 + offset, 1)).toISOString().slice(0, 10);
		const lastDay = new Date(Date.parse(month(0)) - 86_400_000).toISOString().slice(0, 10);
		const result = await runCli(
			['metric', 'cohort-retention', '--from', month(-12), '--to', lastDay, '--json'],
			childEnv({ CX_DATA_DIR: dataDir })
		);
		expect(result.code, result.stderr).toBe(0);
		const table = JSON.parse(result.stdout) as {
			rows: { customers: number; inMonth: (number | null)[] }[];
		};
		expect(table.rows.length).toBeGreaterThan(6);
		const offsets = Math.max(...table.rows.map((r) => r.inMonth.length));
		expect(shares).toHaveLength(offsets);
		for (let k = 0; k < offsets; k++) {
			let weighted = 0;
			let customers = 0;
			for (const row of table.rows) {
				const share = row.inMonth[k];
				if (share === null || share === undefined) continue;
				weighted += share * row.customers;
				customers += row.customers;
			}
			expect(shares[k]?.[0]).toBe(k);
			expect(shares[k]?.[1] ?? null, `month ${k}`).toBeCloseTo(weighted / customers, 12);
			expect(shares[k]?.[2]).toBe(customers);
		}

		const trend = page.getByRole('region', { name: 'NPS and retention' });
		await trend.getByText('Show table').click();
		const [pngDownload] = await Promise.all([
			page.waitForEvent('download'),
			trend.getByRole('button', { name: 'PNG of NPS and retention' }).click()
		]);
		const png = fs.readFileSync((await pngDownload.path()) as string);
		expect(png.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
		expect(png.length).toBeGreaterThan(5000);
	});
});
