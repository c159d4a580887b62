/**
 * Vitest `globalSetup` for the 'postgres' project: provides `postgresAdminUrl`, a connection string
 * to the maintenance database of a PostgreSQL (≥ 15, exactly 15.x in CI) server whose role may create
 * databases. Uses TEST_DATABASE_URL when set, otherwise starts a throwaway server from the local
 * PostgreSQL binaries in a temporary folder and removes it again on teardown.
 *
 * Test files get a private database with `createScratchDatabase(inject('postgresAdminUrl'))`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
	export interface ProvidedContext {
		postgresAdminUrl: string;
	}
}

const MIN_VERSION_NUM = 150000;
const CI_VERSION_MAJOR = 15;
const COMMAND_TIMEOUT_MS = 60_000;
const START_ATTEMPTS = 3;

type Teardown = () => Promise<void>;

export default async function setup(project: TestProject): Promise<Teardown> {
	const externalUrl = process.env.TEST_DATABASE_URL;
	if (externalUrl) {
		await checkServer(externalUrl, 'TEST_DATABASE_URL');
		project.provide('postgresAdminUrl', externalUrl);
		return async () => {};
	}

	const server = await startThrowawayServer();
	try {
		await checkServer(server.url, 'throwaway server');
		project.provide('postgresAdminUrl', server.url);
	} catch (error) {
		stopQuietly(server.stop);
		throw error;
	}
	return async () => server.stop();
}

/** Creates an empty database `cx_test_<hex>` next to the admin database; `drop()` removes it. */
export async function createScratchDatabase(
	adminUrl: string
): Promise<{ url: string; drop(): Promise<void> }> {
	const name = `cx_test_${randomBytes(6).toString('hex')}`;
	const url = withDatabase(adminUrl, name);
	await withClient(adminUrl, (client) =>
		client.query(`create database ${name} template template0 encoding 'UTF8'`)
	);
	let dropped = false;
	return {
		url,
		async drop() {
			if (dropped) return;
			await withClient(adminUrl, (client) =>
				client.query(`drop database if exists ${name} with (force)`)
			);
			dropped = true;
		}
	};
}

/** Returns `url` with its database name replaced by `database` (credentials and options kept). */
export function withDatabase(url: string, database: string): string {
	const parsed = parseUrl(url);
	parsed.pathname = `/${encodeURIComponent(database)}`;
	return parsed.toString();
}

/** `host:port/database` of a connection URL, without user name or password, for log messages. */
export function describeUrl(url: string): string {
	const parsed = parseUrl(url);
	const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
	const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default)';
	return `${host}:${parsed.port || '5432'}/${database}`;
}

function parseUrl(url: string): URL {
	try {
		return new URL(url);
	} catch {
		throw new Error(
			'Expected a PostgreSQL connection URL like postgres://user:password@host:5432/postgres.'
		);
	}
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
	client.on('error', () => {}); // a dropped connection surfaces through the pending query instead
	await client.connect();
	try {
		return await use(client);
	} finally {
		await client.end().catch(() => {});
	}
}

/** Prints the server version and refuses servers the tests are not meant to run against. */
async function checkServer(url: string, label: string): Promise<void> {
	let row: { version: string; version_num: number; can_create_db: boolean };
	try {
		const result = await withClient(url, (client) =>
			client.query<typeof row>(
				`select version() as version,
					current_setting('server_version_num')::int as version_num,
					(select rolsuper or rolcreatedb from pg_roles where rolname = current_user)
						as can_create_db`
			)
		);
		row = result.rows[0]!;
	} catch (error) {
		throw new Error(
			`Could not query the PostgreSQL ${label} at ${describeUrl(url)}: ${errorText(error)}`,
			{ cause: error }
		);
	}

	console.log(`PostgreSQL test server: ${row.version} (${describeUrl(url)})`);
	const major = Math.floor(row.version_num / 10000);
	if (process.env.CI === 'true' && major !== CI_VERSION_MAJOR) {
		throw new Error(
			`CI must test against PostgreSQL ${CI_VERSION_MAJOR}.x, but ${label} runs ${row.version}.`
		);
	}
	if (row.version_num < MIN_VERSION_NUM) {
		throw new Error(`The tests need PostgreSQL 15 or newer, but ${label} runs ${row.version}.`);
	}
	if (!row.can_create_db) {
		throw new Error(
			`The role used for ${label} (${describeUrl(url)}) may not create databases; use a superuser or a role with CREATEDB.`
		);
	}
}

interface ThrowawayServer {
	url: string;
	stop(): void;
}

export async function startThrowawayServer(): Promise<ThrowawayServer> {
	const bin = findPostgresBinaries();
	const runAs = process.getuid?.() === 0 ? postgresSystemUser() : undefined;

	// One folder holds the data directory, the server log and the Unix socket.
	const root = fs.mkdtempSync('/tmp/cx-pg-');
	const dataDir = path.join(root, 'data');
	const logFile = path.join(root, 'server.log');
	let started = false;
	let stopped = false;

	const stop = () => {
		if (stopped) return;
		stopped = true;
		process.off('exit', stopOnExit);
		try {
			if (started) {
				run(bin.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '30'], {
					runAs,
					cwd: root
				});
			}
		} finally {
			fs.rmSync(root, { recursive: true, force: true });
		}
	};
	// Vitest normally calls the teardown, but stop the server also when the process exits early.
	const stopOnExit = () => stopQuietly(stop);
	process.on('exit', stopOnExit);

	try {
		if (runAs) fs.chownSync(root, runAs.uid, runAs.gid);
		run(
			bin.initdb,
			['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'],
			{ runAs, cwd: root }
		);

		for (let attempt = 1; ; attempt++) {
			const port = await freePort();
			const serverOptions = [
				`-p ${port}`,
				`-k ${root}`,
				'-c listen_addresses=127.0.0.1',
				'-c fsync=off',
				'-c synchronous_commit=off',
				'-c full_page_writes=off',
				'-c max_connections=200'
			].join(' ');
			fs.rmSync(logFile, { force: true }); // so that the log only tells about this attempt
			try {
				run(
					bin.pgCtl,
					['start', '-w', '-t', '30', '-D', dataDir, '-l', logFile, '-o', serverOptions],
					{ runAs, cwd: root }
				);
				started = true;
				return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
			} catch (error) {
				const log = logTail(logFile);
				// Another process may have taken the port between probing and binding: retry.
				if (attempt < START_ATTEMPTS && /could not (bind|create listen)/i.test(log)) continue;
				started = true; // a half-started server must still be stopped
				throw new Error(`${errorText(error)}\nServer log:\n${log}`, {
					cause: error
				});
			}
		}
	} catch (error) {
		stopQuietly(stop);
		throw error;
	}
}

