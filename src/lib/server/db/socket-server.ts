/**
 * While the server holds a PGlite data folder, other processes of the same user (`cx`) reach its
 * database through a Unix socket in that folder — never a TCP port — speaking the PostgreSQL wire
 * protocol, so node-postgres connects to it as to a server.
 *
 * PGlite is ONE Postgres session. Every socket connection therefore takes the same mutex as the
 * app's Kysely dialect, from the first message of a cycle until a ReadyForQuery that says the
 * session is idle ('I'): a client's BEGIN … COMMIT/ROLLBACK holds the lock throughout, so no app
 * query can slip into the client's transaction, nor a client statement into the app's.
 *
 * What a client may leave behind in the shared session: session-level settings (SET, set_config
 * without `local`), named prepared statements, cursors declared WITH HOLD, temporary tables and
 * LISTENs stay visible to the app for as long as that client is connected; they are discarded
 * (DISCARD ALL) when it disconnects. `cx` itself changes none of them. Not supported: COPY FROM
 * STDIN and COPY … PROGRAM (PGlite cannot wait for data from a client and stops), cancel requests,
 * replication, and message types node-postgres and psql do not send for queries.
 */
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Mutex } from './mutex';

/** node-postgres and libpq connect to `<host folder>/.s.PGSQL.<port>`. */
export const SOCKET_PORT = 5432;
export const SOCKET_FOLDER = 'run';
export const SOCKET_FILE = `.s.PGSQL.${SOCKET_PORT}`;

/** sun_path holds 108 bytes on Linux (104 on macOS and the BSDs), the terminating NUL included. */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** How long a client may hold the shared lock while sending nothing (e.g. idle in a transaction). */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/** The folder node-postgres is given as `host`. */
export function socketFolderOf(dataDir: string): string {
	return path.join(dataDir, SOCKET_FOLDER);
}

export function socketPathOf(dataDir: string): string {
	return path.join(socketFolderOf(dataDir), SOCKET_FILE);
}

export interface SocketServerOptions {
	idleInTransactionTimeoutMs?: number;
	warn?: (message: string) => void;
}

export interface SocketServer {
	readonly path: string;
	/** Open client connections. */
	readonly connections: number;
	/** Stops listening, ends every connection (rolling back what it held) and removes the socket. */
	close(): Promise<void>;
}

/**
 * Listens on `<dataDir>/run/.s.PGSQL.5432` (mode 0600, in a 0700 folder). Returns undefined, after
 * one warning, when that path is too long for a Unix socket or the socket cannot be created; the
 * app then runs without it.
 * The caller must hold the data folder's lock, so any socket file already there is stale.
 */
export async function startSocketServer(
	client: PGlite,
	mutex: Mutex,
	dataDir: string,
	options: SocketServerOptions = {}
): Promise<SocketServer | undefined> {
	const warn = options.warn ?? ((message: string) => console.warn(message));
	const socketPath = socketPathOf(dataDir);
	if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
		warn(
			`Warning: the data folder's path is too long for a Unix socket (${Buffer.byteLength(socketPath)} bytes in ${socketPath}, at most ${MAX_SOCKET_PATH_BYTES}), so cx cannot reach the database while the server runs; use a shorter CX_DATA_DIR to allow it.`
		);
		return undefined;
	}
	let server: net.Server;
	const open = new Set<Connection>();
	try {
		server = await listen(client, mutex, socketPath, open, options);
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		warn(
			`Warning: cannot listen on the database socket ${socketPath} (${reason}), so cx cannot reach the database while the server runs.`
		);
		return undefined;
	}

	let closing: Promise<void> | undefined;
	return {
		path: socketPath,
		get connections() {
			return open.size;
		},
		close() {
			closing ??= (async () => {
				const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
				await Promise.all([...open].map((connection) => connection.end()));
				await stopped;
				fs.rmSync(socketPath, { force: true });
			})();
			return closing;
		}
	};
}

