/**
 * `cx` while the built server runs on the same database (issue 4). On PostgreSQL both simply
 * connect to the server. On a PGlite data folder the server holds the folder, and `cx` reaches its
 * database through the owner-only Unix socket in it; every socket transaction and every app
 * transaction take one shared lock, so a client's transaction can neither capture nor lose an app
 * write.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createUser } from '$lib/server/auth/users';
import { openDatabase } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import { SOCKET_PORT, socketFolderOf, socketPathOf } from '$lib/server/db/socket-server';
import { updateSettings } from '$lib/server/settings';
import { loadFixtureCompany } from './fixtures/company';
import { createScratchDatabase } from './setup/postgres-server';
import { testDatabaseKind } from './helpers/database';
import { FIXTURE_PASSWORD, FIXTURE_USERS, prepareFixtureDataDir } from './helpers/fixture-data-dir';
import { call, sessionOf, signIn } from './helpers/http';
import {
	childEnv,
	createDataTarget,
	expectOneSentence,
	makeTempDir,
	ROOT,
	runCli,
	startServer,
	stopAllChildren,
	type DataTarget,
	type ExitResult,
	type ServerProcess
} from './helpers/processes';

const kind = testDatabaseKind();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let target: DataTarget;
let server: ServerProcess;
let files: string;

/** The fixture company and users, on the PGlite folder or the scratch PostgreSQL database. */
async function prepareFixture(data: DataTarget): Promise<void> {
	if (data.dataDir) {
		await prepareFixtureDataDir(data.dataDir);
		return;
	}
	const database = await openDatabase({ kind: 'postgres', url: data.url as string });
	try {
		await migrateToLatest(database.db);
		await loadFixtureCompany(database.db, { now: new Date() });
		await updateSettings(database.db, { organizationName: 'Fixture Company' });
		for (const user of FIXTURE_USERS) {
			await createUser(database.db, { ...user, password: FIXTURE_PASSWORD });
		}
	} finally {
		await database.close();
	}
}

beforeAll(async () => {
	files = makeTempDir('cx-beside-files-');
	target = await createDataTarget();
	await prepareFixture(target);
	server = await startServer(childEnv(target.env));
});

afterAll(async () => {
	await stopAllChildren();
	await target?.dispose();
	if (files) fs.rmSync(files, { recursive: true, force: true });
});

function cx(args: string[], input?: string): Promise<ExitResult> {
	return runCli(args, childEnv(target.env), input);
}

function expectSuccess(result: ExitResult): void {
	expect(result.code, `exit code; stderr: ${result.stderr}`).toBe(0);
	expect(result.stderr).toBe('');
}

/** A pg client to the same database as the server: its socket (PGlite) or the server URL. */
async function connect(): Promise<pg.Client> {
	const client = new pg.Client(
		kind === 'pglite'
			? {
					host: socketFolderOf(target.dataDir as string),
					port: SOCKET_PORT,
					user: 'cx',
					database: 'cx'
				}
			: { connectionString: target.url as string }
	);
	client.on('error', () => undefined);
	await client.connect();
	return client;
}

/** Tracks whether a promise has settled, without letting a rejection go unhandled. */
function watch<T>(promise: Promise<T>) {
	const state = { settled: false, promise };
	promise.then(
		() => (state.settled = true),
		() => (state.settled = true)
	);
	return state;
}

let metricWhileRunning: unknown;

