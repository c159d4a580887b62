import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { FIXTURE_PASSWORD, prepareFixtureDataDir } from '../helpers/fixture-data-dir';
import {
	childEnv,
	makeTempDir,
	runCli,
	startServer,
	stopAllChildren,
	type ServerProcess
} from '../helpers/processes';

// The built app in Debian's Chromium on the fixture company (Europe/Berlin, orders over 30
// months, 40–60 NPS answers in each of the last 14 months). Each tile's table must show what
// `cx metric --json` computes for the same periods, run on the same data before the server starts.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SCREENSHOTS = path.resolve('test-results');
/** With CX_README_SCREENSHOTS=1 the run also refreshes the README's screenshots in docs/. */
const README_SHOTS = process.env.CX_README_SCREENSHOTS === '1' ? path.resolve('docs') : null;
const SERIES_RGB = [0x25, 0x63, 0xeb]; // SERIES_COLOUR of the sparkline, #2563eb

interface CliMetric {
	value: number | null;
	period: { from: string; to: string };
	compare: { from: string; to: string; value: number | null };
}

/** '2026-03' → the month's first and last day. */
function monthRange(year: number, month: number): { from: string; to: string } {
	const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
	const mm = String(month).padStart(2, '0');
	return { from: `${year}-${mm}-01`, to: `${year}-${mm}-${last}` };
}

/** 'Mar 2026', 'Mar 2026 to date' or 'Mar 2026 cohort' → year and month. */
function parseMonthLabel(label: string): { year: number; month: number } {
	const match = /^([A-Z][a-z]{2}) (\d{4})/.exec(label.trim());
	if (!match) throw new Error(`"${label}" is not a month label`);
	return { year: Number(match[2]), month: MONTHS.indexOf(match[1]!) + 1 };
}

/** The board's number formats, written out independently of src/lib/format.ts. */
function expectedText(unit: 'count' | 'ratio' | 'index', value: number | null): string {
	if (value === null) return '—';
	if (unit === 'count') return value.toLocaleString('en-US');
	if (unit === 'ratio') return `${(value * 100).toFixed(1)}%`;
	return value > 0 ? `+${value}` : value < 0 ? `\u2212${-value}` : '0';
}

async function tileTable(page: Page, label: string) {
	const tile = page.getByRole('article', { name: label });
	await tile.getByText('Show table').click();
	const rows = tile.getByRole('table').getByRole('row');
	const count = await rows.count();
	const result: { period: string; value: string }[] = [];
	for (let i = 1; i < count; i++) {
		const row = rows.nth(i);
		result.push({
			period: (await row.getByRole('rowheader').innerText()).trim(),
			value: (await row.getByRole('cell').innerText()).trim()
		});
	}
	return result;
}

