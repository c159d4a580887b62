/**
 * The server's database socket, in process: a PGlite, the app's Kysely dialect and the socket
 * server sharing one mutex, and node-postgres clients connecting over the socket.
 *
 * The first part is a contract: the same client script gives the same outcome through the socket
 * (pglite run) as on a real PostgreSQL 15 server (postgres run) — transactions, errors, rollbacks,
 * types. The rest is what only the socket has: the shared lock, cleanup after a client vanishes,
 * the idle-in-transaction timeout, the file's mode and path limit, and what PGlite cannot do.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors';
import {
	loadPgliteTemplate,
	openTestDatabase,
	testDatabaseKind,
	type TestDatabase
} from '../../../../tests/helpers/database';
import { openDatabase, type Database } from './database';
import { createMutex, type Mutex } from './mutex';
import { createPgliteDialect } from './pglite-dialect';
import {
	MAX_SOCKET_PATH_BYTES,
	SOCKET_PORT,
	socketFolderOf,
	socketPathOf,
	startSocketServer,
	type SocketServer
} from './socket-server';
import { typeParsers } from './type-parsers';

const kind = testDatabaseKind();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scratch table outside the schema
type Scratch = Kysely<any>;

/** Waits (polling, never asserting a duration) until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
	for (let i = 0; !condition(); i++) {
		if (i > 3000) throw new Error(`Gave up waiting until ${what}.`);
		await sleep(10);
	}
}

function tempDir(prefix: string): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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

/** A PGlite in memory with the app's dialect and a socket server, sharing one mutex. */
interface PgliteRig {
	pglite: PGlite;
	mutex: Mutex;
	db: Scratch;
	dir: string;
	server: SocketServer;
	connect(options?: pg.ClientConfig): Promise<pg.Client>;
	close(): Promise<void>;
}

async function startRig(idleInTransactionTimeoutMs?: number): Promise<PgliteRig> {
	const pglite = await PGlite.create({ loadDataDir: loadPgliteTemplate(), parsers: typeParsers });
	const mutex = createMutex();
	const db: Scratch = new Kysely({ dialect: createPgliteDialect(pglite, mutex) });
	const dir = tempDir('cx-socket-');
	const server = await startSocketServer(pglite, mutex, dir, {
		...(idleInTransactionTimeoutMs ? { idleInTransactionTimeoutMs } : {})
	});
	if (!server) throw new Error('no socket');
	const clients: pg.Client[] = [];
	return {
		pglite,
		mutex,
		db,
		dir,
		server,
		async connect(options = {}) {
			const client = new pg.Client({
				host: socketFolderOf(dir),
				port: SOCKET_PORT,
				user: 'cx',
				database: 'cx',
				...options
			});
			client.on('error', () => undefined);
			await client.connect();
			clients.push(client);
			return client;
		},
		async close() {
			await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
			await server.close();
			await db.destroy();
			fs.rmSync(dir, { recursive: true, force: true });
		}
	};
}

/**
 * The contract's two sides: the app's Kysely and a way to connect a client — over the socket, or
 * straight to the PostgreSQL server — and how to wait for an app statement that is either done
 * (PostgreSQL: different rows do not block) or queued on the shared lock (PGlite).
 */
interface Side {
	db: Scratch;
	connect(): Promise<pg.Client>;
	doneOrQueued(state: { settled: boolean }): Promise<void>;
	close(): Promise<void>;
}

async function openSide(): Promise<Side> {
	if (kind === 'pglite') {
		const rig = await startRig();
		return {
			db: rig.db,
			connect: () => rig.connect(),
			doneOrQueued: (state) =>
				until(() => state.settled || rig.mutex.waiting > 0, 'the app statement is queued'),
			close: () => rig.close()
		};
	}
	const database: TestDatabase = await openTestDatabase({ migrate: false });
	const clients: pg.Client[] = [];
	return {
		db: database.db as Scratch,
		async connect() {
			const client = new pg.Client({ connectionString: database.url });
			client.on('error', () => undefined);
			await client.connect();
			clients.push(client);
			return client;
		},
		doneOrQueued: (state) => until(() => state.settled, 'the app statement is done'),
		async close() {
			await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
			await database.close();
		}
	};
}

