import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdAppScripts, launchBrowser, signInWithForm } from '../helpers/browser';
import { FIXTURE_PASSWORD, prepareFixtureDataDir } from '../helpers/fixture-data-dir';
import {
	childEnv,
	makeTempDir,
	startServer,
	stopAllChildren,
	type ServerProcess
} from '../helpers/processes';

// The admin pages of the built app in Debian's Chromium, on a data folder with the four fixture
// users and no customer data. The tests run in order and build on each other: the user added
// first is the one whose role, password and account change later, and the audit log at the end
// lists what the admin did before.

type Browser = Awaited<ReturnType<typeof launchBrowser>>;

const NEW_USER = 'new.analyst@example.com';
const OWN_PASSWORD = 'my own passphrase for the board';
const ONE_TIME_PASSWORD = /^[A-Za-z2-9]{20}$/;
const ADMIN_PAGES = ['/admin/users', '/admin/setup', '/admin/settings', '/admin/audit'];

let dataDir: string;
let server: ServerProcess;
/** The admin's browser, and a second one for the other people. */
let adminBrowser: Browser;
let otherBrowser: Browser;
let admin: Page;
let other: Page;
/** Every password this file typed or read, none of which the audit page may show. */
const passwords: string[] = [FIXTURE_PASSWORD, OWN_PASSWORD];

beforeAll(async () => {
	dataDir = makeTempDir('cx-admin-pages-');
	await prepareFixtureDataDir(dataDir, new Date(), { company: false });
	// no demo company either: the history start has no order to fall back on, and the audit log
	// holds only what this file's admin does
	server = await startServer(childEnv({ CX_DATA_DIR: dataDir, CX_DEMO: '0' }));
	adminBrowser = await launchBrowser();
	otherBrowser = await launchBrowser();
	admin = await adminBrowser.context.newPage();
	other = await otherBrowser.context.newPage();
	// a missing element fails the test well before the 60 s test timeout
	admin.setDefaultTimeout(20_000);
	other.setDefaultTimeout(20_000);
});