/** Creates the socket (replacing a stale one) and serves connections into `open`. */
async function listen(
	client: PGlite,
	mutex: Mutex,
	socketPath: string,
	open: Set<Connection>,
	options: SocketServerOptions
): Promise<net.Server> {
	const folder = path.dirname(socketPath);
	fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
	fs.chmodSync(folder, 0o700);
	fs.rmSync(socketPath, { force: true });
	const parameters = await readParameters(client, mutex);
	const timeoutMs = options.idleInTransactionTimeoutMs ?? IDLE_IN_TRANSACTION_TIMEOUT_MS;
	let nextId = 1;
	const server = net.createServer((socket) => {
		const connection = createConnection(socket, {
			client,
			mutex,
			parameters,
			timeoutMs,
			id: nextId++,
			onClosed: () => open.delete(connection)
		});
		open.add(connection);
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(socketPath, () => {
			server.off('error', reject);
			resolve();
		});
	});
	// The 0700 folder keeps others out during the moment before this chmod.
	fs.chmodSync(socketPath, 0o600);
	server.on('error', (error) =>
		(options.warn ?? console.warn)(`The database socket ${socketPath} failed: ${error.message}`)
	);
	return server;
}

interface Connection {
	/** Ends the connection and waits until what it held is rolled back and the lock released. */
	end(): Promise<void>;
}

