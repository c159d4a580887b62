import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
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

// The cohort page of the built app in Debian's Chromium, on the fixture company (Europe/Berlin,
// first purchases over the 30 months before now, all of them known): its heat-map must show what
// `cx metric cohort-retention --json` computes for the same months, run on the same data before
// the server starts; the chart draws a projected cohort's projection dashed after the solid curve.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SCREENSHOTS = path.resolve('test-results');
const OBSERVED_RGB = [0x25, 0x63, 0xeb]; // SERIES_COLOUR, #2563eb
const PROJECTED_RGB = [0xc2, 0x41, 0x0c]; // SECOND_COLOUR, #c2410c

interface CliRow {
	cohort: string;
	customers: number;
	inMonth: (number | null)[];
	neverLapsed: (number | null)[];
	projection: { alpha: number; beta: number; values: (number | null)[] } | null;
}

interface CliTable {
	period: { from: string; to: string };
	rows: CliRow[];
	extra: { offsets: number };
}

/** 'YYYY-MM' `count` months after `month`. */
function shiftMonth(month: string, count: number): string {
	const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + count;
	return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** '2026-03' → 'Mar 2026' */
function monthName(month: string): string {
	return `${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

/** The page's percentages, written out independently of src/lib/format.ts; empty when null. */
function cellText(share: number | null | undefined): string {
	return share === null || share === undefined ? '' : `${(share * 100).toFixed(1)}%`;
}

/** The heat-map as the page shows it: header row, then each cohort's cells as text. */
async function readTable(table: Locator): Promise<string[][]> {
	return table.evaluate((element) =>
		[...(element as HTMLTableElement).rows].map((row) =>
			[...row.cells].map((cell) => (cell.textContent ?? '').trim())
		)
	);
}

function expectedTable(cli: CliTable, form: 'inMonth' | 'neverLapsed'): string[][] {
	const offsets = cli.extra.offsets;
	return [
		['Cohort', 'Customers', ...Array.from({ length: offsets }, (_, k) => `M${k}`)],
		...cli.rows.map((row) => [
			monthName(row.cohort),
			row.customers.toLocaleString('en-US'),
			...Array.from({ length: offsets }, (_, k) => cellText(row[form][k]))
		])
	];
}

/** Per canvas column: whether a pixel of `rgb` is there; and the canvas width. */
async function colourColumns(canvas: Locator, rgb: number[]): Promise<boolean[]> {
	return canvas.evaluate((element, colour) => {
		const c = element as HTMLCanvasElement;
		const context = c.getContext('2d');
		if (!context) return [];
		const { data, width, height } = context.getImageData(0, 0, c.width, c.height);
		const hits = new Array<boolean>(width).fill(false);
		for (let x = 0; x < width; x++) {
			for (let y = 0; y < height; y++) {
				const i = (y * width + x) * 4;
				if (
					Math.abs(data[i]! - colour[0]!) < 40 &&
					Math.abs(data[i + 1]! - colour[1]!) < 40 &&
					Math.abs(data[i + 2]! - colour[2]!) < 40 &&
					data[i + 3]! > 128
				) {
					hits[x] = true;
					break;
				}
			}
		}
		return hits;
	}, rgb);
}

function span(hits: boolean[]): { first: number; last: number; filled: number } {
	const first = hits.indexOf(true);
	const last = hits.lastIndexOf(true);
	const filled = first < 0 ? 0 : hits.slice(first, last + 1).filter(Boolean).length;
	return { first, last, filled: first < 0 ? 0 : filled / (last - first + 1) };
}

describe('the cohort retention page in a browser', () => {
	let dataDir: string;
	let server: ServerProcess;
	let cli: CliTable;
	let from: string;
	let to: string;

	beforeAll(async () => {
		dataDir = makeTempDir('cx-e2e-cohorts-');
		await prepareFixtureDataDir(dataDir);
		const env = childEnv({ CX_DATA_DIR: dataDir });
		// The page's default: the 24 whole months before this one in the organization's time zone.
		const thisMonth = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' })
			.format(new Date())
			.slice(0, 7);
		from = `${shiftMonth(thisMonth, -24)}-01`;
		const lastMonth = shiftMonth(thisMonth, -1);
		const lastDay = new Date(
			Date.UTC(Number(lastMonth.slice(0, 4)), Number(lastMonth.slice(5, 7)), 0)
		).getUTCDate();
		to = `${lastMonth}-${lastDay}`;
		const result = await runCli(
			['metric', 'cohort-retention', '--json', '--from', from, '--to', to],
			env
		);
		expect(result.code, result.stderr).toBe(0);
		cli = JSON.parse(result.stdout) as CliTable;
		server = await startServer(env);
		fs.mkdirSync(SCREENSHOTS, { recursive: true });
	}, 180_000);

	afterAll(async () => {
		await server?.stop();
		await stopAllChildren();
		if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
	});

	it('has cohorts with a projection and without one on the fixture company', () => {
		expect(cli.period).toMatchObject({ from, to });
		expect(cli.rows).toHaveLength(24);
		expect(cli.rows.some((row) => row.projection !== null)).toBe(true);
		expect(cli.rows.some((row) => row.projection === null)).toBe(true);
	});

	async function openCohorts(page: Page) {
		await signInWithForm(page, server.url, 'viewer@example.com', FIXTURE_PASSWORD);
		await page.getByRole('link', { name: 'Cohorts', exact: true }).click();
		await page.waitForURL((url) => url.pathname === '/cohorts');
		// level 1: the board has a chart of the same name
		await page.getByRole('heading', { name: 'Cohort retention', level: 1 }).waitFor();
		await page
			.getByRole('region', { name: /^Never lapsed: the / })
			.locator('canvas')
			.waitFor();
	}

	it('shows cx metric cohort-retention in each form, and the projection dashed', async () => {
		const browser = await launchBrowser();
		try {
			const page = await browser.context.newPage();
			await openCohorts(page);

			const inMonth = page.getByRole('table', { name: /^Bought in month k:/ });
			expect(await readTable(inMonth)).toEqual(expectedTable(cli, 'inMonth'));
			await page.screenshot({ path: path.join(SCREENSHOTS, 'cohorts-desktop.png') });

			await page.getByRole('link', { name: 'Never lapsed' }).click();
			await expect.poll(() => page.url()).toContain('form=never-lapsed');
			const neverLapsed = page.getByRole('table', { name: /^Never lapsed:/ });
			await neverLapsed.waitFor();
			const shown = await readTable(neverLapsed);
			expect(shown).toEqual(expectedTable(cli, 'neverLapsed'));
			expect(shown).not.toEqual(expectedTable(cli, 'inMonth'));

			// The oldest cohort with a projection is charted first, with the model's parameters.
			const projected = cli.rows.find((row) => row.projection !== null)!;
			const chart = page.getByRole('region', { name: /^Never lapsed: the / });
			await expect
				.poll(() => chart.getByRole('heading').innerText())
				.toBe(`Never lapsed: the ${monthName(projected.cohort)} cohort`);
			const caption = await chart
				.getByText(/projected by the shifted-beta-geometric model/)
				.innerText();
			const [, alpha, beta] = /\(α ([\d.,]+), β ([\d.,]+)\)/.exec(caption) ?? [];
			// three significant digits: within half a unit of the third
			const parsed = (text: string | undefined) => Number(text?.replaceAll(',', ''));
			expect(parsed(alpha) / projected.projection!.alpha).toBeCloseTo(1, 2);
			expect(parsed(beta) / projected.projection!.beta).toBeCloseTo(1, 2);

			// Solid observed line, then the dashed projection from its last point to the right.
			const canvas = chart.locator('canvas');
			const observed = span(await colourColumns(canvas, OBSERVED_RGB));
			const projection = span(await colourColumns(canvas, PROJECTED_RGB));
			expect(observed.first).toBeGreaterThanOrEqual(0);
			expect(observed.filled, 'the observed line is solid').toBeGreaterThan(0.97);
			expect(projection.first, 'the projection is drawn').toBeGreaterThanOrEqual(0);
			expect(Math.abs(projection.first - observed.last)).toBeLessThan(10);
			expect(projection.last).toBeGreaterThan(observed.last + 100);
			expect(projection.filled, 'the projection is dashed').toBeLessThan(0.9);
			expect(projection.filled).toBeGreaterThan(0.3);
			await page.screenshot({ path: path.join(SCREENSHOTS, 'cohorts-projection.png') });

			// The newest cohort has too few months to project.
			const unprojected = cli.rows.at(-1)!;
			expect(unprojected.projection).toBeNull();
			await page.getByLabel('Cohort charted', { exact: true }).selectOption(unprojected.cohort);
			await expect.poll(() => page.url()).toContain(`cohort=${unprojected.cohort}`);
			await expect
				.poll(() => chart.getByRole('heading').innerText())
				.toBe(`Never lapsed: the ${monthName(unprojected.cohort)} cohort`);
			expect(await chart.getByText(/^Not enough history to project this cohort/).count()).toBe(1);
			expect(await chart.getByText(/projected by the shifted-beta/).count()).toBe(0);
			expect(span(await colourColumns(canvas, PROJECTED_RGB)).first).toBe(-1);
			// the form stayed with the cohort
			expect(page.url()).toContain('form=never-lapsed');
		} finally {
			await browser.close();
		}
	});

	it('says what is wrong with months it cannot read, and fits a phone', async () => {
		const browser = await launchBrowser({ viewport: { width: 390, height: 844 }, isMobile: true });
		try {
			const page = await browser.context.newPage();
			await openCohorts(page);
			const width = await page.evaluate(() => document.documentElement.scrollWidth);
			expect(width).toBeLessThanOrEqual(390);

			const response = await page.goto(`${server.url}/cohorts?from=2025-13&form=never-lapsed`);
			expect(response?.status()).toBe(200);
			const alert = page.getByRole('alert');
			expect(await alert.innerText()).toBe(
				'The start month "2025-13" is not a month; write it as YYYY-MM, e.g. 2025-01. Showing the last 24 whole months instead.'
			);
			expect(await readTable(page.getByRole('table', { name: /^Never lapsed:/ }))).toEqual(
				expectedTable(cli, 'neverLapsed')
			);
		} finally {
			await browser.close();
		}
	});
});
