import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser';
import { call, sessionOf } from '../helpers/http';
import { childEnv, makeTempDir, startServer, stopAllChildren } from '../helpers/processes';

// A new user's first start, as `npm start` runs it (scripts/start.js, no ORIGIN, no HOST): the
// demo company is written in the background while the server answers and `/` shows the progress,
// the demo users' passwords are in the credentials file, and sign-in works in a real browser.

const folders: string[] = [];
afterAll(async () => {
	await stopAllChildren();
	for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

function newDataDir(): string {
	const dir = makeTempDir('cx-first-start-');
	folders.push(dir);
	return dir;
}

/** The demo users' passwords, by email, from the credentials file. */
function demoPasswords(dataDir: string): Map<string, string> {
	const file = path.join(dataDir, 'initial-credentials.txt');
	const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	return new Map(
		[...text.matchAll(/email: (\S+@demo\.example)\s+password: (\S+)/g)].map((m) => [
			m[1] as string,
			m[2] as string
		])
	);
}

describe('first start with `npm start` on an empty folder', () => {
	it('seeds the demo company while answering, shows the progress, then the board', async () => {
		const dataDir = newDataDir();
		const env = childEnv({ CX_DATA_DIR: dataDir, CX_DEMO: '1' });
		delete env.CX_ADMIN_PASSWORD;
		const started = performance.now();
		const server = await startServer(env, 120_000, { npmStart: true });

		const passwords = demoPasswords(dataDir);
		expect([...passwords.keys()].sort()).toEqual([
			'cx.lead@demo.example',
			'executive@demo.example',
			'viewer@demo.example'
		]);
		expect(fs.statSync(path.join(dataDir, 'initial-credentials.txt')).mode & 0o777).toBe(0o600);
		const token = await sessionOf(
			server.url,
			'executive@demo.example',
			passwords.get('executive@demo.example')
		);

		// The default demo takes many seconds to write: the first look finds it under way.
		const first = await call(server.url, '/', { token });
		expect(first.status, server.output().stderr).toBe(200);
		expect(first.body).toContain('Creating the demo company');
		expect(first.body).toMatch(/<progress[^>]*value="\d+"/);
		expect((await call(server.url, '/healthz')).status).toBe(200);

		let board = first;
		const deadline = Date.now() + 240_000;
		while (board.body.includes('Creating the demo company') && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 1000));
			board = await call(server.url, '/', { token });
		}
		const seconds = (performance.now() - started) / 1000;
		console.log(`first start to a signed-in board with the demo company: ${seconds.toFixed(1)} s`);
		expect(board.body).toContain('Demo company.');
		expect(board.body).toContain('Active customers');
		expect(board.body).not.toContain('No data');
		expect(server.output().stdout).toMatch(/Demo company ready: [\d,]+ people/);

		// A real browser against the server `npm start` runs (no ORIGIN): the sign-in form works.
		const browser = await launchBrowser();
		try {
			const page = await browser.context.newPage();
			// (typed here rather than through signInWithForm: this sign-in is what the test is about)
			await page.goto(`${server.url}/login`);
			await page.getByLabel('Email').fill('viewer@demo.example');
			await page.getByLabel('Password').fill(passwords.get('viewer@demo.example') as string);
			await page.getByRole('button', { name: /sign in/i }).click();
			await page
				.waitForURL(`${server.url}/`, { waitUntil: 'commit', timeout: 60_000 })
				.catch(async (error: unknown) => {
					// What the person would see, to tell a slow server from a refused sign-in.
					const text = await page
						.locator('main')
						.innerText()
						.catch(() => '(no main)');
					throw new Error(
						`Still at ${page.url()} 60 s after signing in: ${text.slice(0, 300)}\nserver: ${server.output().stderr.slice(-500)}`,
						{ cause: error }
					);
				});
			await expect
				.poll(() => page.getByRole('heading', { name: 'Executive board' }).count())
				.toBe(1);
			expect(await page.getByText('Demo company.').count()).toBe(1);
		} finally {
			await browser.close();
		}

		// The demo is not seeded again on the next start of the same folder.
		await server.stop();
		const again = await startServer(env, 120_000, { npmStart: true });
		const token2 = await sessionOf(
			again.url,
			'executive@demo.example',
			passwords.get('executive@demo.example')
		);
		const page = await call(again.url, '/', { token: token2 });
		expect(page.body).not.toContain('Creating the demo company');
		expect(page.body).toContain('Demo company.');
		expect(again.output().stdout).not.toContain('Creating the demo company');
		await again.stop();
	}, 400_000);

	it('starts empty with CX_DEMO=0', async () => {
		const dataDir = newDataDir();
		const server = await startServer(childEnv({ CX_DATA_DIR: dataDir, CX_DEMO: '0' }), 60_000, {
			npmStart: true
		});
		const token = await sessionOf(server.url, 'admin@example.com', 'test admin password');
		// the admin's first sign-in asks for the organization setup; the board itself is empty
		await call(server.url, '/admin/setup?/save', {
			token,
			form: {
				organizationName: 'Empty Ltd',
				timeZone: 'UTC',
				reportingCurrency: 'USD',
				fiscalYearStartMonth: '1',
				activityWindowDays: '365'
			}
		});
		const board = await call(server.url, '/', { token });
		expect(board.status).toBe(200);
		expect(board.body).toContain('Executive board');
		expect(board.body).not.toContain('Demo company.');
		expect(board.body).not.toContain('Creating the demo company');
		expect(demoPasswords(dataDir).size).toBe(0);
		await server.stop();
	}, 120_000);

	it('creates no demo users on a non-loopback HOST unless CX_DEMO_USERS=1', async () => {
		for (const [extra, expected] of [
			[{}, 0],
			[{ CX_DEMO_USERS: '1' }, 3]
		] as const) {
			const dataDir = newDataDir();
			const server = await startServer(
				childEnv({ CX_DATA_DIR: dataDir, CX_DEMO: '1', CX_DEMO_CUSTOMERS: '150', ...extra }),
				60_000,
				{ npmStart: true, host: '0.0.0.0' }
			);
			const deadline = Date.now() + 120_000;
			while (!server.output().stdout.includes('Demo company ready') && Date.now() < deadline) {
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
			expect(server.output().stdout).toContain('Demo company ready');
			expect(demoPasswords(dataDir).size).toBe(expected);
			await server.stop();
		}
	}, 300_000);
});

describe('the demo data page', () => {
	it('regenerates the demo in a new reporting currency, then removes it with the admin button', async () => {
		const dataDir = newDataDir();
		const server = await startServer(
			childEnv({ CX_DATA_DIR: dataDir, CX_DEMO: '1', CX_DEMO_CUSTOMERS: '200' }),
			60_000,
			{ npmStart: true }
		);
		const waitFor = async (done: () => Promise<boolean>, what: string) => {
			const deadline = Date.now() + 120_000;
			while (!(await done())) {
				if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
				await new Promise((resolve) => setTimeout(resolve, 250));
			}
		};
		await waitFor(async () => server.output().stdout.includes('Demo company ready'), 'the demo');
		const admin = await sessionOf(server.url, 'admin@example.com', 'test admin password');
		const passwords = demoPasswords(dataDir);
		const executive = await sessionOf(
			server.url,
			'executive@demo.example',
			passwords.get('executive@demo.example')
		);
		expect((await call(server.url, '/admin/demo', { token: executive })).status).toBe(403);

		// Through the server's socket, as cx would: which exchange rates the demo wrote.
		const rates = async () => {
			const client = new pg.Client({
				host: path.join(dataDir, 'run'),
				port: 5432,
				user: 'cx',
				database: 'cx'
			});
			await client.connect();
			try {
				const result = await client.query<{ currency: string }>(
					'select distinct currency from fx_rate order by 1'
				);
				return result.rows.map((row) => row.currency);
			} finally {
				await client.end();
			}
		};
		expect(await rates()).toEqual(['EUR']);

		// The first save pins the currency the demo already has: nothing to redraw.
		const pinned = await call(server.url, '/admin/setup?/save', {
			token: admin,
			form: {
				organizationName: 'Demo Ltd',
				timeZone: 'UTC',
				reportingCurrency: 'USD',
				fiscalYearStartMonth: '1',
				activityWindowDays: '365'
			}
		});
		expect(pinned.status).toBe(200);
		expect(pinned.body).not.toContain('drawn again');
		expect(await rates()).toEqual(['EUR']);

		const saved = await call(server.url, '/admin/setup?/save', {
			token: admin,
			form: {
				organizationName: 'Demo Ltd',
				timeZone: 'UTC',
				reportingCurrency: 'EUR',
				fiscalYearStartMonth: '1',
				activityWindowDays: '365'
			}
		});
		expect(saved.status).toBe(200);
		expect(saved.body).toContain('drawn again in the new currency');
		await waitFor(
			async () => server.output().stdout.includes('Regenerated the demo'),
			'regeneration'
		);
		expect(await rates()).toEqual(['USD']);

		const page = await call(server.url, '/admin/demo', { token: admin });
		expect(page.body).toContain('Remove demo data');
		const unconfirmed = await call(server.url, '/admin/demo?/remove', { token: admin, form: {} });
		expect(unconfirmed.status).toBe(400);
		expect(unconfirmed.body).toContain('Tick the box');
		const removing = await call(server.url, '/admin/demo?/remove', {
			token: admin,
			form: { confirm: 'yes' }
		});
		expect(removing.status).toBe(303);
		await waitFor(
			async () =>
				(await call(server.url, '/admin/demo', { token: admin })).body.includes(
					'No demo data here'
				),
			'the removal'
		);
		const board = await call(server.url, '/', { token: admin });
		expect(board.body).not.toContain('Demo company.');
		expect(await rates()).toEqual([]);
		// the demo users went with it, their sessions too
		expect((await call(server.url, '/', { token: executive })).status).toBe(303);
		const audit = await call(server.url, '/admin/audit', { token: admin });
		expect(audit.body).toContain('demo.remove');
		await server.stop();
	}, 300_000);
});
