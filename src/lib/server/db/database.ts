import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { describeDatabaseUrl, MEMORY, type DatabaseConfig } from '../config';
import { UserError } from '../errors';
import { acquireDataDirLock, findDataDirHolder, type DataDirLock } from './data-dir-lock';
import { createMutex } from './mutex';
import { createPgliteDialect } from './pglite-dialect';
import type { DB } from './schema';
import {
	SOCKET_PORT,
	socketFolderOf,
	socketPathOf,
	startSocketServer,
	type SocketServer,
	type SocketServerOptions
} from './socket-server';
import { typeParsers } from './type-parsers';

export interface Database {
	readonly db: Kysely<DB>;
	readonly kind: 'pglite' | 'postgres';
	/** Where the data lives, without credentials: a folder, 'memory', or host:port/db. */
	readonly location: string;
	/** PGlite only: the whole data folder as a gzipped tarball (what `cx backup` writes). */
	readonly dumpDataDir?: () => Promise<Blob>;
	/** Set when the data folder is reached through the socket of the server process that holds it. */
	readonly throughServer?: { pid: number };
	/**
	 * PGlite in a data folder, opened by the server: lets other processes (`cx`) reach this
	 * database through a Unix socket in the folder (see socket-server.ts) until `close()`. Returns
	 * the socket's path, or undefined (after a warning) when the path is too long for a socket or
	 * the socket cannot be created.
	 */
	readonly serveSocket?: (options?: SocketServerOptions) => Promise<string | undefined>;
	close(): Promise<void>;
}

export interface OpenOptions {
	/** Who holds the data folder's lock: 'server' or the CLI command. */
	holder?: string;
	/** PGlite only: start from this data-folder dump (tests use an empty template). */
	loadDataDir?: Blob;
	/** PGlite only: the data folder's lock, already held by the caller, who also releases it. */
	heldLock?: DataDirLock;
	warn?: (message: string) => void;
}

/** PGlite keeps its files in this sub-folder; the data folder itself also holds the lock. */
export const PGDATA = 'pgdata';

/**
 * Opens the database `config` names. A PGlite data folder held by a running server is reached
 * through that server's socket (for every holder but the server itself); held by anything else,
 * or by a server without a socket, it is refused with one sentence, as before.
 */
export async function openDatabase(
	config: DatabaseConfig,
	options: OpenOptions = {}
): Promise<Database> {
	if (config.kind === 'postgres') return openPostgres(config.url, config.poolSize);
	const holder = options.holder ?? 'server';
	if (
		config.dataDir !== MEMORY &&
		holder !== 'server' &&
		!options.heldLock &&
		!options.loadDataDir
	) {
		const through = await openThroughServer(config.dataDir);
		if (through) return through;
	}
	return openPglite(config.dataDir, options);
}

async function openPostgres(url: string, poolSize = 10): Promise<Database> {
	const location = describeDatabaseUrl(url);
	const pool = createPool({ connectionString: url, max: poolSize });
	try {
		const client = await pool.connect();
		client.release();
	} catch (error) {
		await pool.end().catch(() => undefined);
		throw new UserError(
			`Cannot reach the PostgreSQL server at ${location} (DATABASE_URL): ${connectionReason(error)}.`
		);
	}
	const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
	return { db, kind: 'postgres', location, close: () => db.destroy() };
}

function createPool(config: pg.PoolConfig): pg.Pool {
	const pool = new pg.Pool({
		connectionTimeoutMillis: 10_000,
		types: { getTypeParser: getPgTypeParser },
		...config
	});
	pool.on('error', () => {
		// an idle client lost its connection; the next query reports it, the process lives on
	});
	// A client checked out (mid-transaction, say) when its connection dies emits 'error' on itself,
	// not on the pool: unheard, that ends the process. Its query reports the failure instead.
	pool.on('connect', (client) => {
		client.on('error', () => undefined);
	});
	return pool;
}

/**
 * The database of a data folder that a live server holds, through the server's socket; undefined
 * when no live server holds it or its socket does not answer (the caller then tries the lock).
 * One connection: like the app's own PGlite session, one transaction at a time.
 */