describe(`a client through the socket behaves as on PostgreSQL 15 (${kind})`, () => {
	let side: Side;
	let client: pg.Client;

	beforeAll(async () => {
		side = await openSide();
		await sql`create table socket_item (v text primary key)`.execute(side.db);
		client = await side.connect();
	});
	afterAll(() => side?.close());
	beforeEach(async () => {
		await sql`delete from socket_item`.execute(side.db);
	});

	async function values(): Promise<string[]> {
		const rows = await side.db.selectFrom('socket_item').select('v').orderBy('v').execute();
		return rows.map((r) => String(r.v));
	}

	it('answers simple and parameterised queries, with the same values', async () => {
		const simple = await client.query('select 1 + 1 as two, null::text as nothing');
		expect(simple.rows).toEqual([{ two: 2, nothing: null }]);
		const extended = await client.query(
			`select $1::int + 1 as n, $2::text as t, $3::timestamptz as at, $4::numeric as money`,
			[41, 'grüße', '2026-03-10T12:00:00Z', '1.10']
		);
		expect(extended.rows).toEqual([
			{ n: 42, t: 'grüße', at: new Date('2026-03-10T12:00:00Z'), money: '1.10' }
		]);
		const named = { name: 'cx-socket-test', text: 'select $1::int * 2 as doubled' };
		expect((await client.query({ ...named, values: [21] })).rows).toEqual([{ doubled: 42 }]);
		expect((await client.query({ ...named, values: [50] })).rows).toEqual([{ doubled: 100 }]);
		const multi = await client.query('select 1 as a; select 2 as b');
		expect(Array.isArray(multi) ? multi.map((r) => r.rows) : multi).toEqual([
			[{ a: 1 }],
			[{ b: 2 }]
		]);
	});

	it('reports an error with its SQLSTATE and stays usable', async () => {
		await expect(client.query('select 1 / 0')).rejects.toMatchObject({ code: '22012' });
		await expect(client.query('select $1::int / 0', [1])).rejects.toMatchObject({
			code: '22012'
		});
		expect((await client.query('select 7 as seven')).rows).toEqual([{ seven: 7 }]);
	});

	it('fails a transaction at its first error until ROLLBACK, which leaves nothing behind', async () => {
		await client.query('begin');
		await client.query(`insert into socket_item values ('kept?')`);
		await expect(
			client.query(`insert into socket_item values ($1)`, ['kept?'])
		).rejects.toMatchObject({ code: '23505' });
		await expect(client.query('select 1')).rejects.toMatchObject({ code: '25P02' });
		await client.query('rollback');
		expect(await values()).toEqual([]);
	});

	it('commits a client transaction for the app to see', async () => {
		await client.query('begin');
		await client.query(`insert into socket_item values ('client')`);
		await client.query('commit');
		expect(await values()).toEqual(['client']);
	});

	it('rolls back a client transaction without losing, or capturing, an app write made meanwhile', async () => {
		await client.query('begin isolation level repeatable read');
		await client.query(`insert into socket_item values ('client')`);
		const appWrite = watch(side.db.insertInto('socket_item').values({ v: 'app' }).execute());
		await side.doneOrQueued(appWrite);
		// the app's row is not part of the client's transaction (on PGlite it has not run yet)
		const inside = await client.query(`select v from socket_item order by v`);
		expect(inside.rows).toEqual([{ v: 'client' }]);
		await client.query('rollback');
		await appWrite.promise;
		expect(await values()).toEqual(['app']);
	});

	it('lets a rolled-back app transaction leave nothing for a client, and a client write survive it', async () => {
		let entered!: () => void;
		const inside = new Promise<void>((resolve) => (entered = resolve));
		let finish!: () => void;
		const finished = new Promise<void>((resolve) => (finish = resolve));
		const appTransaction = side.db.transaction().execute(async (trx) => {
			await trx.insertInto('socket_item').values({ v: 'app' }).execute();
			entered();
			await finished;
			throw new Error('roll back');
		});
		await inside;
		const clientWrite = watch(client.query(`insert into socket_item values ('client')`));
		await side.doneOrQueued(clientWrite);
		// on PGlite the client's statement waits for the app's transaction instead of entering it
		if (kind === 'pglite') expect(clientWrite.settled).toBe(false);
		finish();
		await expect(appTransaction).rejects.toThrow('roll back');
		await clientWrite.promise;
		expect(await values()).toEqual(['client']);
	});
});

