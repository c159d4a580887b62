import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFixtureDataDir } from '../helpers/fixture-data-dir';
import {
	childEnv,
	makeTempDir,
	startServer,
	stopAllChildren,
	type ServerProcess
} from '../helpers/processes';
import { call, sessionOf, signIn } from '../helpers/http';

// The user administration page of the built server, over HTTP: fetch without following
// redirects, the session cookie kept by hand, form actions posted as a browser would.

/** The user id in the table row that names `email`, as the page's hidden field carries it. */
function userIdIn(html: string, email: string): string {
	const row = html
		.split('<tr')
		.slice(1)
		.find((chunk) => chunk.includes(email));
	const id = row && /name="userId" value="(\d+)"/.exec(row)?.[1];
	expect(id, `a row for ${email}`).toBeDefined();
	return id!;
}

/** The nav link, which SvelteKit writes relative to the page (`../admin/users`). */
const USERS_LINK = /href="[./]*admin\/users"/;
const ONE_TIME_PASSWORD = /<code[^>]*>([A-Za-z2-9]{20})<\/code>/;

let dataDir: string;
let server: ServerProcess;
let admin: string;

beforeAll(async () => {
	dataDir = makeTempDir('cx-admin-users-');
	await prepareFixtureDataDir(dataDir, new Date(), { company: false });
	server = await startServer(childEnv({ CX_DATA_DIR: dataDir }));
	admin = await sessionOf(server.url, 'admin@example.com');
});

afterAll(async () => {
	await stopAllChildren();
	if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('/admin/users', () => {
	it('is refused (403) to every role but admin, for the page and its actions', async () => {
		for (const email of ['viewer@example.com', 'exec@example.com', 'lead@example.com']) {
			const token = await sessionOf(server.url, email);
			const page = await call(server.url, '/admin/users', { token });
			expect(page.status, email).toBe(403);
			expect(page.body).not.toContain('admin@example.com');
			const add = await call(server.url, '/admin/users?/add', {
				token,
				form: { email: 'intruder@example.com', role: 'admin' }
			});
			expect(add.status, email).toBe(403);
			// the board links to the page only for admins
			const board = await call(server.url, '/account', { token });
			expect(board.body).not.toMatch(USERS_LINK);
		}
		const listing = await call(server.url, '/admin/users', { token: admin });
		expect(listing.status).toBe(200);
		expect(listing.body).not.toContain('intruder@example.com');
		expect(listing.body).toMatch(USERS_LINK);
	});

	it('sends an anonymous visitor to sign in', async () => {
		const page = await call(server.url, '/admin/users');
		expect(page.status).toBe(303);
		expect(page.location).toBe('/login?redirectTo=%2Fadmin%2Fusers');
	});

	it('adds a user whose one-time password signs in once and must be changed', async () => {
		const added = await call(server.url, '/admin/users?/add', {
			token: admin,
			form: { email: 'New.Hire@Example.com', role: 'cx_lead' }
		});
		expect(added.status, added.body.slice(0, 300)).toBe(200);
		// as a person reads it: runs of white space are one space
		expect(added.body.replace(/\s+/g, ' ')).toContain(
			'Give this password to new.hire@example.com in person; it is shown only once and must be changed at first sign-in.'
		);
		const password = ONE_TIME_PASSWORD.exec(added.body)?.[1];
		expect(password).toBeDefined();

		// shown once: the page itself does not carry it
		const listing = await call(server.url, '/admin/users', { token: admin });
		expect(listing.body).toContain('new.hire@example.com');
		expect(listing.body).not.toContain(password!);

		const signedIn = await signIn(server.url, 'new.hire@example.com', password!);
		expect(signedIn.status).toBe(303);
		expect(signedIn.location).toBe('/account?change=required');

		const again = await call(server.url, '/admin/users?/add', {
			token: admin,
			form: { email: 'new.hire@example.com', role: 'viewer' }
		});
		expect(again.status).toBe(400);
		expect(again.body).toContain('already exists');
	});

	it('changes a role, which signs that user out at once', async () => {
		const exec = await sessionOf(server.url, 'exec@example.com');
		expect((await call(server.url, '/', { token: exec })).status).toBe(200);
		const listing = await call(server.url, '/admin/users', { token: admin });
		const changed = await call(server.url, '/admin/users?/role', {
			token: admin,
			form: { userId: userIdIn(listing.body, 'exec@example.com'), role: 'cx_lead' }
		});
		expect(changed.status, changed.body.slice(0, 300)).toBe(200);
		const after = await call(server.url, '/', { token: exec });
		expect(after.status).toBe(303);
		expect(after.location).toBe('/login');
		// the admin's own session is untouched
		expect((await call(server.url, '/admin/users', { token: admin })).status).toBe(200);
	});

	it('refuses to deactivate the only admin, who stays signed in', async () => {
		const listing = await call(server.url, '/admin/users', { token: admin });
		const refused = await call(server.url, '/admin/users?/deactivate', {
			token: admin,
			form: { userId: userIdIn(listing.body, 'admin@example.com') }
		});
		expect(refused.status).toBe(400);
		expect(refused.body).toContain(
			'The last active admin cannot be deactivated; make someone else an admin first.'
		);
		expect((await call(server.url, '/admin/users', { token: admin })).status).toBe(200);
	});
});
