/**
 * The built server (`node build`) as a process: it starts on its database, answers /healthz and
 * /login, stops on SIGTERM, guards its PGlite data folder with a lock, and says in one sentence
 * why it cannot start.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createScratchDatabase } from './setup/postgres-server';
import { testDatabaseKind } from './helpers/database';
import {
	childEnv,
	createDataTarget,
	deadPid,
	expectOneSentence,
	freePort,
	makeTempDir,
	spawnServer,
	startServer,
	stopAllChildren,
	type DataTarget,
	type ServerProcess
} from './helpers/processes';

const kind = testDatabaseKind();
const LOCK_FILE = 'cx.lock';

afterAll(() => stopAllChildren());

/** Waits for a process that should end on its own; SIGKILL after `ms` fails the assertion. */
async function exitOf(server: ServerProcess, ms = 30_000) {
	const timer = setTimeout(() => server.child.kill('SIGKILL'), ms);
	try {
		return await server.exited;
	} finally {
		clearTimeout(timer);
	}
}

describe(`the built server on ${kind}`, () => {
	let target: DataTarget;
	let server: ServerProcess;

	beforeAll(async () => {
		target = await createDataTarget();
		server = await startServer(childEnv(target.env));
	});
	afterAll(async () => {
		await stopAllChildren();
		await target?.dispose();
	});

	it('says on stdout which database it uses', () => {
		expect(server.output().stdout).toContain(`database ready (${kind}, `);
	});

	it('answers GET /healthz with 200 and a bare "ok", no data', async () => {
		const response = await fetch(`${server.url}/healthz`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
		expect(response.headers.get('cache-control')).toBe('no-store');
		expect(await response.text()).toBe('ok\n');
	});

	it('serves the sign-in page at GET /login as HTML', async () => {
		const response = await fetch(`${server.url}/login`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toMatch(/^text\/html/);
		const html = await response.text();
		expect(html).toMatch(/<html/i);
		expect(html).toContain('Sign in');
	});

	if (kind === 'pglite') {
		it('refuses a second server on the same data folder, and the first keeps answering', async () => {
			const second = await spawnServer(childEnv(target.env));
			const result = await exitOf(second);
			expectOneSentence(result.stderr, /in use by another process/);
			expect(result.stderr).toContain(`pid ${server.pid}`);
			expect(result.code).toBe(1);

			const response = await fetch(`${server.url}/healthz`);
			expect(response.status).toBe(200);
			expect(server.hasExited()).toBe(false);
			const lock = JSON.parse(
				fs.readFileSync(path.join(target.dataDir as string, LOCK_FILE), 'utf8')
			) as { pid: number };
			expect(lock.pid, 'the lock still names the first server').toBe(server.pid);
		});
	}

	it(`exits within 10 s of SIGTERM${kind === 'pglite' ? ' and removes cx.lock' : ''}`, async () => {
		const stopped = await server.stop('SIGTERM', 10_000);
		console.log(`server on ${kind} exited ${Math.round(stopped.ms)} ms after SIGTERM`);
		expect(stopped.killed, 'still running 10 s after SIGTERM').toBe(false);
		expect(stopped.signal).toBeNull();
		expect(stopped.code).toBe(0);
		expect(stopped.stderr).not.toContain('    at ');
		if (target.dataDir) expect(fs.existsSync(path.join(target.dataDir, LOCK_FILE))).toBe(false);
	});

	if (kind === 'pglite') {
		it('takes over a stale lock with a warning on stderr and starts', async () => {
			const dataDir = target.dataDir as string;
			const pid = await deadPid();
			const lockFile = path.join(dataDir, LOCK_FILE);
			fs.writeFileSync(
				lockFile,
				JSON.stringify({ pid, startedAt: '2020-01-01T00:00:00.000Z', holder: 'server' }) + '\n'
			);
			const next = await startServer(childEnv(target.env));
			try {
				const { stderr } = next.output();
				expectOneSentence(stderr, /stale lock/);
				expect(stderr).toContain(`pid ${pid}`);
				expect((await fetch(`${next.url}/healthz`)).status).toBe(200);
				const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8')) as { pid: number };
				expect(lock.pid).toBe(next.pid);
			} finally {
				const stopped = await next.stop();
				expect(stopped.killed).toBe(false);
			}
			expect(fs.existsSync(lockFile)).toBe(false);
		});
	}
});

if (kind === 'pglite') {
	describe('the built server on a data folder it cannot use', () => {
		it('exits 1 with one sentence when the folder cannot be created', async () => {
			const dir = makeTempDir('cx-file-');
			try {
				const file = path.join(dir, 'regular-file');
				fs.writeFileSync(file, '');
				const server = await spawnServer(childEnv({ CX_DATA_DIR: path.join(file, 'data') }));
				const result = await exitOf(server);
				expectOneSentence(result.stderr, /is not a folder/);
				expect(result.code).toBe(1);
			} finally {
				fs.rmSync(dir, { recursive: true, force: true });
			}
		});
	});
}

if (kind === 'postgres') {
	describe('the built server without its PostgreSQL database', () => {
		it('exits 1 with one sentence, without the password, when the server cannot be reached', async () => {
			const port = await freePort();
			const server = await spawnServer(
				childEnv({ DATABASE_URL: `postgres://cx:secretpw@127.0.0.1:${port}/cx` })
			);
			const result = await exitOf(server);
			expectOneSentence(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port}/cx`));
			expect(result.stderr + result.stdout).not.toContain('secretpw');
			expect(result.code).toBe(1);
		});

		it('answers /healthz with 503 when the database goes away, and keeps running', async () => {
			const scratch = await createScratchDatabase(inject('postgresAdminUrl'));
			let server: ServerProcess | undefined;
			try {
				server = await startServer(childEnv({ DATABASE_URL: scratch.url }));
				await scratch.drop();

				const response = await fetch(`${server.url}/healthz`);
				expect(response.status).toBe(503);
				expect(await response.text()).toBe('database unavailable\n');
				expect(server.hasExited(), 'the server lives on without its database').toBe(false);

				const stopped = await server.stop('SIGTERM', 10_000);
				console.log(
					`server without its database exited ${Math.round(stopped.ms)} ms after SIGTERM`
				);
				expect(stopped.killed, 'still running 10 s after SIGTERM').toBe(false);
			} finally {
				await server?.stop('SIGKILL');
				await scratch.drop();
			}
		});
	});
}

if (kind === 'postgres') {
	describe('the built server and data written by another process', () => {
		it('folds rows another process wrote into the rollups within 15 s', async () => {
			const scratch = await createScratchDatabase(inject('postgresAdminUrl'));
			let server: ServerProcess | undefined;
			const other = new pg.Client({ connectionString: scratch.url });
			try {
				server = await startServer(childEnv({ DATABASE_URL: scratch.url, CX_DEMO: '0' }));
				// another writer (an importer on another machine, say): plain SQL, no refresh of its own
				await other.connect();
				await other.query(`insert into source (source) values ('elsewhere')`);
				const customer = await other.query<{ customer_id: string }>(
					`insert into customer (source) values ('elsewhere') returning customer_id`
				);
				const id = customer.rows[0]!.customer_id;
				await other.query(
					`insert into customer_order (customer_id, origin_customer_id, source, order_ref, kind,
						amount, currency, reporting_amount, ordered_at)
					values ($1, $1, 'elsewhere', 'x-1', 'order', 42.5, 'USD', 42.5, now() - interval '1 hour')`,
					[id]
				);
				const written = performance.now();
				let seenAfter: number | null = null;
				while (performance.now() - written < 15_000) {
					const folded = await other.query<{ revenue: string | null; days: string | null }>(
						`select (select sum(value) from rollup_additive where measure = 'net_revenue')::text
								as revenue,
							(select sum(purchase_days) from rollup_purchase p
								join rollup_generation g using (generation) where g.status = 'live')::text
								as days`
					);
					const row = folded.rows[0];
					if (row?.revenue === '42.5' && row.days === '1') {
						seenAfter = performance.now() - written;
						break;
					}
					await new Promise((resolve) => setTimeout(resolve, 250));
				}
				console.log(`rows from another process folded after ${seenAfter?.toFixed(0)} ms`);
				expect(seenAfter, 'folded into the rollups within 15 s').not.toBeNull();
			} finally {
				await other.end().catch(() => undefined);
				await server?.stop('SIGKILL');
				await scratch.drop();
			}
		});

		it('fits the customer models in a child process, rescores the customers touched, and refits on a new margin', async () => {
			const scratch = await createScratchDatabase(inject('postgresAdminUrl'));
			let server: ServerProcess | undefined;
			const other = new pg.Client({ connectionString: scratch.url });
			// customers with a known first purchase 40–340 days ago and 1–4 purchase days since
			const addCustomers = async (from: number, count: number) => {
				await other.query(
					`with c as (
						insert into customer (source, first_order_at)
						select 'elsewhere', now() - ((g * 37) % 300 + 40) * interval '1 day'
						from generate_series($1::int, $2::int) g
						returning customer_id, first_order_at
					)
					insert into customer_order (customer_id, origin_customer_id, source, order_ref, kind,
						amount, currency, reporting_amount, ordered_at)
					select customer_id, customer_id, 'elsewhere', 'o-' || customer_id || '-' || k, 'order',
						20 + k * 5, 'USD', 20 + k * 5, first_order_at + k * (customer_id % 9 + 3) * interval '1 day'
					from c cross join lateral generate_series(0, (customer_id % 4)::int) k`,
					[from, from + count - 1]
				);
			};
			const fits = async () =>
				(
					await other.query<{ status: string; scored: string }>(
						`select f.status, (select count(*) from customer_score s where s.fit_id = f.fit_id)::text
							as scored
						from model_fit f order by f.fit_id`
					)
				).rows;
			const waitForFits = async (count: number) => {
				const deadline = performance.now() + 90_000;
				while (performance.now() < deadline) {
					const rows = await fits();
					if (rows.length >= count && rows.every((r) => r.status !== 'running')) return rows;
					await new Promise((resolve) => setTimeout(resolve, 500));
				}
				return fits();
			};
			try {
				server = await startServer(
					childEnv({
						DATABASE_URL: scratch.url,
						CX_MODEL_FITS: '1',
						CX_MODEL_REFIT_MINUTES: '600'
					})
				);
				await other.connect();
				await other.query(`insert into source (source) values ('elsewhere')`);
				await addCustomers(1, 300);
				const first = await waitForFits(1);
				expect(first, server.output().stdout).toEqual([{ status: 'succeeded', scored: '300' }]);
				// new customers within the refit interval: rescored with the fit's parameters
				await addCustomers(301, 20);
				const deadline = performance.now() + 60_000;
				while (performance.now() < deadline && (await fits())[0]?.scored !== '320') {
					await new Promise((resolve) => setTimeout(resolve, 500));
				}
				expect(await fits(), server.output().stdout).toEqual([
					{ status: 'succeeded', scored: '320' }
				]);
				// a new margin: the next look (new data makes one) refits everyone
				await other.query(
					`insert into setting (key, value) values ('margin', '0.5')
					on conflict (key) do update set value = excluded.value`
				);
				await addCustomers(321, 1);
				const second = await waitForFits(2);
				expect(second, server.output().stdout).toEqual([
					// the previous fit's scores went when the new ones were whole
					{ status: 'succeeded', scored: '0' },
					{ status: 'succeeded', scored: '321' }
				]);
				expect(server.output().stdout).toMatch(/Customer models fitted and every customer scored/);
			} finally {
				await other.end().catch(() => undefined);
				await server?.stop('SIGKILL');
				await scratch.drop();
			}
		}, 240_000);
	});
}