if (kind === 'pglite') {
	describe('the shared lock', () => {
		let rig: PgliteRig;

		beforeAll(async () => {
			rig = await startRig();
			await sql`create table lock_item (v text primary key)`.execute(rig.db);
		});
		afterAll(() => rig?.close());
		beforeEach(async () => {
			await sql`delete from lock_item`.execute(rig.db);
		});

		async function values(): Promise<string[]> {
			const rows = await rig.db.selectFrom('lock_item').select('v').orderBy('v').execute();
			return rows.map((r) => String(r.v));
		}

		it('holds the lock from BEGIN to COMMIT and not between autocommit statements', async () => {
			const client = await rig.connect();
			await client.query('select 1');
			expect(rig.mutex.held, 'released after an autocommit statement').toBe(false);
			await client.query('begin');
			expect(rig.mutex.held, 'held inside a transaction').toBe(true);
			await client.query(`insert into lock_item values ('a')`);
			await expect(client.query('select 1 / 0')).rejects.toMatchObject({ code: '22012' });
			expect(rig.mutex.held, 'held in a failed transaction').toBe(true);
			await client.query('rollback');
			expect(rig.mutex.held, 'released after ROLLBACK').toBe(false);
			await client.end();
		});

		it('makes a second client wait for the first one’s transaction', async () => {
			const first = await rig.connect();
			const second = await rig.connect();
			await first.query('begin');
			await first.query(`insert into lock_item values ('first')`);
			const secondWrite = watch(second.query(`insert into lock_item values ('second')`));
			await until(() => rig.mutex.waiting > 0, "the second client's statement is queued");
			expect(secondWrite.settled).toBe(false);
			expect((await first.query('select v from lock_item')).rows).toEqual([{ v: 'first' }]);
			await first.query('rollback');
			await secondWrite.promise;
			expect(await values()).toEqual(['second']);
			await Promise.all([first.end(), second.end()]);
		});

		it('makes an app write wait for a client transaction instead of entering it', async () => {
			const client = await rig.connect();
			await client.query('begin');
			await client.query(`insert into lock_item values ('client')`);
			const appWrite = watch(rig.db.insertInto('lock_item').values({ v: 'app' }).execute());
			await until(() => rig.mutex.waiting > 0, 'the app write is queued');
			expect(appWrite.settled).toBe(false);
			await client.query('rollback');
			await appWrite.promise;
			expect(await values()).toEqual(['app']);
			await client.end();
		});

		it('rolls back and releases the lock when a client vanishes mid-transaction', async () => {
			const raw = new net.Socket();
			const client = await rig.connect({ stream: () => raw });
			await client.query('begin');
			await client.query(`insert into lock_item values ('vanished')`);
			const connections = rig.server.connections;
			raw.destroy();
			await until(() => rig.server.connections < connections, 'the server saw the client go');
			expect(rig.mutex.held).toBe(false);
			expect(await values()).toEqual([]);
			await rig.db.insertInto('lock_item').values({ v: 'after' }).execute();
			expect(await values()).toEqual(['after']);
		});

		it('rolls back and releases the lock when a client vanishes between Parse and Sync', async () => {
			const socket = await rawConnect(socketPathOf(rig.dir));
			let received = Buffer.alloc(0);
			socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
			socket.write(
				Buffer.concat([simpleQuery('begin'), simpleQuery("insert into lock_item values ('raw')")])
			);
			await until(() => countReady(received) === 2, 'both statements ran');
			// a Parse that fails puts the session into "skip until Sync"; the client never sends Sync
			socket.write(
				Buffer.concat([
					frontend('P', Buffer.concat([cString(''), cString('selec 1'), Buffer.from([0, 0])])),
					frontend('H', Buffer.alloc(0))
				])
			);
			await until(() => received.toString('latin1').includes('C42601'), 'the syntax error came');
			expect(rig.mutex.held).toBe(true);
			const connections = rig.server.connections;
			socket.destroy();
			await until(() => rig.server.connections < connections, 'the server saw the client go');
			expect(await values()).toEqual([]);
			expect((await sql<{ one: number }>`select 1 as one`.execute(rig.db)).rows).toEqual([
				{ one: 1 }
			]);
		});

		it('discards session settings a client made once it disconnects (they are shared until then)', async () => {
			const timeZone = async () =>
				(await sql<{ tz: string }>`select current_setting('TimeZone') as tz`.execute(rig.db))
					.rows[0]?.tz;
			const client = await rig.connect();
			await client.query(`set timezone = 'America/New_York'`);
			expect(await timeZone(), 'documented: one session, so a SET is shared').toBe(
				'America/New_York'
			);
			const connections = rig.server.connections;
			await client.end();
			await until(() => rig.server.connections < connections, 'the server cleaned up');
			expect(await timeZone()).toBe('UTC');
		});

		it('refuses COPY FROM STDIN with an error instead of stopping PGlite', async () => {
			const client = await rig.connect();
			await expect(client.query('copy lock_item from stdin')).rejects.toMatchObject({
				code: '0A000',
				message: expect.stringMatching(/^COPY FROM STDIN .* not supported/)
			});
			await client.query('begin');
			await client.query(`insert into lock_item values ('in copy transaction')`);
			await expect(client.query('copy lock_item (v) from stdin')).rejects.toMatchObject({
				code: '0A000'
			});
			await expect(client.query('commit')).resolves.toMatchObject({ command: 'ROLLBACK' });
			expect(await values()).toEqual([]);
			const copied = await client.query('copy (select 1) to stdout');
			expect(copied.command).toBe('COPY');
			await client.end();
		});

		it('closes a connection that sends an unknown message type, and PGlite keeps working', async () => {
			const socket = await rawConnect(socketPathOf(rig.dir));
			const answer = collect(socket);
			socket.write(frontend('z', Buffer.from('x')));
			const bytes = await answer;
			expect(bytes.subarray(0, 1).toString()).toBe('E');
			expect(bytes.toString('latin1')).toContain('C08P01');
			expect((await sql<{ one: number }>`select 1 as one`.execute(rig.db)).rows).toEqual([
				{ one: 1 }
			]);
			expect(rig.mutex.held).toBe(false);
		});
	});

	describe('the socket server', () => {
		it('ends a client idle in a transaction after the timeout, rolling back its work', async () => {
			const rig = await startRig(300);
			try {
				await sql`create table idle_item (v text)`.execute(rig.db);
				const client = await rig.connect();
				const failed = new Promise<Error>((resolve) => client.on('error', resolve));
				await client.query('begin');
				await client.query(`insert into idle_item values ('idle')`);
				const error = await failed;
				expect(error.message).toMatch(/idle-in-transaction timeout/);
				await until(() => rig.server.connections === 0, 'the server ended the connection');
				expect(rig.mutex.held).toBe(false);
				const rows = await rig.db.selectFrom('idle_item').selectAll().execute();
				expect(rows).toEqual([]);
			} finally {
				await rig.close();
			}
		});

		it('listens on an owner-only socket file in a 0700 folder, replaces a stale one and removes it at close', async () => {
			const dir = tempDir('cx-socket-file-');
			const pglite = await PGlite.create({ loadDataDir: loadPgliteTemplate() });
			try {
				fs.mkdirSync(socketFolderOf(dir), { mode: 0o755 });
				fs.writeFileSync(socketPathOf(dir), 'left by a crashed server');
				const server = await startSocketServer(pglite, createMutex(), dir);
				expect(server?.path).toBe(socketPathOf(dir));
				const stat = fs.statSync(socketPathOf(dir));
				expect(stat.isSocket()).toBe(true);
				expect((stat.mode & 0o777).toString(8)).toBe('600');
				expect((fs.statSync(socketFolderOf(dir)).mode & 0o777).toString(8)).toBe('700');
				await server?.close();
				expect(fs.existsSync(socketPathOf(dir))).toBe(false);
			} finally {
				await pglite.close();
				fs.rmSync(dir, { recursive: true, force: true });
			}
		});

		it('closes with a client mid-transaction, rolling it back', async () => {
			const rig = await startRig();
			try {
				await sql`create table closing_item (v text)`.execute(rig.db);
				const client = await rig.connect();
				await client.query('begin');
				await client.query(`insert into closing_item values ('open')`);
				await rig.server.close();
				expect(rig.mutex.held).toBe(false);
				expect(await rig.db.selectFrom('closing_item').selectAll().execute()).toEqual([]);
				await expect(client.query('select 1')).rejects.toThrow();
			} finally {
				await rig.close();
			}
		});

		it('runs without a socket, after one warning, when it cannot be created', async () => {
			const dir = tempDir('cx-socket-blocked-');
			fs.writeFileSync(socketFolderOf(dir), 'a file where the socket folder would be');
			const pglite = await PGlite.create({ loadDataDir: loadPgliteTemplate() });
			try {
				const warnings: string[] = [];
				const server = await startSocketServer(pglite, createMutex(), dir, {
					warn: (m) => warnings.push(m)
				});
				expect(server).toBeUndefined();
				expect(warnings).toEqual([
					expect.stringMatching(/^Warning: cannot listen on the database socket .*cx cannot reach/)
				]);
				expect((await pglite.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
			} finally {
				await pglite.close();
				fs.rmSync(dir, { recursive: true, force: true });
			}
		});

		it('runs without a socket, after one warning, when the path is too long for one', async () => {
			const base = tempDir('cx-socket-long-');
			const dir = path.join(base, 'x'.repeat(MAX_SOCKET_PATH_BYTES));
			const pglite = await PGlite.create({ loadDataDir: loadPgliteTemplate() });
			try {
				const warnings: string[] = [];
				const server = await startSocketServer(pglite, createMutex(), dir, {
					warn: (m) => warnings.push(m)
				});
				expect(server).toBeUndefined();
				expect(warnings).toHaveLength(1);
				expect(warnings[0]).toMatch(/too long for a Unix socket .* use a shorter CX_DATA_DIR/);
				expect(fs.existsSync(socketFolderOf(dir))).toBe(false);
			} finally {
				await pglite.close();
				fs.rmSync(base, { recursive: true, force: true });
			}
		});
	});

	describe('openDatabase beside a server holding the data folder', () => {
		let dir: string;
		let server: Database;

		beforeAll(async () => {
			dir = tempDir('cx-socket-open-');
			server = await openDatabase(
				{ kind: 'pglite', dataDir: dir },
				{ holder: 'server', loadDataDir: loadPgliteTemplate() }
			);
			await sql`create table open_item (v text)`.execute(server.db);
		});
		afterAll(async () => {
			await server?.close();
			fs.rmSync(dir, { recursive: true, force: true });
		});

		it('refuses, as before, while the server offers no socket', async () => {
			const opening = openDatabase({ kind: 'pglite', dataDir: dir }, { holder: 'metric' });
			await expect(opening).rejects.toBeInstanceOf(UserError);
			await expect(opening).rejects.toThrow(/in use by another process/);
		});

		it('goes through the server’s socket once it serves one', async () => {
			expect(await server.serveSocket?.()).toBe(socketPathOf(dir));
			const cli = await openDatabase({ kind: 'pglite', dataDir: dir }, { holder: 'metric' });
			try {
				expect(cli.throughServer).toEqual({ pid: process.pid });
				expect(cli.location).toBe(`${dir} (through the running server, pid ${process.pid})`);
				expect(cli.dumpDataDir).toBeUndefined();
				await (cli.db as Scratch).insertInto('open_item').values({ v: 'from cx' }).execute();
				const counted = await sql<{ n: number }>`select count(*) as n from open_item`.execute(
					cli.db
				);
				expect(counted.rows, 'int8 parsed to a number, as on the app side').toEqual([{ n: 1 }]);
			} finally {
				await cli.close();
			}
			const rows = await (server.db as Scratch).selectFrom('open_item').select('v').execute();
			expect(rows).toEqual([{ v: 'from cx' }]);
		});

		it('removes the socket when the server closes', async () => {
			await server.close();
			expect(fs.existsSync(socketPathOf(dir))).toBe(false);
		});
	});
}

// A few raw protocol messages, for what node-postgres would never send.

function cString(text: string): Buffer {
	return Buffer.concat([Buffer.from(text), Buffer.from([0])]);
}

function frontend(type: string, body: Buffer): Buffer {
	const header = Buffer.alloc(5);
	header.write(type, 0, 'latin1');
	header.writeInt32BE(4 + body.length, 1);
	return Buffer.concat([header, body]);
}

function simpleQuery(text: string): Buffer {
	return frontend('Q', cString(text));
}

/** Connects and completes the startup (up to the first ReadyForQuery). */
async function rawConnect(socketPath: string): Promise<net.Socket> {
	const socket = net.createConnection(socketPath);
	socket.on('error', () => undefined);
	await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
	const params = Buffer.concat([cString('user'), cString('cx'), Buffer.from([0])]);
	const startup = Buffer.alloc(8);
	startup.writeInt32BE(8 + params.length, 0);
	startup.writeInt32BE(196608, 4);
	socket.write(Buffer.concat([startup, params]));
	let received = Buffer.alloc(0);
	await new Promise<void>((resolve) => {
		const onData = (chunk: Buffer) => {
			received = Buffer.concat([received, chunk]);
			if (received.includes(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]))) {
				socket.off('data', onData);
				resolve();
			}
		};
		socket.on('data', onData);
	});
	return socket;
}

/** How many ReadyForQuery messages are in `bytes`. */
function countReady(bytes: Buffer): number {
	let count = 0;
	for (let offset = 0; offset + 5 <= bytes.length; offset += 1 + bytes.readInt32BE(offset + 1)) {
		if (bytes[offset] === 0x5a) count++;
	}
	return count;
}

/** Everything the server sends until it closes the connection. */
function collect(socket: net.Socket): Promise<Buffer> {
	const chunks: Buffer[] = [];
	socket.on('data', (chunk: Buffer) => chunks.push(chunk));
	return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}