interface ConnectionContext {
	client: PGlite;
	mutex: Mutex;
	parameters: [string, string][];
	timeoutMs: number;
	id: number;
	onClosed: () => void;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 3;
/** A startup packet or message larger than this is not from a well-behaved client. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;
/** Frontend messages of the simple and extended query protocols (Terminate is handled here). */
const QUERY_MESSAGES = new Set(['Q', 'P', 'B', 'E', 'D', 'C', 'S', 'H']);
/** Statements that would make PGlite wait for input it cannot get: it stops or loses its state. */
const UNSUPPORTED_COPY = /\bcopy\b[\s\S]*\b(?:stdin|program)\b/i;

function createConnection(socket: net.Socket, context: ConnectionContext): Connection {
	const { client, mutex } = context;
	let input: Buffer = Buffer.alloc(0);
	let started = false;
	/** Set once the client is gone or must go; the pump then cleans up and stops. */
	let closing = false;
	let busy = false;
	let release: (() => void) | undefined;
	/** Whether anything was run on the shared session (it is then reset at the end). */
	let used = false;
	/** Messages were sent and the cycle's ReadyForQuery has not come back yet. */
	let inCycle = false;
	let status: 'I' | 'T' | 'E' = 'I';
	let idleTimer: NodeJS.Timeout | undefined;
	let resolveEnded!: () => void;
	const ended = new Promise<void>((resolve) => (resolveEnded = resolve));

	const send = (data: Uint8Array) => {
		if (!socket.destroyed && socket.writable) socket.write(data);
	};

	/** Flushes what was sent and closes; a client that does not close its end is cut off. */
	const endSocket = () => {
		if (socket.destroyed) return;
		socket.end();
		setTimeout(() => socket.destroy(), 1000).unref();
	};

	const stopIdleTimer = () => {
		clearTimeout(idleTimer);
		idleTimer = undefined;
	};

	const startIdleTimer = () => {
		stopIdleTimer();
		idleTimer = setTimeout(() => {
			idleTimer = undefined;
			if (closing || busy || !release) return;
			send(
				errorResponse(
					'FATAL',
					'25P03',
					`terminating connection due to idle-in-transaction timeout (${Math.round(context.timeoutMs / 1000)} s holding the shared database lock)`
				)
			);
			endSocket();
			close();
		}, context.timeoutMs);
		idleTimer.unref();
	};

	const close = () => {
		if (closing) return;
		closing = true;
		stopIdleTimer();
		void pump();
	};

	/** Rolls back whatever the client left open, resets the session and releases the lock. */
	const cleanUp = async () => {
		try {
			if (used && !client.closed) {
				release ??= await mutex.lock();
				if (!client.closed) {
					// Sync ends an unfinished extended-protocol cycle, even one skipping to Sync after an
					// error, and reports whether a transaction is still open.
					const state = lastReadyStatus(await client.execProtocolRaw(message('S')));
					if (state !== 'I') await client.execProtocolRaw(simpleQuery('rollback'));
					await client.execProtocolRaw(simpleQuery('discard all'));
				}
			}
		} catch {
			// PGlite closed under us: nothing is left to roll back
		} finally {
			release?.();
			release = undefined;
			endSocket();
			context.onClosed();
			resolveEnded();
		}
	};

	const pump = async (): Promise<void> => {
		if (busy) return;
		busy = true;
		try {
			for (;;) {
				if (closing) {
					await cleanUp();
					return;
				}
				if (!started) {
					if (!handleStartup()) return;
					continue;
				}
				const batch = takeMessages();
				if (batch === 'invalid') {
					send(errorResponse('FATAL', '08P01', 'invalid frontend message'));
					endSocket();
					closing = true;
					continue;
				}
				if (batch === 'terminate') {
					closing = true;
					continue;
				}
				if (!batch) return;
				stopIdleTimer();
				if (!release) release = await mutex.lock();
				if (closing) continue;
				used = true;
				let output: Uint8Array;
				try {
					output = await client.execProtocolRaw(batch);
				} catch (error) {
					const reason = error instanceof Error ? error.message : String(error);
					send(errorResponse('FATAL', '58000', `the embedded database failed: ${reason}`));
					endSocket();
					closing = true;
					continue;
				}
				send(output);
				const state = lastReadyStatus(output);
				if (state) {
					status = state;
					inCycle = false;
				} else {
					inCycle = true;
				}
				if (!inCycle && status === 'I' && !hasCompleteMessage()) {
					release();
					release = undefined;
				} else if (!hasCompleteMessage()) {
					startIdleTimer();
				}
			}
		} finally {
			busy = false;
		}
	};

	/** Answers SSL/GSS requests and the startup packet; false when more bytes are needed. */
	const handleStartup = (): boolean => {
		if (input.length < 8) return false;
		const length = input.readInt32BE(0);
		if (length < 8 || length > 10_000) {
			endSocket();
			closing = true;
			return true;
		}
		if (input.length < length) return false;
		const packet = input.subarray(0, length);
		input = input.subarray(length);
		const code = packet.readInt32BE(4);
		if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
			send(Buffer.from('N'));
			return true;
		}
		if (code === CANCEL_REQUEST || code >> 16 !== PROTOCOL_3) {
			if (code !== CANCEL_REQUEST) {
				send(errorResponse('FATAL', '0A000', 'unsupported frontend protocol'));
			}
			endSocket();
			closing = true;
			return true;
		}
		started = true;
		const parts: Buffer[] = [];
		const minor = code & 0xffff;
		if (minor !== 0) {
			const body = Buffer.alloc(8);
			body.writeInt32BE(0, 0);
			body.writeInt32BE(0, 4);
			parts.push(message('v', body));
		}
		parts.push(message('R', int32(0)));
		for (const [name, value] of context.parameters) {
			parts.push(message('S', Buffer.concat([cString(name), cString(value)])));
		}
		parts.push(message('K', Buffer.concat([int32(context.id), int32(randomInt(2 ** 31))])));
		parts.push(readyForQuery('I'));
		send(Buffer.concat(parts));
		return true;
	};

	const hasCompleteMessage = (): boolean =>
		input.length >= 5 && input.length >= 1 + input.readInt32BE(1);

	/**
	 * Every complete message in the input, up to a Terminate. A statement PGlite cannot run safely
	 * is replaced by one that raises an error, so the client sees an ordinary error (and an open
	 * transaction fails) exactly as PostgreSQL would report one.
	 */
	const takeMessages = (): Buffer | 'terminate' | 'invalid' | undefined => {
		let offset = 0;
		const parts: Buffer[] = [];
		while (input.length - offset >= 5) {
			const type = String.fromCharCode(input[offset] as number);
			const length = input.readInt32BE(offset + 1);
			if (length < 4 || length > MAX_MESSAGE_BYTES) return 'invalid';
			if (input.length - offset < 1 + length) break;
			if (type === 'X') {
				if (offset === 0) return 'terminate';
				break;
			}
			if (!QUERY_MESSAGES.has(type)) return 'invalid';
			const whole = input.subarray(offset, offset + 1 + length);
			parts.push(type === 'Q' || type === 'P' ? refuseUnsupported(type, whole) : whole);
			offset += 1 + length;
		}
		if (offset === 0) return undefined;
		input = input.subarray(offset);
		return Buffer.concat(parts);
	};