describe('the executive board in a browser', () => {
	let dataDir: string;
	let server: ServerProcess;
	const cli = new Map<string, CliMetric>();
	let env: NodeJS.ProcessEnv;

	async function cxMetric(
		id: string,
		range: { from: string; to: string } | null,
		compare: 'previous' | 'year' = 'previous'
	) {
		const key = `${id} ${range?.from ?? 'now'} ${compare}`;
		const cached = cli.get(key);
		if (cached) return cached;
		const args = [
			'metric',
			id,
			'--json',
			'--compare',
			compare,
			...(range ? ['--from', range.from, '--to', range.to] : [])
		];
		const result = await runCli(args, env);
		expect(result.code, result.stderr).toBe(0);
		const parsed = JSON.parse(result.stdout) as CliMetric;
		cli.set(key, parsed);
		return parsed;
	}

	beforeAll(async () => {
		dataDir = makeTempDir('cx-e2e-');
		await prepareFixtureDataDir(dataDir);
		env = childEnv({ CX_DATA_DIR: dataDir });
		// The last 12 months (the running one to date) of each tile, before the server holds the folder.
		const now = new Date();
		const berlin = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(now);
		let year = Number(berlin.slice(0, 4));
		let month = Number(berlin.slice(5, 7));
		// The repeat tile ends at the latest fully matured cohort, up to four months back.
		for (let i = 0; i < 16; i++) {
			const ids =
				i < 12
					? ['active-customers', 'nps', 'repeat-purchase-rate', 'human-engagement-rate']
					: ['repeat-purchase-rate'];
			for (const id of ids) {
				await cxMetric(id, i === 0 ? null : monthRange(year, month));
			}
			// the month the period switch picks, compared with a year earlier
			if (i === 6) await cxMetric('active-customers', monthRange(year, month), 'year');
			month -= 1;
			if (month === 0) {
				month = 12;
				year -= 1;
			}
		}
		server = await startServer(env);
		fs.mkdirSync(SCREENSHOTS, { recursive: true });
	}, 300_000);

	afterAll(async () => {
		await server?.stop();
		await stopAllChildren();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	});

	async function signIn(page: Page, email = 'exec@example.com') {
		await page.goto(`${server.url}/`);
		await expect.poll(() => page.url()).toContain('/login');
		await page.getByLabel('Email').fill(email);
		await page.getByLabel('Password').fill(FIXTURE_PASSWORD);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await page.getByRole('heading', { name: 'Executive board' }).waitFor();
	}

	it('signs in and shows the same 12 values as cx metric in each tile’s table', async () => {
		const browser = await launchBrowser();
		try {
			const page = await browser.context.newPage();
			await signIn(page);
			for (const [label, id, unit] of [
				['Active customers', 'active-customers', 'count'],
				['NPS', 'nps', 'index'],
				['Human engagement rate', 'human-engagement-rate', 'ratio']
			] as const) {
				const rows = await tileTable(page, label);
				expect(rows).toHaveLength(12);
				for (const [i, row] of rows.entries()) {
					const { year, month } = parseMonthLabel(row.period);
					const isLast = i === rows.length - 1;
					const expected = await cxMetric(id, isLast ? null : monthRange(year, month));
					expect(row.value, `${label} ${row.period}`).toBe(expectedText(unit, expected.value));
				}
				expect(rows.at(-1)!.period).toMatch(/to date/);
			}
			await page.screenshot({ path: path.join(SCREENSHOTS, 'board-desktop.png'), fullPage: true });
			if (README_SHOTS) {
				fs.mkdirSync(README_SHOTS, { recursive: true });
				// every table closed again, whichever tiles the test opened
				for (let open = await page.getByText('Hide table').count(); open > 0; open--) {
					await page.getByText('Hide table').first().click();
					await expect.poll(() => page.getByText('Hide table').count()).toBe(open - 1);
				}
				await page.screenshot({ path: path.join(README_SHOTS, 'board.png') });
			}
		} finally {
			await browser.close();
		}
	});

	it('shows the repeat purchase rate of the named cohort, as cx computes it', async () => {
		const browser = await launchBrowser();
		try {
			const page = await browser.context.newPage();
			await signIn(page);
			const tile = page.getByRole('article', { name: 'Repeat purchase rate' });
			const named = (await tile.getByText(/ cohort$/).innerText()).trim();
			const { year, month } = parseMonthLabel(named);
			const expected = await cxMetric('repeat-purchase-rate', monthRange(year, month));
			expect(expected.value).not.toBeNull();
			await expect
				.poll(() => tile.getByText(expectedText('ratio', expected.value)).first().isVisible())
				.toBe(true);
			const rows = await tileTable(page, 'Repeat purchase rate');
			expect(rows).toHaveLength(12);
			expect(parseMonthLabel(rows.at(-1)!.period)).toEqual({ year, month });
			for (const row of rows) {
				const m = parseMonthLabel(row.period);
				const value = (await cxMetric('repeat-purchase-rate', monthRange(m.year, m.month))).value;
				expect(row.value, row.period).toBe(expectedText('ratio', value));
			}
		} finally {
			await browser.close();
		}
	});

	it('draws each sparkline in its series colour across the period columns', async () => {
		const browser = await launchBrowser();
		try {
			const page = await browser.context.newPage();
			await signIn(page);
			for (const label of ['Active customers', 'Repeat purchase rate', 'NPS']) {
				const canvas = page.getByRole('article', { name: label }).locator('canvas');
				await canvas.waitFor();
				const columns = await canvas.evaluate((element, rgb) => {
					const c = element as HTMLCanvasElement;
					const context = c.getContext('2d');
					if (!context) return [];
					const { data, width, height } = context.getImageData(0, 0, c.width, c.height);
					const hits = new Array<boolean>(12).fill(false);
					for (let x = 0; x < width; x++) {
						for (let y = 0; y < height; y++) {
							const i = (y * width + x) * 4;
							const close =
								Math.abs(data[i]! - rgb[0]!) < 40 &&
								Math.abs(data[i + 1]! - rgb[1]!) < 40 &&
								Math.abs(data[i + 2]! - rgb[2]!) < 40 &&
								data[i + 3]! > 128;
							if (close) {
								hits[Math.min(11, Math.floor((12 * x) / width))] = true;
								break;
							}
						}
					}
					return hits;
				}, SERIES_RGB);
				expect(columns.filter(Boolean).length, label).toBeGreaterThanOrEqual(8);
			}
		} finally {
			await browser.close();
		}
	});

	it('changes the figures with the period and the comparison, kept in the URL', async () => {
		const browser = await launchBrowser();
		try {
			const page = await browser.context.newPage();
			await signIn(page);
			const active = page.getByRole('article', { name: 'Active customers' });
			const before = await active.locator('.value').innerText();
			const which = page.getByLabel('Which month');
			const options = await which.locator('option').allInnerTexts();
			const target = options[6]!; // six months back
			await which.selectOption({ label: target });
			await expect.poll(() => page.url()).toMatch(/from=\d{4}-\d\d-01&to=\d{4}-\d\d-\d\d/);
			await expect.poll(() => active.getByText(target).first().isVisible()).toBe(true);
			const { year, month } = parseMonthLabel(target);
			const expected = await cxMetric('active-customers', monthRange(year, month));
			await expect
				.poll(() => active.locator('.value').innerText())
				.toBe(expectedText('count', expected.value));
			expect(expectedText('count', expected.value)).not.toBe(before);

			const previousLine = await active.getByText(/ vs /).innerText();
			await page.getByLabel('same period last year').check();
			await expect.poll(() => page.url()).toContain('compare=year');
			await expect
				.poll(() => active.getByText(/ vs /).innerText())
				.toContain(`vs ${MONTHS[month - 1]} ${year - 1}`);
			expect(await active.getByText(/ vs /).innerText()).not.toBe(previousLine);
			const yearly = await cxMetric('active-customers', monthRange(year, month), 'year');
			expect(yearly.compare.from).toBe(monthRange(year - 1, month).from);
			const delta = (yearly.value ?? 0) - (yearly.compare.value ?? 0);
			const deltaText = delta > 0 ? `+${delta}` : delta < 0 ? `\u2212${-delta}` : '±0';
			expect(await active.getByText(/ vs /).innerText()).toContain(
				`${deltaText.replace(/\d+/, (d) => Number(d).toLocaleString('en-US'))} vs`
			);
		} finally {
			await browser.close();
		}
	});

	it('opens the definitions, with the tables of machine opens and clicks', async () => {
		const browser = await launchBrowser();
		try {
			const page = await browser.context.newPage();
			await signIn(page, 'viewer@example.com');
			await page.getByRole('link', { name: 'Definitions' }).click();
			await page.getByRole('heading', { name: 'Metric definitions' }).waitFor();
			const engagement = page.locator('#human-engagement-rate');
			expect(await engagement.innerText()).toContain('opened, clicked or replied to');
			const opens = page.getByRole('table', { name: 'Agents whose opens are machine opens' });
			expect(await opens.getByRole('row').filter({ hasText: 'GoogleImageProxy' }).count()).toBe(1);
			const clicks = page.getByRole('table', { name: /Agents whose clicks are machine clicks/ });
			expect(await clicks.getByRole('row').filter({ hasText: 'Mimecast' }).count()).toBe(1);
			const weights = page.getByRole('table', { name: 'Weights of meaningful interactions' });
			const order = weights.getByRole('row').filter({ hasText: 'Order' });
			expect(await order.getByRole('cell').nth(1).innerText()).toBe('5');
			await page.screenshot({ path: path.join(SCREENSHOTS, 'definitions.png'), fullPage: true });
		} finally {
			await browser.close();
		}
	});

	it('fits a phone in one column, then signs out', async () => {
		const browser = await launchBrowser({ viewport: { width: 390, height: 844 }, isMobile: true });
		try {
			const page = await browser.context.newPage();
			await signIn(page);
			const boxes = [];
			for (const label of ['Active customers', 'Repeat purchase rate', 'NPS']) {
				boxes.push((await page.getByRole('article', { name: label }).boundingBox())!);
			}
			for (const box of boxes) {
				expect(box.x).toBeCloseTo(boxes[0]!.x, 0);
				expect(box.x + box.width).toBeLessThanOrEqual(390);
			}
			expect(boxes[1]!.y).toBeGreaterThan(boxes[0]!.y + boxes[0]!.height - 1);
			expect(boxes[2]!.y).toBeGreaterThan(boxes[1]!.y + boxes[1]!.height - 1);
			const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
			expect(scrollWidth).toBeLessThanOrEqual(390);
			await page.screenshot({ path: path.join(SCREENSHOTS, 'board-phone.png'), fullPage: true });
			if (README_SHOTS) {
				await page.screenshot({ path: path.join(README_SHOTS, 'board-phone.png') });
			}

			await page.getByRole('button', { name: 'Sign out' }).click();
			await page.getByRole('button', { name: 'Sign in' }).waitFor();
			await page.goto(`${server.url}/`);
			await expect.poll(() => page.url()).toContain('/login');
		} finally {
			await browser.close();
		}
	});
});