/** Stops a server on an error path, where a second error would only hide the first one. */
function stopQuietly(stop: () => void): void {
	try {
		stop();
	} catch {
		// the original error matters more
	}
}

interface PostgresBinaries {
	initdb: string;
	pgCtl: string;
}

/** `initdb` and `pg_ctl` from one PATH folder, else from the newest /usr/lib/postgresql/<v>/bin. */
function findPostgresBinaries(): PostgresBinaries {
	const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
	const debianDirs = listDir('/usr/lib/postgresql')
		.filter((name) => /^\d+(\.\d+)?$/.test(name))
		.sort((a, b) => Number(b) - Number(a))
		.map((version) => path.join('/usr/lib/postgresql', version, 'bin'));

	for (const dir of [...pathDirs, ...debianDirs]) {
		const initdb = path.join(dir, 'initdb');
		const pgCtl = path.join(dir, 'pg_ctl');
		if (isExecutable(initdb) && isExecutable(pgCtl)) return { initdb, pgCtl };
	}
	throw new Error(
		'PostgreSQL server binaries (initdb, pg_ctl) were not found on the PATH or in /usr/lib/postgresql/<version>/bin: install PostgreSQL 15 (Debian: `apt-get install postgresql-15`) or set TEST_DATABASE_URL to the URL of an existing PostgreSQL 15 server.'
	);
}

interface SystemUser {
	uid: number;
	gid: number;
	/** Prefix that runs a command as this user. */
	wrap(command: string, args: string[]): [string, string[]];
}

/** PostgreSQL refuses to run as root, so root runs initdb and pg_ctl as the `postgres` user. */
function postgresSystemUser(): SystemUser {
	const id = (flag: string) => {
		const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
		const value = Number.parseInt(result.stdout ?? '', 10);
		if (result.status !== 0 || !Number.isInteger(value)) {
			throw new Error(
				'PostgreSQL cannot run as root and there is no `postgres` system user to run it as: create one (e.g. `useradd --system postgres`), run the tests as a normal user, or set TEST_DATABASE_URL.'
			);
		}
		return value;
	};
	const uid = id('-u');
	const gid = id('-g');
	const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find(isExecutable);
	return {
		uid,
		gid,
		wrap: (command, args) =>
			runuser
				? [runuser, ['-u', 'postgres', '--', command, ...args]]
				: ['su', ['postgres', '-s', '/bin/sh', '-c', [command, ...args].map(shellQuote).join(' ')]]
	};
}

function run(
	command: string,
	args: string[],
	options: { runAs: SystemUser | undefined; cwd: string }
): string {
	const [file, fileArgs] = options.runAs ? options.runAs.wrap(command, args) : [command, args];
	const result = spawnSync(file, fileArgs, {
		cwd: options.cwd, // must be readable by the postgres user
		encoding: 'utf8',
		timeout: COMMAND_TIMEOUT_MS,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const label = `${path.basename(command)} ${args[0] ?? ''}`.trim();
	if (result.error) {
		throw new Error(`Could not run ${label} (${file}): ${result.error.message}`, {
			cause: result.error
		});
	}
	if (result.status !== 0) {
		const output = `${result.stdout}\n${result.stderr}`.trim();
		const exit = result.signal ? `signal ${result.signal}` : `exit code ${result.status}`;
		throw new Error(`${label} failed (${exit}): ${tail(output, 20) || '(no output)'}`);
	}
	return result.stdout;
}

/** A TCP port that is free on 127.0.0.1 right now (never 5432), found by binding port 0. */
async function freePort(): Promise<number> {
	for (let i = 0; i < 5; i++) {
		const port = await new Promise<number>((resolve, reject) => {
			const probe = net.createServer();
			probe.unref();
			probe.once('error', reject);
			probe.listen(0, '127.0.0.1', () => {
				const address = probe.address();
				probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
			});
		});
		if (port > 0 && port !== 5432) return port;
	}
	throw new Error('Could not find a free TCP port on 127.0.0.1 for the PostgreSQL test server.');
}

function logTail(file: string): string {
	try {
		return tail(fs.readFileSync(file, 'utf8'), 30) || '(empty)';
	} catch {
		return '(no server log was written)';
	}
}

function tail(text: string, lines: number): string {
	return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function listDir(dir: string): string[] {
	try {
		return fs.readdirSync(dir);
	} catch {
		return [];
	}
}

function isExecutable(file: string): boolean {
	try {
		fs.accessSync(file, fs.constants.X_OK);
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

function shellQuote(value: string): string {
	return `'${value.replaceAll("'", `'\\''`)}'`;
}

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