async function openThroughServer(dataDir: string): Promise<Database | undefined> {
	const owner = findDataDirHolder(dataDir);
	if (owner?.holder !== 'server' || !isSocket(socketPathOf(dataDir))) return undefined;
	const pool = createPool({
		host: socketFolderOf(dataDir),
		port: SOCKET_PORT,
		user: 'cx',
		database: 'cx',
		ssl: false,
		max: 1
	});
	try {
		const client = await pool.connect();
		client.release();
	} catch {
		await pool.end().catch(() => undefined);
		return undefined;
	}
	const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
	return {
		db,
		kind: 'pglite',
		location: `${dataDir} (through the running server, pid ${owner.pid})`,
		throughServer: { pid: owner.pid },
		close: () => db.destroy()
	};
}

function isSocket(file: string): boolean {
	try {
		return fs.statSync(file).isSocket();
	} catch {
		return false;
	}
}

const getPgTypeParser = ((oid: number, format?: 'text' | 'binary') => {
	const parser = typeParsers[oid];
	if (parser && format !== 'binary') return parser;
	return format ? pg.types.getTypeParser(oid, format) : pg.types.getTypeParser(oid);
}) as typeof pg.types.getTypeParser;

async function openPglite(dataDir: string, options: OpenOptions): Promise<Database> {
	let lock: DataDirLock | undefined;
	let pgdata: string | undefined;
	let client: PGlite;
	try {
		if (dataDir !== MEMORY) {
			lock = options.heldLock
				? undefined
				: acquireDataDirLock(dataDir, options.holder ?? 'server', options.warn);
			pgdata = path.join(dataDir, PGDATA);
			fs.mkdirSync(pgdata, { recursive: true, mode: 0o700 });
		}
		client = await PGlite.create({
			...(pgdata ? { dataDir: pgdata } : {}),
			...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
			parsers: typeParsers
		});
	} catch (error) {
		lock?.release();
		if (error instanceof UserError) throw error;
		const reason = error instanceof Error ? error.message : String(error);
		throw new UserError(`Cannot open the embedded database in ${pgdata ?? 'memory'}: ${reason}.`);
	}
	// One mutex for the app's transactions and the socket's clients: PGlite is one session.
	const mutex = createMutex();
	const db = new Kysely<DB>({ dialect: createPgliteDialect(client, mutex) });
	let socket: Promise<SocketServer | undefined> | undefined;
	let closed = false;
	return {
		db,
		kind: 'pglite',
		location: dataDir === MEMORY ? 'memory' : dataDir,
		dumpDataDir: () => client.dumpDataDir('gzip'),
		...(dataDir === MEMORY
			? {}
			: {
					async serveSocket(socketOptions: SocketServerOptions = {}) {
						if (closed) throw new Error('The database is closed.');
						socket ??= startSocketServer(client, mutex, dataDir, {
							...(options.warn ? { warn: options.warn } : {}),
							...socketOptions
						});
						return (await socket)?.path;
					}
				}),
		async close() {
			if (closed) return;
			closed = true;
			try {
				const server = await socket?.catch(() => undefined);
				await server?.close();
				await db.destroy();
			} finally {
				lock?.release();
			}
		}
	};
}

/** Why a PostgreSQL server could not be reached, in words (never the URL or its password). */
export function connectionReason(error: unknown): string {
	if (error && typeof error === 'object' && 'code' in error) {
		const code = String(error.code);
		if (code === 'ECONNREFUSED') return 'the connection was refused';
		if (code === 'ENOTFOUND') return 'the host name is unknown';
		if (code === 'ETIMEDOUT') return 'the connection timed out';
		if (code === '28P01' || code === '28000') return 'the user name or password was not accepted';
		if (code === '3D000') return 'the database does not exist';
	}
	const message = error instanceof Error ? error.message : String(error);
	return message.replace(/\s+/g, ' ').replace(/\.$/, '');
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function isDatabaseAnswering(db: Kysely<DB>, timeoutMs = 2000): Promise<boolean> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<false>((resolve) => {
		timer = setTimeout(() => resolve(false), timeoutMs);
	});
	const query = sql`select 1 as ok`
		.execute(db)
		.then(() => true)
		.catch(() => false);
	try {
		return await Promise.race([query, timeout]);
	} finally {
		clearTimeout(timer);
	}
}