describe(`cx while the server runs (${kind})`, () => {
	it('computes a metric', async () => {
		const result = await cx(['metric', 'active-customers', '--json']);
		expectSuccess(result);
		const json = JSON.parse(result.stdout) as { id: string; value: number };
		expect(json.id).toBe('active-customers');
		expect(json.value).toBeGreaterThan(0);
		metricWhileRunning = json;
	});

	it('adds a user who can then sign in to the running server', async () => {
		const result = await cx(
			['user', 'add', '--email', 'beside@example.com', '--role', 'viewer', '--password-stdin'],
			'a password for beside\n'
		);
		expectSuccess(result);
		expectOneSentence(result.stdout, /^Added beside@example\.com as viewer\.$/);
		const token = await sessionOf(server.url, 'beside@example.com', 'a password for beside');
		const board = await call(server.url, '/', { token });
		expect(board.status).toBe(200);
	});

	it('brings the schema up to date, naming where the database is', async () => {
		const result = await cx(['migrate']);
		expectSuccess(result);
		expectOneSentence(
			result.stdout,
			kind === 'pglite'
				? new RegExp(
						`^The database at .* \\(through the running server, pid ${server.pid}\\) is up to date\\.$`
					)
				: /is up to date\.$/
		);
	});

	it('rolls back a client transaction without capturing the app write made meanwhile', async () => {
		const client = await connect();
		try {
			const count = async () =>
				Number(
					(await client.query<{ n: string }>('select count(*) as n from user_session')).rows[0]?.n
				);
			const sessionsBefore = await count();
			await client.query('begin isolation level repeatable read');
			await client.query(
				`insert into app_user (email, role, password_hash) values ('ghost@example.com', 'viewer', 'not a hash')`
			);
			// An HTTP sign-in writes a session row; on PGlite it must wait for the shared lock.
			const signingIn = watch(signIn(server.url, 'viewer@example.com', FIXTURE_PASSWORD));
			await sleep(1000);
			if (kind === 'pglite') {
				expect(signingIn.settled, 'the sign-in waits for the socket transaction').toBe(false);
			}
			expect(await count(), 'no app row inside the client transaction').toBe(sessionsBefore);
			await client.query('rollback');

			const answer = await signingIn.promise;
			expect(answer.status, answer.body.slice(0, 300)).toBe(303);
			const cookie = answer.setCookies.find((c) => c.startsWith('cx_session='));
			const token = cookie?.split(';')[0]?.slice('cx_session='.length) ?? '';
			expect((await call(server.url, '/', { token })).status, 'the app session works').toBe(200);
			const ghost = await client.query(`select 1 from app_user where email = 'ghost@example.com'`);
			expect(ghost.rows, "the client's row is gone").toEqual([]);
			expect(await count(), "the app's session row is there").toBe(sessionsBefore + 1);
		} finally {
			await client.end();
		}
	});

	if (kind === 'pglite') {
		it('reaches the database over an owner-only Unix socket, never a TCP port', () => {
			const dataDir = target.dataDir as string;
			const socket = fs.statSync(socketPathOf(dataDir));
			expect(socket.isSocket()).toBe(true);
			expect((socket.mode & 0o777).toString(8)).toBe('600');
			expect((fs.statSync(socketFolderOf(dataDir)).mode & 0o777).toString(8)).toBe('700');
			expect(listeningTcpPorts(server.pid), 'the HTTP port only').toEqual([server.port]);
		});

		it('releases the lock and rolls back when a client is killed mid-transaction', async () => {
			const script = `
				import pg from 'pg';
				const client = new pg.Client({ host: process.env.SOCKET_FOLDER, port: ${SOCKET_PORT}, user: 'cx', database: 'cx' });
				await client.connect();
				await client.query('begin');
				await client.query("insert into app_user (email, role, password_hash) values ('killed@example.com', 'viewer', 'x')");
				console.log('holding');
				setInterval(() => undefined, 60_000);`;
			const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
				cwd: ROOT,
				env: childEnv({ SOCKET_FOLDER: socketFolderOf(target.dataDir as string) }),
				stdio: ['ignore', 'pipe', 'pipe']
			});
			const exited = new Promise((resolve) => child.once('close', resolve));
			let output = '';
			child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
			child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
			try {
				await new Promise<void>((resolve, reject) => {
					child.stdout.on('data', () => output.includes('holding') && resolve());
					child.once('close', () => reject(new Error(`the client exited early: ${output}`)));
				});
			} finally {
				child.kill('SIGKILL');
				await exited;
			}
			// The server noticed, rolled back and released the lock: the app answers again.
			const token = await sessionOf(server.url, 'lead@example.com');
			expect((await call(server.url, '/', { token })).status).toBe(200);
			const client = await connect();
			try {
				const killed = await client.query(
					`select 1 from app_user where email = 'killed@example.com'`
				);
				expect(killed.rows).toEqual([]);
			} finally {
				await client.end();
			}
		});

		it('refuses backup and restore, which need the folder itself, until the server stops', async () => {
			const file = path.join(files, 'beside.tar.gz');
			for (const args of [
				['backup', file],
				['restore', file]
			]) {
				const result = await cx(args);
				expect(result.code, result.stderr).toBe(1);
				expectOneSentence(
					result.stderr,
					new RegExp(
						`running command center server \\(pid ${server.pid}\\) .*stop the server first`
					)
				);
			}
			expect(fs.existsSync(file)).toBe(false);
		});
	}

	it('gives the same metric once the server has stopped', async () => {
		const stopped = await server.stop();
		expect(stopped.killed, 'the server stopped on SIGTERM').toBe(false);
		if (target.dataDir) expect(fs.existsSync(socketPathOf(target.dataDir))).toBe(false);
		const result = await cx(['metric', 'active-customers', '--json']);
		expectSuccess(result);
		expect(JSON.parse(result.stdout)).toEqual(metricWhileRunning);
	});
});