	socket.on('data', (chunk: Buffer) => {
		input = input.length ? Buffer.concat([input, chunk]) : chunk;
		void pump();
	});
	socket.on('error', () => close());
	socket.on('close', () => close());

	return {
		end() {
			endSocket();
			close();
			return ended;
		}
	};
}

const COPY_REFUSED =
	'COPY FROM STDIN and COPY with PROGRAM are not supported through the command center server; use INSERT, or stop the server and run the command again';

/** A Query or Parse message, or the same message with a statement raising COPY_REFUSED. */
function refuseUnsupported(type: 'Q' | 'P', whole: Buffer): Buffer {
	const body = whole.subarray(5);
	const nameEnd = type === 'P' ? body.indexOf(0) + 1 : 0;
	const textEnd = body.indexOf(0, nameEnd);
	const text = body.subarray(nameEnd, textEnd).toString('utf8');
	if (!UNSUPPORTED_COPY.test(text)) return whole;
	const raise = cString(
		`do $cx$ begin raise exception using errcode = 'feature_not_supported', message = '${COPY_REFUSED}'; end $cx$`
	);
	if (type === 'Q') return message('Q', raise);
	// a Parse without parameter types; a Bind with values then fails too, which is just as well
	return message('P', Buffer.concat([body.subarray(0, nameEnd), raise, Buffer.from([0, 0])]));
}

/** The session parameters a server reports at startup, read once from PGlite. */
async function readParameters(client: PGlite, mutex: Mutex): Promise<[string, string][]> {
	const names = [
		'server_version',
		'server_encoding',
		'client_encoding',
		'DateStyle',
		'IntervalStyle',
		'TimeZone',
		'integer_datetimes',
		'standard_conforming_strings'
	];
	const release = await mutex.lock();
	try {
		const columns = names.map((name, i) => `current_setting('${name}') as p${i}`).join(', ');
		const result = await client.query<Record<string, string>>(`select ${columns}`);
		const row = result.rows[0] ?? {};
		return names.map((name, i): [string, string] => [name, String(row[`p${i}`] ?? '')]);
	} finally {
		release();
	}
}

function int32(value: number): Buffer {
	const buffer = Buffer.alloc(4);
	buffer.writeInt32BE(value, 0);
	return buffer;
}

function cString(text: string): Buffer {
	return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);
}

function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
	const buffer = Buffer.alloc(5 + body.length);
	buffer.write(type, 0, 'latin1');
	buffer.writeInt32BE(4 + body.length, 1);
	body.copy(buffer, 5);
	return buffer;
}

function simpleQuery(text: string): Buffer {
	return message('Q', cString(text));
}

function readyForQuery(state: 'I' | 'T' | 'E'): Buffer {
	return message('Z', Buffer.from(state, 'latin1'));
}

function errorResponse(severity: 'ERROR' | 'FATAL', code: string, text: string): Buffer {
	return message(
		'E',
		Buffer.concat([
			Buffer.from('S'),
			cString(severity),
			Buffer.from('V'),
			cString(severity),
			Buffer.from('C'),
			cString(code),
			Buffer.from('M'),
			cString(text),
			Buffer.from([0])
		])
	);
}

/** The transaction status of the output's last message if it is a ReadyForQuery. */
function lastReadyStatus(output: Uint8Array): 'I' | 'T' | 'E' | undefined {
	let offset = 0;
	let last: 'I' | 'T' | 'E' | undefined;
	const view = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
	while (offset + 5 <= view.length) {
		const type = view[offset];
		const length = view.readInt32BE(offset + 1);
		last =
			type === 'Z'.charCodeAt(0) && length === 5
				? (String.fromCharCode(view[offset + 5] as number) as 'I' | 'T' | 'E')
				: undefined;
		offset += 1 + length;
	}
	return last;
}
