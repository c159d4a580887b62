import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '$lib/server/db/database';
import { FIXTURE_PASSWORD, prepareFixtureDataDir } from '../helpers/fixture-data-dir';
import {
	childEnv,
	expectOneSentence,
	freePort,
	makeTempDir,
	ROOT,
	SERVER,
	spawnServer,
	startServer,
	stopAllChildren,
	type ServerProcess
} from '../helpers/processes';
import { call, sessionOf, signIn, type Answer } from '../helpers/http';

// Sign-in, sessions and the route guard of the built server, over HTTP: fetch without following
// redirects, cookies kept by hand, form actions posted as a browser would (with Origin).

const SIGN_IN_FAILED = 'The email or password is not right.';
const TOKEN = /^[a-z2-7]{32}$/;

interface ParsedCookie {
	name: string;
	value: string;
	/** Attribute names in lower case → their value ('' for flags). */
	attributes: Map<string, string>;
}

function parseSetCookie(header: string): ParsedCookie {
	const [pair = '', ...rest] = header.split(';');
	const at = pair.indexOf('=');
	const attributes = new Map<string, string>();
	for (const part of rest) {
		const [key = '', ...value] = part.trim().split('=');
		attributes.set(key.toLowerCase(), value.join('='));
	}
	return { name: pair.slice(0, at).trim(), value: pair.slice(at + 1).trim(), attributes };
}

/** The one Set-Cookie for `name` in an answer. */
function sessionCookie(answer: Answer, name: string): ParsedCookie {
	const cookies = answer.setCookies.map(parseSetCookie).filter((c) => c.name === name);
	expect(cookies, `one Set-Cookie ${name} in ${JSON.stringify(answer.setCookies)}`).toHaveLength(1);
	return cookies[0]!;
}

/** A GET to 127.0.0.1 with a Host header of our choosing (fetch cannot set one). */
function getWithHost(
	port: number,
	target: string,
	headers: Record<string, string>
): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const request = http.request(
			{ host: '127.0.0.1', port, path: target, method: 'GET', headers, timeout: 15_000 },
			(response) => {
				let body = '';
				response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
				response.on('end', () => {
					const headers = new Headers();
					for (const [key, value] of Object.entries(response.headers)) {
						if (typeof value === 'string') headers.set(key, value);
					}
					resolve({
						status: response.statusCode ?? 0,
						location: response.headers.location ?? null,
						headers,
						setCookies: response.headers['set-cookie'] ?? [],
						body
					});
				});
			}
		);
		request.on('timeout', () => request.destroy(new Error(`GET ${target} timed out`)));
		request.on('error', reject);
		request.end();
	});
}

/**
 * `node build` with the listen address and ORIGIN chosen here (spawnServer always sets
 * HOST=127.0.0.1 and an http ORIGIN); `host` or `origin` undefined leaves the variable unset.
 * Requests still go to 127.0.0.1.
 */
interface OwnServer {
	child: ChildProcess;
	port: number;
	url: string;
	output(): string;
}

const ownChildren = new Set<ChildProcess>();

