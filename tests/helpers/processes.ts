/**
 * Runs the built CLI (build-cli/cli.js) and the built server (build/) as child processes, each
 * against its own database: a PGlite data folder on the 'pglite' run, a scratch PostgreSQL database
 * on the 'postgres' run. Every child started here is remembered so that `stopAllChildren()` (in an
 * afterAll) can end the ones a failing test left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, inject } from 'vitest';
import { createScratchDatabase } from '../setup/postgres-server';
import { testDatabaseKind, type TestDatabaseKind } from './database';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'build-cli', 'cli.js');
export const SERVER = path.join(ROOT, 'build');

/** Variables that would point a child at some other database or address than the test's. */
const INHERITED_SETTINGS = [
	'DATABASE_URL',
	'CX_DATA_DIR',
	'CX_DEBUG',
	'PORT',
	'HOST',
	'ORIGIN',
	'SHUTDOWN_TIMEOUT',
	'CX_DEMO',
	'CX_DEMO_USERS',
	'CX_DEMO_CUSTOMERS'
];

/** This process's environment without any database or address setting, in UTC, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = { ...process.env };
	for (const name of INHERITED_SETTINGS) delete env[name];
	// A known admin password: no initial-credentials.txt is written into the working tree when
	// a server runs on DATABASE_URL.
	// No demo company unless a test asks for one (CX_DEMO: '1'): most tests bring their own data.
	// No scheduled model fits either (CX_MODEL_FITS: '1' for the test of them): a fit in the
	// background would load the machine under the timing-sensitive browser tests.
	return {
		...env,
		TZ: 'UTC',
		CX_ADMIN_PASSWORD: 'test admin password',
		CX_DEMO: '0',
		CX_MODEL_FITS: '0',
		...extra
	};
}

export function makeTempDir(prefix: string): string {
	return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Where one test's child processes keep their data, named by environment variables. */
export interface DataTarget {
	kind: TestDatabaseKind;
	/** `CX_DATA_DIR` (pglite) or `DATABASE_URL` (postgres). */
	env: Record<string, string>;
	/** The PGlite data folder (pglite run only). */
	dataDir?: string;
	/** The scratch database's connection URL (postgres run only). */
	url?: string;
	/** The scratch database's name (postgres run only). */
	databaseName?: string;
	dispose(): Promise<void>;
}

/** A new, empty database: a fresh temp folder (PGlite runs initdb on first open) or scratch db. */
export async function createDataTarget(): Promise<DataTarget> {
	const kind = testDatabaseKind();
	if (kind === 'pglite') {
		const dataDir = makeTempDir('cx-data-');
		return {
			kind,
			env: { CX_DATA_DIR: dataDir },
			dataDir,
			async dispose() {
				fs.rmSync(dataDir, { recursive: true, force: true });
			}
		};
	}
	const scratch = await createScratchDatabase(inject('postgresAdminUrl'));
	return {
		kind,
		env: { DATABASE_URL: scratch.url },
		url: scratch.url,
		databaseName: decodeURIComponent(new URL(scratch.url).pathname.slice(1)),
		dispose: () => scratch.drop()
	};
}

export interface ExitResult {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
	/** Milliseconds from spawning (or from the stop signal, for `stop()`) to the exit. */
	ms: number;
}

const children = new Set<ChildProcess>();

interface Spawned {
	child: ChildProcess;
	output(): { stdout: string; stderr: string };
	/** Settles once the process has exited and its output is closed. */
	exited: Promise<ExitResult>;
}

function spawnNode(args: string[], env: NodeJS.ProcessEnv, input?: string): Spawned {
	const started = performance.now();
	const child = spawn(process.execPath, args, {
		cwd: ROOT,
		env,
		stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
	});
	if (input !== undefined) child.stdin?.end(input);
	children.add(child);
	let stdout = '';
	let stderr = '';
	child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
	child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
	const exited = new Promise<ExitResult>((resolve, reject) => {
		child.once('error', (error) => {
			children.delete(child);
			reject(error);
		});
		child.once('close', (code, signal) => {
			children.delete(child);
			resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
		});
	});
	return { child, output: () => ({ stdout, stderr }), exited };
}

/** Runs `node <args>` to its end (killed after `timeoutMs`) and returns its exit and output. */
export async function runNode(
	args: string[],
	env: NodeJS.ProcessEnv,
	timeoutMs = 60_000,
	input?: string
): Promise<ExitResult> {
	const { child, exited } = spawnNode(args, env, input);
	const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
	try {
		return await exited;
	} finally {
		clearTimeout(timer);
	}
}

/** Runs the built CLI: `node build-cli/cli.js <args>`, with `input` on its standard input. */
export function runCli(
	args: string[],
	env: NodeJS.ProcessEnv,
	input?: string
): Promise<ExitResult> {
	return runNode([CLI, ...args], env, 60_000, input);
}