afterAll(async () => {
	await adminBrowser?.close();
	await otherBrowser?.close();
	await stopAllChildren();
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function signIn(page: Page, email: string, password: string): Promise<void> {
	return signInWithForm(page, server.url, email, password);
}

async function signOut(page: Page): Promise<void> {
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.waitForURL((url) => url.pathname === '/login');
}

/** The one-time password the users page shows once, in its status message. */
async function issuedPassword(page: Page): Promise<string> {
	const status = page.getByRole('status').filter({ hasText: `One-time password for ${NEW_USER}` });
	const password = (await status.locator('code').innerText()).trim();
	expect(password).toMatch(ONE_TIME_PASSWORD);
	passwords.push(password);
	return password;
}

function newUserRow(page: Page) {
	return page.getByRole('row').filter({ hasText: NEW_USER });
}

async function status(page: Page, text: string): Promise<void> {
	await page.getByRole('status').filter({ hasText: text }).waitFor();
}

describe('the admin pages in a browser', () => {
	it('keeps what a person typed before the page’s script arrived (a slow connection)', async () => {
		const release = await holdAppScripts(admin);
		await admin.goto(`${server.url}/login`, { waitUntil: 'domcontentloaded' });
		await admin.getByLabel('Email').fill('admin@example.com');
		await admin.getByLabel('Password').fill(FIXTURE_PASSWORD);
		await release();
		expect(await admin.getByLabel('Email').inputValue()).toBe('admin@example.com');
		expect(await admin.getByLabel('Password').inputValue()).toBe(FIXTURE_PASSWORD);
		await admin.getByRole('button', { name: 'Sign in' }).click();
		await admin.getByRole('heading', { name: 'Executive board' }).waitFor();

		// a settings field edited before hydration keeps its edit too
		const releaseSettings = await holdAppScripts(admin);
		await admin.goto(`${server.url}/admin/settings`, { waitUntil: 'domcontentloaded' });
		await admin.getByLabel('Frequency cap').fill('9');
		await releaseSettings();
		expect(await admin.getByLabel('Frequency cap').inputValue()).toBe('9');
		await signOut(admin);
	});

	it('lets the admin add a user whose one-time password must be changed at first sign-in', async () => {
		await signIn(admin, 'admin@example.com', FIXTURE_PASSWORD);
		await admin.getByRole('link', { name: 'Users' }).click();
		await admin.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
		const addForm = admin.locator('form').filter({ hasText: 'Add a user' });
		await addForm.getByLabel('Email').fill(NEW_USER);
		await addForm.getByLabel('Role').selectOption('viewer');
		await admin.getByRole('button', { name: 'Add user' }).click();
		const oneTime = await issuedPassword(admin);
		expect(await newUserRow(admin).getByRole('cell').nth(2).innerText()).toBe(
			'Must change password'
		);

		// the new user, in another browser: every page leads to the password change first
		await signIn(other, NEW_USER, oneTime);
		expect(new URL(other.url()).pathname).toBe('/account');
		await other.getByText('Choose your own password to continue.').waitFor();
		await other.goto(`${server.url}/`);
		expect(new URL(other.url()).pathname).toBe('/account');
		await other.getByLabel('Current password').fill(oneTime);
		await other.getByLabel('New password (at least 12 characters)').fill(OWN_PASSWORD);
		await other.getByLabel('New password again').fill(OWN_PASSWORD);
		await other.getByRole('button', { name: 'Change password' }).click();
		await other.getByRole('heading', { name: 'Executive board' }).waitFor();
		await status(other, 'Your password was changed.');
		// a viewer sees no admin links
		expect(await other.getByRole('link', { name: 'Users' }).count()).toBe(0);

		await admin.reload();
		expect(await newUserRow(admin).getByRole('cell').nth(2).innerText()).toBe('Active');
	});

	it('changes the user’s role, which signs them out', async () => {
		const row = newUserRow(admin);
		await row.getByLabel(`Role of ${NEW_USER}`).selectOption('cx_lead');
		await row.getByRole('button', { name: 'Save' }).click();
		await status(admin, 'The role was changed; that user was signed out.');
		await admin.reload();
		expect(await newUserRow(admin).getByLabel(`Role of ${NEW_USER}`).inputValue()).toBe('cx_lead');

		await other.reload();
		expect(new URL(other.url()).pathname).toBe('/login');
		await signIn(other, NEW_USER, OWN_PASSWORD);
		await other.getByText(`${NEW_USER} · cx lead`).waitFor();
	});

	it('resets the user’s password: a new one-time password, and their own no longer works', async () => {
		await newUserRow(admin).getByRole('button', { name: 'Reset password' }).click();
		const reset = await issuedPassword(admin);
		expect(new Set(passwords).size).toBe(passwords.length);

		await other.reload();
		expect(new URL(other.url()).pathname).toBe('/login');
		await other.getByLabel('Email').fill(NEW_USER);
		await other.getByLabel('Password').fill(OWN_PASSWORD);
		await other.getByRole('button', { name: 'Sign in' }).click();
		await other
			.getByRole('alert')
			.filter({ hasText: 'The email or password is not right.' })
			.waitFor();

		await signIn(other, NEW_USER, reset);
		expect(new URL(other.url()).pathname).toBe('/account');
		await other.getByText('Choose your own password to continue.').waitFor();
	});

	it('deactivates the user, who is signed out and cannot sign in again', async () => {
		const row = newUserRow(admin);
		await row.getByText('Deactivate', { exact: true }).click();
		await row.getByRole('button', { name: `Deactivate ${NEW_USER}` }).click();
		await status(admin, 'The user was deactivated and signed out.');
		expect(await newUserRow(admin).getByRole('cell').nth(2).innerText()).toBe('Deactivated');

		await other.reload();
		expect(new URL(other.url()).pathname).toBe('/login');
		await other.getByLabel('Email').fill(NEW_USER);
		await other.getByLabel('Password').fill(passwords.at(-1)!);
		await other.getByRole('button', { name: 'Sign in' }).click();
		await other
			.getByRole('alert')
			.filter({ hasText: 'The email or password is not right.' })
			.waitFor();
	});

	it('changes the organization’s name, time zone and fiscal year start on the setup page', async () => {
		await admin.getByRole('link', { name: 'Setup' }).click();
		await admin.getByRole('heading', { name: 'Organization setup' }).waitFor();
		await admin.getByLabel('Organization name').fill('Browser Test Company');
		await admin.getByLabel('Time zone').selectOption('Asia/Tokyo');
		await admin.getByLabel('Fiscal year starts in').selectOption({ label: 'April' });
		await admin.getByRole('button', { name: 'Save', exact: true }).click();
		await status(admin, 'Saved.');

		await admin.reload();
		expect(await admin.getByLabel('Organization name').inputValue()).toBe('Browser Test Company');
		expect(await admin.getByLabel('Time zone').inputValue()).toBe('Asia/Tokyo');
		expect(await admin.getByLabel('Fiscal year starts in').inputValue()).toBe('4');
	});

	it('changes the frequency cap, discount rate, margin and history start on the settings page', async () => {
		await admin.getByRole('link', { name: 'Settings' }).click();
		await admin.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
		// the defaults, with their units
		const cap = admin.getByLabel('Frequency cap');
		const discount = admin.getByLabel('Discount rate');
		const margin = admin.getByLabel('Margin');
		const history = admin.getByLabel('History start');
		expect(await cap.inputValue()).toBe('4');
		expect(await discount.inputValue()).toBe('10');
		expect(await margin.inputValue()).toBe('100');
		expect(await history.inputValue()).toBe('');
		await admin.getByText('marketing messages per customer per week').waitFor();
		await admin.getByText('% per year').waitFor();
		await admin.getByText('labelled “revenue CLV” (as now)').waitFor();
		await admin.getByText('the earliest imported order (no order is imported yet)').waitFor();
		await admin
			.getByText('The activity window (365 days) and the time zone (Asia/Tokyo)')
			.waitFor();

		await cap.fill('6');
		await discount.fill('7.5');
		await margin.fill('35');
		await history.fill('2025-01-15');
		await admin.getByRole('button', { name: 'Save settings' }).click();
		await status(admin, 'Settings saved.');

		await admin.reload();
		expect(await cap.inputValue()).toBe('6');
		expect(await discount.inputValue()).toBe('7.5');
		expect(await margin.inputValue()).toBe('35');
		expect(await history.inputValue()).toBe('2025-01-15');
		expect(await admin.getByText('(as now)').count()).toBe(0);
	});

	it('refuses bad settings field by field, keeping what was typed and storing nothing', async () => {
		const cap = admin.getByLabel('Frequency cap');
		const discount = admin.getByLabel('Discount rate');
		await cap.fill('many');
		await discount.fill('100');
		await admin.getByLabel('Margin').fill('50');
		await admin.getByRole('button', { name: 'Save settings' }).click();

		await admin
			.getByRole('alert')
			.filter({ hasText: '2 settings are not valid, so nothing was saved.' })
			.waitFor();
		expect(await cap.inputValue()).toBe('many');
		expect(await discount.inputValue()).toBe('100');
		expect(await cap.getAttribute('aria-invalid')).toBe('true');
		expect(await discount.getAttribute('aria-invalid')).toBe('true');
		expect(await admin.getByLabel('Margin').getAttribute('aria-invalid')).toBeNull();
		// each field's sentence is tied to its input, as a screen reader announces it
		expect(await cap.evaluate((input) => input.getAttribute('aria-describedby'))).toContain(
			'frequencyCapPerWeek-error'
		);
		await admin
			.getByText('The frequency cap must be a whole number of messages per week from 1 to 100.')
			.waitFor();
		await admin
			.getByText(
				'The discount rate must be a percentage from 0 to below 100, with at most two decimals, such as 10.'
			)
			.waitFor();

		await admin.reload();
		expect(await cap.inputValue()).toBe('6');
		expect(await discount.inputValue()).toBe('7.5');
		expect(await admin.getByLabel('Margin').inputValue()).toBe('35');

		// an empty history start is the earliest imported order again
		await admin.getByLabel('History start').fill('');
		await admin.getByRole('button', { name: 'Save settings' }).click();
		await status(admin, 'Settings saved.');
		await admin.reload();
		expect(await admin.getByLabel('History start').inputValue()).toBe('');
	});

	it('lists the admin’s actions in the audit log, newest first, without personal values', async () => {
		await admin.getByRole('link', { name: 'Audit log' }).click();
		await admin.getByRole('heading', { name: 'Audit log' }).waitFor();
		await admin.getByRole('columnheader', { name: 'Time (Asia/Tokyo)' }).waitFor();
		const rows = admin.getByRole('row');
		const table = await Promise.all(
			Array.from({ length: (await rows.count()) - 1 }, async (_, i) => {
				const cells = rows.nth(i + 1).getByRole('cell');
				return Promise.all(
					[1, 2, 3, 4].map(async (n) =>
						(await cells.nth(n).innerText()).replace(/\s+/g, ' ').trim()
					)
				);
			})
		);
		const userId = /^user #\d+$/;
		expect(table).toEqual([
			['admin@example.com', 'Changed settings settings.update', '—', 'history start'],
			[
				'admin@example.com',
				'Changed settings settings.update',
				'—',
				'frequency cap, discount rate, margin, history start'
			],
			[
				'admin@example.com',
				'Changed settings settings.update',
				'—',
				// setup stores every field the first time, pinning the defaults it showed
				'organization name, time zone, reporting currency, fiscal year start, activity window'
			],
			[
				'admin@example.com',
				'Deactivated a user user.deactivate',
				expect.stringMatching(userId),
				'—'
			],
			[
				'admin@example.com',
				'Reset a password user.reset-password',
				expect.stringMatching(userId),
				'—'
			],
			[
				'admin@example.com',
				'Changed a role user.change-role',
				expect.stringMatching(userId),
				'role: cx lead'
			],
			['admin@example.com', 'Added a user user.add', expect.stringMatching(userId), 'role: viewer']
		]);
		// one target throughout: the added user, by id
		expect(new Set(table.slice(3).map((row) => row[2])).size).toBe(1);
		await admin.getByText('Showing 1–7 of 7.').waitFor();

		const html = await admin.content();
		expect(html).not.toContain(NEW_USER);
		for (const password of passwords) expect(html).not.toContain(password);
	});

	it('answers 403 to a viewer on every admin page', async () => {
		await signIn(other, 'viewer@example.com', FIXTURE_PASSWORD);
		await other.getByRole('heading', { name: 'Executive board' }).waitFor();
		for (const name of ['Setup', 'Settings', 'Users', 'Audit log']) {
			expect(await other.getByRole('link', { name, exact: true }).count(), name).toBe(0);
		}
		for (const path of ADMIN_PAGES) {
			const response = await other.goto(`${server.url}${path}`);
			expect(response?.status(), path).toBe(403);
			expect(await other.locator('body').innerText(), path).toBe(
				'Your role does not allow this page.'
			);
		}
		// the settings action too, posted with the viewer's session as the form would be
		const posted = await other.request.post(`${server.url}/admin/settings?/save`, {
			form: { frequencyCapPerWeek: '1', discountRate: '50', margin: '1', historyStart: '' },
			headers: { origin: server.url, accept: 'text/html' }
		});
		expect(posted.status()).toBe(403);
		await other.goto(`${server.url}/`);
		await signOut(other);
		await admin.goto(`${server.url}/admin/settings`);
		expect(await admin.getByLabel('Frequency cap').inputValue()).toBe('6');
		expect(await admin.getByLabel('Discount rate').inputValue()).toBe('7.5');
	});
});
