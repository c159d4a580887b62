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

interface CliMetric {
	value: number | null;
	period: { from: string; to: string };
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

	async function cxMetric(id: string, range: { from: string; to: string } | null) {
		const key = `${id} ${range?.from ?? 'now'}`;
		const cached = cli.get(key);
		if (cached) return cached;
		const args = [
			'metric',
			id,
			'--json',
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
		for (let i = 0; i < 12; i++) {
			for (const id of ['active-customers', 'nps', 'repeat-purchase-rate']) {
				await cxMetric(id, i === 0 ? null : monthRange(year, month));
			}
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
				['NPS', 'nps', 'index']
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
		} finally {
			await browser.close();
		}
	});
});
