import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFixtureDataDir } from '../helpers/fixture-data-dir';
import { call, sessionOf } from '../helpers/http';
import {
	childEnv,
	makeTempDir,
	startServer,
	stopAllChildren,
	type ServerProcess
} from '../helpers/processes';

// The organization setup page of the built server, over HTTP, on a data folder whose organization
// is not set up yet: fetch without following redirects, the session cookie kept by hand.

/** The board's meta line (period · comparison · time zone), as a person reads it. */
function metaLine(html: string): string {
	const line = /<p class="meta[^"]*">([\s\S]*?)<\/p>/.exec(html)?.[1];
	expect(line, 'the board has a meta line').toBeDefined();
	return line!
		.replace(/<[^>]*>/g, '')
		.replace(/\s+/g, ' ')
		.trim();
}

const FORM = {
	organizationName: 'Setup Test Company',
	timeZone: 'Pacific/Auckland',
	reportingCurrency: 'USD',
	fiscalYearStartMonth: '1',
	activityWindowDays: '365'
};

let dataDir: string;
let server: ServerProcess;

beforeAll(async () => {
	dataDir = makeTempDir('cx-setup-');
	await prepareFixtureDataDir(dataDir, new Date(), { company: false, organizationName: null });
	server = await startServer(childEnv({ CX_DATA_DIR: dataDir }));
});

afterAll(async () => {
	await stopAllChildren();
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('/admin/setup', () => {
	it('is refused (403) to every role but admin, for the page and its action', async () => {
		for (const email of ['viewer@example.com', 'exec@example.com', 'lead@example.com']) {
			const token = await sessionOf(server.url, email);
			expect((await call(server.url, '/admin/setup', { token })).status, email).toBe(403);
			const save = await call(server.url, '/admin/setup?/save', { token, form: FORM });
			expect(save.status, email).toBe(403);
			// only admins are sent to the setup: everyone else sees the board
			const board = await call(server.url, '/', { token });
			expect(board.status, email).toBe(200);
			expect(board.body).not.toMatch(/href="[./]*admin\/setup"/);
		}
	});

	it('is shown at the first admin sign-in, and saving it leads to the board in the new zone', async () => {
		const admin = await sessionOf(server.url, 'admin@example.com');
		const first = await call(server.url, '/', { token: admin });
		expect(first.status).toBe(303);
		expect(first.location).toBe('/admin/setup?first=1');

		const page = await call(server.url, '/admin/setup?first=1', { token: admin });
		expect(page.status).toBe(200);
		expect(page.body.replace(/\s+/g, ' ')).toContain(
			'These settings decide how every figure is counted'
		);
		expect(page.body).toContain('<option value="Pacific/Auckland"');

		const refused = await call(server.url, '/admin/setup?/save&first=1', {
			token: admin,
			form: { ...FORM, timeZone: 'Mars/Olympus_Mons' }
		});
		expect(refused.status).toBe(400);
		expect(refused.body).toContain('Choose the time zone from the list of IANA time zones.');
		expect((await call(server.url, '/', { token: admin })).location).toBe('/admin/setup?first=1');

		const saved = await call(server.url, '/admin/setup?/save&first=1', {
			token: admin,
			form: FORM
		});
		expect(saved.status, saved.body.slice(0, 300)).toBe(303);
		expect(saved.location).toBe('/');

		const board = await call(server.url, '/', { token: admin });
		expect(board.status).toBe(200);
		expect(metaLine(board.body)).toMatch(/ · Pacific\/Auckland/);

		// later saves stay on the page and say so
		const again = await call(server.url, '/admin/setup?/save', {
			token: admin,
			form: { ...FORM, timeZone: 'America/Chicago' }
		});
		expect(again.status).toBe(200);
		expect(again.body).toContain('Saved.');
		const after = await call(server.url, '/', { token: admin });
		expect(metaLine(after.body)).toMatch(/ · America\/Chicago/);
	});
});