/** A TCP port that nothing listens on right now. */
export async function freePort(): Promise<number> {
	return new Promise<number>((resolve, reject) => {
		const probe = net.createServer();
		probe.unref();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}

export interface ServerProcess {
	child: ChildProcess;
	pid: number;
	port: number;
	/** http://127.0.0.1:<port> */
	url: string;
	output(): { stdout: string; stderr: string };
	exited: Promise<ExitResult>;
	/** True once the process has exited. */
	hasExited(): boolean;
	/** Sends `signal` and waits for the exit (SIGKILL after `graceMs`); `ms` counts from the signal. */
	stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitResult & { killed: boolean }>;
}

/**
 * Starts `node build` on a free port of 127.0.0.1 (HOST and ORIGIN set) without waiting for it to
 * answer; with `npmStart`, runs `scripts/start.js` as `npm start` does, with only PORT (and `host`,
 * if given) set, as a new user would.
 */
export async function spawnServer(
	env: NodeJS.ProcessEnv,
	{ npmStart = false, host }: { npmStart?: boolean; host?: string } = {}
): Promise<ServerProcess> {
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const spawned = npmStart
		? spawnNode([path.join(ROOT, 'scripts', 'start.js')], {
				...env,
				PORT: String(port),
				...(host ? { HOST: host } : {})
			})
		: spawnNode([SERVER], { ...env, PORT: String(port), HOST: '127.0.0.1', ORIGIN: url });
	let exited = false;
	void spawned.exited.then(
		() => (exited = true),
		() => (exited = true)
	);
	const server: ServerProcess = {
		child: spawned.child,
		pid: spawned.child.pid ?? -1,
		port,
		url,
		output: spawned.output,
		exited: spawned.exited,
		hasExited: () => exited,
		async stop(signal = 'SIGTERM', graceMs = 10_000) {
			if (exited) return { ...(await spawned.exited), ms: 0, killed: false };
			const sent = performance.now();
			spawned.child.kill(signal);
			let killed = false;
			const timer = setTimeout(() => {
				killed = true;
				spawned.child.kill('SIGKILL');
			}, graceMs);
			try {
				const result = await spawned.exited;
				return { ...result, ms: performance.now() - sent, killed };
			} finally {
				clearTimeout(timer);
			}
		}
	};
	return server;
}

/** Starts the built server and waits until `GET /healthz` answers 200. */
export async function startServer(
	env: NodeJS.ProcessEnv,
	timeoutMs = 60_000,
	options: { npmStart?: boolean; host?: string } = {}
): Promise<ServerProcess> {
	const server = await spawnServer(env, options);
	try {
		await waitForHealth(server, timeoutMs);
	} catch (error) {
		await server.stop('SIGKILL');
		throw error;
	}
	return server;
}

async function waitForHealth(server: ServerProcess, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let last = 'no answer';
	while (Date.now() < deadline) {
		if (server.hasExited()) {
			const result = await server.exited;
			throw new Error(
				`The server exited (code ${result.code}, signal ${result.signal}) before /healthz answered:\n${result.stderr}${result.stdout}`
			);
		}
		try {
			const response = await fetch(`${server.url}/healthz`, {
				signal: AbortSignal.timeout(5000)
			});
			await response.arrayBuffer();
			if (response.status === 200) return;
			last = `status ${response.status}`;
		} catch (error) {
			last = error instanceof Error ? error.message : String(error);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	const { stdout, stderr } = server.output();
	throw new Error(
		`/healthz did not answer 200 within ${timeoutMs} ms (${last}):\n${stderr}${stdout}`
	);
}

/** Ends (SIGKILL) every child these helpers started that is still running. */
export async function stopAllChildren(): Promise<void> {
	const running = [...children];
	await Promise.all(
		running.map(
			(child) =>
				new Promise<void>((resolve) => {
					if (child.exitCode !== null || child.signalCode !== null) return resolve();
					child.once('close', () => resolve());
					child.kill('SIGKILL');
				})
		)
	);
}

/** The pid of a process that has exited: no process runs under it now. */
export async function deadPid(): Promise<number> {
	const { child, exited } = spawnNode(['-e', '0'], childEnv());
	const pid = child.pid;
	await exited;
	if (pid === undefined) throw new Error('`node -e 0` got no pid.');
	return pid;
}

/**
 * Asserts that `text` is one clear sentence for a person: one line, ending with a full stop, no
 * second sentence, no stack trace, not the catch-all "cx failed:" of an unexpected error.
 */
export function expectOneSentence(text: string, pattern?: RegExp): void {
	const sentence = text.trim();
	expect(sentence, 'no stack trace').not.toContain('    at ');
	expect(sentence, 'one line').not.toContain('\n');
	expect(sentence, 'a sentence ending with a full stop').toMatch(/^\S.{10,}\.$/);
	expect(sentence, 'a single sentence').not.toMatch(/[.!?]['"]?\s+[A-Z]/);
	expect(sentence, 'an expected failure, not the catch-all').not.toMatch(/^cx failed/);
	if (pattern) expect(sentence).toMatch(pattern);
}