/** The TCP ports a process listens on (Linux: its socket inodes in /proc/net/tcp and tcp6). */
function listeningTcpPorts(pid: number): number[] {
	const inodes = new Set<string>();
	for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
		try {
			const inode = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
			if (inode) inodes.add(inode);
		} catch {
			// closed meanwhile
		}
	}
	const ports: number[] = [];
	for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
		if (!fs.existsSync(table)) continue;
		for (const line of fs.readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
			const fields = line.trim().split(/\s+/);
			const [local, state, inode] = [fields[1], fields[3], fields[9]];
			if (state === '0A' && inode && inodes.has(inode)) {
				ports.push(parseInt(local?.split(':').pop() ?? '', 16));
			}
		}
	}
	return [...new Set(ports)].sort((a, b) => a - b);
}

if (kind === 'postgres') {
	// The postgres project has the PostgreSQL 15 server a copy needs; the source is a PGlite folder.
	describe('cx copy-to while a server runs on the folder', () => {
		it('refuses (exit 1) and leaves the target untouched', async () => {
			const dataDir = makeTempDir('cx-beside-copy-');
			const scratch = await createScratchDatabase(inject('postgresAdminUrl'));
			try {
				// a new folder: the server creates and migrates it (no template in this project)
				const running = await startServer(childEnv({ CX_DATA_DIR: dataDir }));
				const result = await runCli(
					['copy-to'],
					childEnv({ CX_DATA_DIR: dataDir, CX_COPY_TO_URL: scratch.url })
				);
				expect(result.code, result.stderr).toBe(1);
				expectOneSentence(
					result.stderr,
					new RegExp(`server \\(pid ${running.pid}\\).*stop it first`)
				);
				const check = new pg.Client({ connectionString: scratch.url });
				await check.connect();
				try {
					const tables = await check.query(
						"select count(*)::int as n from information_schema.tables where table_schema = 'public'"
					);
					expect(tables.rows[0]?.n).toBe(0);
				} finally {
					await check.end();
				}
				await running.stop();
			} finally {
				await scratch.drop();
				fs.rmSync(dataDir, { recursive: true, force: true });
			}
		});
	});
}

if (kind === 'pglite') {
	describe('cx import orders while the server runs', () => {
		it('stores the file in short transactions and answers meanwhile', async () => {
			const dataDir = makeTempDir('cx-beside-import-');
			try {
				await prepareFixtureDataDir(dataDir);
				const running = await startServer(childEnv({ CX_DATA_DIR: dataDir }));
				const rows = [
					'source,order_ref,customer_ref,ordered_at,kind,amount,currency,channel,refers_to'
				];
				for (let i = 1; i <= 20_000; i++) {
					rows.push(
						`bulk,B-${i},BC-${i % 5000},2026-01-${String(1 + (i % 28)).padStart(2, '0')}T10:00:00Z,order,${i % 90}.50,USD,web,`
					);
				}
				const file = path.join(dataDir, 'bulk.csv');
				fs.writeFileSync(file, rows.join('\n') + '\n');
				const env = childEnv({ CX_DATA_DIR: dataDir });
				const importing = runCli(['import', 'orders', file], env);
				// the app keeps answering while the import runs
				const health = await fetch(`${running.url}/healthz`);
				expect(health.status).toBe(200);
				const result = await importing;
				expect(result.code, result.stderr).toBe(0);
				expect(result.stdout).toMatch(/20,000 rows read: 20,000 stored/);
				expect(result.stdout).toMatch(
					new RegExp(
						`beside the running server \\(pid ${running.pid}\\) in [\\d,]+ short transactions`
					)
				);
				await running.stop();
			} finally {
				fs.rmSync(dataDir, { recursive: true, force: true });
			}
		});
	});
}