async function startOwnServer(
	env: NodeJS.ProcessEnv,
	{ host, origin }: { host?: string; origin?: (port: number) => string }
): Promise<OwnServer> {
	const port = await freePort();
	const full: NodeJS.ProcessEnv = { ...env, PORT: String(port) };
	if (host !== undefined) full.HOST = host;
	if (origin !== undefined) full.ORIGIN = origin(port);
	const child = spawn(process.execPath, [SERVER], {
		cwd: ROOT,
		env: full,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	ownChildren.add(child);
	let output = '';
	child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
	let exited = false;
	child.once('close', () => {
		exited = true;
		ownChildren.delete(child);
	});
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (exited) throw new Error(`The server exited before /healthz answered:\n${output}`);
		try {
			const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
			await response.arrayBuffer();
			if (response.status === 200) return { child, port, url, output: () => output };
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	child.kill('SIGKILL');
	throw new Error(`/healthz did not answer within 60 s:\n${output}`);
}

async function stopOwnChildren(): Promise<void> {
	await Promise.all(
		[...ownChildren].map(
			(child) =>
				new Promise<void>((resolve) => {
					if (child.exitCode !== null || child.signalCode !== null) return resolve();
					child.once('close', () => resolve());
					child.kill('SIGKILL');
				})
		)
	);
}

/** childEnv() on an in-memory database whose first admin has the password childEnv sets. */
function memoryEnv(): NodeJS.ProcessEnv {
	const env = childEnv({ CX_DATA_DIR: 'memory://' });
	delete env.CX_ADMIN_EMAIL;
	return env;
}

const tempDirs: string[] = [];

afterAll(async () => {
	await stopOwnChildren();
	await stopAllChildren();
	for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('signing in to the built server (one user per role)', () => {
	let dataDir: string;
	let server: ServerProcess;
	/** A session of admin@example.com that no test ends, checked in the database at the end. */
	let adminToken: string;

	beforeAll(async () => {
		dataDir = makeTempDir('cx-auth-');
		tempDirs.push(dataDir);
		await prepareFixtureDataDir(dataDir, new Date(), { company: false });
		server = await startServer(childEnv({ CX_DATA_DIR: dataDir }));
	});

	it('sends anonymous visitors to /login, for pages and for form actions alike', async () => {
		const login = await call(server.url, '/login');
		expect(login.status).toBe(200);
		expect(login.body).toContain('Sign in');

		const board = await call(server.url, '/');
		expect(board.status).toBe(303);
		expect(board.location).toBe('/login');

		const account = await call(server.url, '/account');
		expect(account.status).toBe(303);
		expect(account.location).toBe('/login?redirectTo=%2Faccount');

		for (const action of ['/account?/everywhere', '/account?/password', '/logout']) {
			const posted = await call(server.url, action, {
				form: { current: 'x', next: 'y', confirm: 'y' }
			});
			expect(posted.status, action).toBe(303);
			expect(posted.location, action).toMatch(/^\/login(\?|$)/);
		}

		expect((await call(server.url, '/healthz')).status).toBe(200);
	});

	it('answers a wrong password and an unknown email alike', async () => {
		const wrong = await signIn(server.url, 'exec@example.com', 'not the password at all');
		const unknown = await signIn(server.url, 'nobody@example.com', FIXTURE_PASSWORD);
		for (const answer of [wrong, unknown]) {
			expect(answer.status).toBe(400);
			expect(answer.body).toContain(SIGN_IN_FAILED);
			expect(answer.setCookies.filter((c) => c.startsWith('cx_session='))).toEqual([]);
		}
		// the same page but for the email echoed back into the form and the per-answer CSP nonce
		const strip = (answer: Answer, email: string) =>
			answer.body.replaceAll(email, 'EMAIL').replace(/nonce="[^"]*"/g, 'nonce=""');
		expect(strip(wrong, 'exec@example.com')).toBe(strip(unknown, 'nobody@example.com'));
		expect(wrong.headers.get('retry-after')).toBeNull();
		expect(unknown.headers.get('retry-after')).toBeNull();
	});

	it('sets an HttpOnly, SameSite=Lax session cookie, not Secure on an http ORIGIN', async () => {
		const answer = await signIn(server.url, 'admin@example.com', FIXTURE_PASSWORD);
		expect(answer.status).toBe(303);
		expect(answer.location).toBe('/');
		expect(answer.setCookies.filter((c) => c.startsWith('__Host-'))).toEqual([]);
		const cookie = sessionCookie(answer, 'cx_session');
		expect(cookie.value).toMatch(TOKEN);
		expect(cookie.attributes.get('path')).toBe('/');
		expect(cookie.attributes.has('httponly')).toBe(true);
		expect(cookie.attributes.get('samesite')?.toLowerCase()).toBe('lax');
		expect(cookie.attributes.has('secure')).toBe(false);
		expect(cookie.attributes.has('domain')).toBe(false);
		// 30 days of sliding lifetime
		const expires = Date.parse(cookie.attributes.get('expires') ?? '');
		expect(expires - Date.now()).toBeGreaterThan(29 * 86_400_000);
		expect(expires - Date.now()).toBeLessThanOrEqual(30 * 86_400_000 + 60_000);
		adminToken = cookie.value;

		const board = await call(server.url, '/', { cookie: `cx_session=${adminToken}` });
		expect(board.status).toBe(200);
		expect(board.body).toContain('Executive board');
		expect(board.headers.get('cache-control')).toContain('no-store');

		// a signed-in visitor of /login goes on to the board
		const login = await call(server.url, '/login', { cookie: `cx_session=${adminToken}` });
		expect(login.status).toBe(303);
		expect(login.location).toBe('/');

		// a made-up token is no session
		const forged = await call(server.url, '/', { cookie: `cx_session=${'a'.repeat(32)}` });
		expect(forged.status).toBe(303);
		expect(forged.location).toBe('/login');
	});

	it('after sign-in follows redirectTo only to a local path', async () => {
		const cases: [string, string][] = [
			['/account', '/account'],
			['/?compare=year', '/?compare=year'],
			['//evil.example/x', '/'],
			['/\\evil.example', '/'],
			['https://evil.example', '/'],
			['javascript:alert(1)', '/'],
			['evil.example', '/'],
			// a browser drops tabs and newlines from a URL: "/\t/evil.example" is "//evil.example"
			['/\t/evil.example', '/']
		];
		// a link to /login?redirectTo=… puts only a local path into the form's hidden field
		const local = await call(server.url, `/login?redirectTo=${encodeURIComponent('/account')}`);
		expect(local.body).toMatch(/name="redirectTo" value="\/account"/);
		const away = await call(
			server.url,
			`/login?redirectTo=${encodeURIComponent('//evil.example')}`
		);
		expect(away.status).toBe(200);
		expect(away.body).not.toContain('evil.example');
		for (const [redirectTo, expected] of cases) {
			const answer = await signIn(server.url, 'viewer@example.com', FIXTURE_PASSWORD, {
				redirectTo
			});
			expect(answer.status, JSON.stringify(redirectTo)).toBe(303);
			expect(answer.location, JSON.stringify(redirectTo)).toBe(expected);
		}
	});

	it('refuses a cross-site form post, and signs out everywhere', async () => {
		const first = await sessionOf(server.url, 'exec@example.com');
		const second = await sessionOf(server.url, 'exec@example.com');
		expect(first).not.toBe(second);
		for (const token of [first, second]) {
			expect((await call(server.url, '/', { cookie: `cx_session=${token}` })).status).toBe(200);
		}

		const crossSite = await call(server.url, '/account?/everywhere', {
			form: {},
			cookie: `cx_session=${first}`,
			origin: 'https://evil.example'
		});
		expect(crossSite.status).toBe(403);
		expect((await call(server.url, '/', { cookie: `cx_session=${second}` })).status).toBe(200);

		const everywhere = await call(server.url, '/account?/everywhere', {
			form: {},
			cookie: `cx_session=${first}`
		});
		expect(everywhere.status).toBe(303);
		expect(everywhere.location).toBe('/login');
		const cleared = sessionCookie(everywhere, 'cx_session');
		expect(cleared.value).toBe('');

		for (const token of [first, second]) {
			const after = await call(server.url, '/', { cookie: `cx_session=${token}` });
			expect(after.status).toBe(303);
			expect(after.location).toBe('/login');
		}
		// another user's session is untouched
		expect((await call(server.url, '/', { cookie: `cx_session=${adminToken}` })).status).toBe(200);
	});

	it('signs out the one session at /logout', async () => {
		const mine = await sessionOf(server.url, 'exec@example.com');
		const other = await sessionOf(server.url, 'exec@example.com');
		const out = await call(server.url, '/logout', { form: {}, cookie: `cx_session=${mine}` });
		expect(out.status).toBe(303);
		expect(out.location).toBe('/login');
		expect((await call(server.url, '/', { cookie: `cx_session=${mine}` })).status).toBe(303);
		expect((await call(server.url, '/', { cookie: `cx_session=${other}` })).status).toBe(200);
	});

	it('after 10 failures for one account answers 429 with Retry-After, even to the right password', async () => {
		for (let i = 0; i < 10; i++) {
			const failed = await signIn(server.url, 'lead@example.com', `wrong password ${i}`);
			expect(failed.status, `attempt ${i + 1}`).toBe(400);
		}
		const throttled = await signIn(server.url, 'lead@example.com', FIXTURE_PASSWORD);
		expect(throttled.status).toBe(429);
		expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(throttled.body).toContain(SIGN_IN_FAILED);
		expect(throttled.setCookies.filter((c) => c.startsWith('cx_session='))).toEqual([]);
		// the throttle is per account: another account from the same address still signs in
		expect(await sessionOf(server.url, 'viewer@example.com')).toMatch(TOKEN);
	});

	it('stores only the SHA-256 of a session token in the database', async () => {
		const stopped = await server.stop();
		expect(stopped.code).toBe(0);
		const database = await openDatabase(
			{ kind: 'pglite', dataDir },
			{ holder: 'auth test', warn: () => undefined }
		);
		try {
			const ids = (await database.db.selectFrom('user_session').select('id').execute()).map(
				(row) => row.id
			);
			expect(ids).not.toContain(adminToken);
			expect(ids.some((id) => id.includes(adminToken))).toBe(false);
			expect(ids).toContain(createHash('sha256').update(adminToken).digest('hex'));
		} finally {
			await database.close();
		}
	});
});

describe('an https ORIGIN', () => {
	it('names the cookie __Host-cx_session and makes it Secure', async () => {
		const origin = 'https://cx.example.test';
		const server = await startOwnServer(memoryEnv(), { host: '127.0.0.1', origin: () => origin });
		const answer = await signIn(server.url, 'admin@example.com', 'test admin password', {
			origin
		});
		expect(answer.status, answer.body.slice(0, 300)).toBe(303);
		expect(answer.setCookies.filter((c) => c.startsWith('cx_session='))).toEqual([]);
		const cookie = sessionCookie(answer, '__Host-cx_session');
		expect(cookie.value).toMatch(TOKEN);
		expect(cookie.attributes.has('secure')).toBe(true);
		expect(cookie.attributes.has('httponly')).toBe(true);
		expect(cookie.attributes.get('samesite')?.toLowerCase()).toBe('lax');
		expect(cookie.attributes.get('path')).toBe('/');
		expect(cookie.attributes.has('domain')).toBe(false);

		// signed in: a new organization's admin is sent to the setup first
		const board = await call(server.url, '/', { cookie: `__Host-cx_session=${cookie.value}` });
		expect(board.status).toBe(303);
		expect(board.location).toBe('/admin/setup?first=1');
		// the http name is not read when the origin is https
		const plain = await call(server.url, '/', { cookie: `cx_session=${cookie.value}` });
		expect(plain.status).toBe(303);
		expect(plain.location).toBe('/login');
		// the https origin is the one trusted for form posts
		const http = await signIn(server.url, 'admin@example.com', 'test admin password', {
			origin: server.url
		});
		expect(http.status).toBe(403);
		expect(server.output()).not.toMatch(/not encrypted|unencrypted/);
	});
});

describe('plain http at a non-loopback address', () => {
	let server: OwnServer;

	beforeAll(async () => {
		// No ORIGIN: adapter-node takes the host from the Host header and, unless PROTOCOL_HEADER
		// names a header saying otherwise, assumes https (a TLS proxy in front). A proxy that
		// terminates nothing says x-forwarded-proto: http.
		server = await startOwnServer(
			{ ...memoryEnv(), PROTOCOL_HEADER: 'x-forwarded-proto' },
			{ host: '0.0.0.0' }
		);
	});

	it('warns at start that the connection is not encrypted', () => {
		expect(server.output()).toMatch(/Warning: .*0\.0\.0\.0.*unencrypted/);
	});

	it('says so on the sign-in page when the Host is not loopback', async () => {
		const page = (host: string, proto = 'http') =>
			getWithHost(server.port, '/login', {
				host: `${host}:${server.port}`,
				'x-forwarded-proto': proto
			});
		const away = await page('cx.example.test');
		expect(away.status).toBe(200);
		expect(away.body).toContain('not encrypted');
		// behind a proxy that terminates https the connection is encrypted
		const proxied = await page('cx.example.test', 'https');
		expect(proxied.status).toBe(200);
		expect(proxied.body).not.toContain('not encrypted');
		for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
			const here = await page(host);
			expect(here.status, host).toBe(200);
			expect(here.body, host).toContain('Sign in');
			expect(here.body, host).not.toContain('not encrypted');
		}
	});

	it('warns too when HOST is not set, as adapter-node then listens on every interface', async () => {
		const env = memoryEnv();
		delete env.HOST;
		const unset = await startOwnServer(env, {
			origin: (port) => `http://cx.example.test:${port}`
		});
		// with an http ORIGIN the page warns whatever the Host header says
		const page = await getWithHost(unset.port, '/login', { host: `127.0.0.1:${unset.port}` });
		expect(page.status).toBe(200);
		expect(page.body).toContain('not encrypted');
		expect(unset.output()).toMatch(/Listening on http:\/\/0\.0\.0\.0:/);
		expect(unset.output()).toMatch(/unencrypted/);
	});
});

describe('memory:// without CX_ADMIN_PASSWORD', () => {
	it('exits 1 with one sentence naming CX_ADMIN_PASSWORD', async () => {
		const env = childEnv({ CX_DATA_DIR: 'memory://' });
		delete env.CX_ADMIN_PASSWORD;
		const server = await spawnServer(env);
		const result = await Promise.race([
			server.exited,
			new Promise<never>((_, reject) =>
				setTimeout(() => reject(new Error('the server did not exit within 60 s')), 60_000)
			)
		]);
		expect(result.code).toBe(1);
		expectOneSentence(result.stderr, /CX_ADMIN_PASSWORD/);
	});
});

describe('the first start on an empty data folder', () => {
	it('writes a generated admin password to a private file and makes the admin change it', async () => {
		const dir = makeTempDir('cx-first-');
		tempDirs.push(dir);
		fs.chmodSync(dir, 0o755);
		const env = childEnv({ CX_DATA_DIR: dir });
		delete env.CX_ADMIN_PASSWORD;
		delete env.CX_ADMIN_EMAIL;
		const server = await startServer(env);
		const file = path.join(dir, 'initial-credentials.txt');
		const text = fs.readFileSync(file, 'utf8');
		const email = /^email: (.+)$/m.exec(text)?.[1];
		const password = /^password: (.+)$/m.exec(text)?.[1];
		expect(email).toBe('admin@example.com');
		expect(password).toMatch(/^\S{20,}$/);
		const { stdout, stderr } = server.output();
		expect(stdout + stderr).toContain(file);
		expect(stdout + stderr).not.toContain(password!);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		expect(fs.statSync(dir).mode & 0o777).toBe(0o700);

		const tokens: string[] = [];
		for (let i = 0; i < 2; i++) {
			const answer = await signIn(server.url, email!, password!);
			expect(answer.status).toBe(303);
			expect(answer.location).toBe('/account?change=required');
			tokens.push(sessionCookie(answer, 'cx_session').value);
		}
		const [current, older] = tokens as [string, string];
		const blocked = await call(server.url, '/', { cookie: `cx_session=${current}` });
		expect(blocked.status).toBe(303);
		expect(blocked.location).toMatch(/^\/account(\?|$)/);
		const account = await call(server.url, '/account?change=required', {
			cookie: `cx_session=${current}`
		});
		expect(account.status).toBe(200);
		expect(account.body).toContain('Choose your own password');

		const next = 'a password of my own choosing';
		const mismatch = await call(server.url, '/account?/password', {
			form: { current: password!, next, confirm: `${next}!` },
			cookie: `cx_session=${current}`
		});
		expect(mismatch.status).toBe(400);
		const changed = await call(server.url, '/account?/password', {
			form: { current: password!, next, confirm: next },
			cookie: `cx_session=${current}`
		});
		expect(changed.status).toBe(303);
		expect(changed.location).toMatch(/^\/(\?|$)/);

		// then the organization setup, shown at the first admin sign-in
		const board = await call(server.url, '/', { cookie: `cx_session=${current}` });
		expect(board.status).toBe(303);
		expect(board.location).toBe('/admin/setup?first=1');
		const ended = await call(server.url, '/', { cookie: `cx_session=${older}` });
		expect(ended.status).toBe(303);
		expect(ended.location).toBe('/login');

		expect((await signIn(server.url, email!, password!)).status).toBe(400);
		const again = await signIn(server.url, email!, next);
		expect(again.status).toBe(303);
		expect(again.location).toBe('/');
		await server.stop();
	});
});
