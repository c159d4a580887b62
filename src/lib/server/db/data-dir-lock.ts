import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

export const LOCK_FILE = 'cx.lock';

export interface LockOwner {
	pid: number;
	/** When the holding process started (ISO 8601); with the pid it names one process uniquely. */
	startedAt: string;
	/** What holds it: 'server' or the CLI command. */
	holder: string;
}

export interface DataDirLock {
	readonly owner: LockOwner;
	release(): void;
}

/**
 * Makes this process the only one using a data folder. The lock file names the holder by pid and
 * start time, so a lock left by a crashed process (or by a reused pid) is recognised as stale and
 * taken over with a warning, while a live holder is refused with one sentence.
 */
export function acquireDataDirLock(
	dir: string,
	holder: string,
	warn: (message: string) => void = (message) => console.warn(message)
): DataDirLock {
	ensureWritableDir(dir);
	const file = path.join(dir, LOCK_FILE);
	const owner: LockOwner = { pid: process.pid, startedAt: processStartTime(process.pid), holder };

	// Enough attempts to outlast the 2 s given to an unreadable (half-written) lock file, with room
	// to spare: at 100 the last attempt could be the one that removed it, and the take-over failed.
	for (let attempt = 0; attempt < 250; attempt++) {
		try {
			fs.writeFileSync(file, JSON.stringify(owner) + '\n', { flag: 'wx', mode: 0o600 });
			return {
				owner,
				release() {
					const current = readOwner(file);
					if (current?.pid === owner.pid && current.startedAt === owner.startedAt) {
						fs.rmSync(file, { force: true });
					}
				}
			};
		} catch (error) {
			if (errorCode(error) !== 'EEXIST') throw writeError(dir, error);
		}
		const existing = readOwner(file);
		if (existing && isRunning(existing)) {
			throw new UserError(
				`The data folder ${dir} is in use by another process (${describeHolder(existing)}, pid ${existing.pid}); stop it first or use another CX_DATA_DIR.`
			);
		}
		if (!existing && ageMs(file) < 2000) {
			sleep(20); // another process may be writing its lock file right now
			continue;
		}
		removeStaleLock(dir, file, existing, warn);
	}
	throw new UserError(`Could not lock the data folder ${dir}; another process keeps taking it.`);
}

/**
 * Removes a stale lock file, but only while holding a second, short-lived lock and only if the file
 * still names the same dead owner: two processes finding the same stale lock cannot both remove
 * it, nor can one remove the fresh lock the other has just written.
 */
function removeStaleLock(
	dir: string,
	file: string,
	stale: LockOwner | undefined,
	warn: (message: string) => void
): void {
	const takeover = `${file}.takeover`;
	try {
		fs.writeFileSync(takeover, String(process.pid), { flag: 'wx', mode: 0o600 });
	} catch (error) {
		if (errorCode(error) !== 'EEXIST') throw writeError(dir, error);
		if (ageMs(takeover) > 10_000) fs.rmSync(takeover, { force: true });
		else sleep(20);
		return;
	}
	try {
		const current = readOwner(file);
		const unchanged = stale
			? current?.pid === stale.pid && current.startedAt === stale.startedAt
			: current === undefined;
		if (!unchanged) return;
		warn(
			stale
				? `Taking over a stale lock on ${dir} left by ${describeHolder(stale)} (pid ${stale.pid}, started ${stale.startedAt}), which is no longer running.`
				: `Taking over an unreadable lock file in ${dir}.`
		);
		fs.rmSync(file, { force: true });
	} finally {
		fs.rmSync(takeover, { force: true });
	}
}

function ageMs(file: string): number {
	try {
		return Date.now() - fs.statSync(file).mtimeMs;
	} catch {
		return Number.POSITIVE_INFINITY;
	}
}

function sleep(ms: number): void {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Who holds the folder right now, if anyone alive does. */
export function findDataDirHolder(dir: string): LockOwner | undefined {
	const owner = readOwner(path.join(dir, LOCK_FILE));
	return owner && isRunning(owner) ? owner : undefined;
}

function describeHolder(owner: LockOwner): string {
	return owner.holder === 'server' ? 'a running command center server' : `cx ${owner.holder}`;
}

function ensureWritableDir(dir: string): void {
	try {
		fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
		fs.accessSync(dir, fs.constants.W_OK | fs.constants.R_OK);
	} catch (error) {
		throw writeError(dir, error);
	}
}

function writeError(dir: string, error: unknown): Error {
	const code = errorCode(error);
	if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
		return new UserError(
			`The data folder ${dir} is not writable by this user; fix its permissions or set CX_DATA_DIR to another folder.`
		);
	}
	if (code === 'ENOTDIR' || code === 'EEXIST') {
		return new UserError(`The data folder ${dir} is not a folder; set CX_DATA_DIR to a folder.`);
	}
	return error instanceof Error ? error : new Error(String(error));
}

function readOwner(file: string): LockOwner | undefined {
	try {
		const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
		if (
			parsed &&
			typeof parsed === 'object' &&
			'pid' in parsed &&
			typeof parsed.pid === 'number' &&
			'startedAt' in parsed &&
			typeof parsed.startedAt === 'string'
		) {
			const holder = 'holder' in parsed && typeof parsed.holder === 'string' ? parsed.holder : '';
			return { pid: parsed.pid, startedAt: parsed.startedAt, holder };
		}
	} catch {
		// missing or torn file: treated as no owner
	}
	return undefined;
}

function isRunning(owner: LockOwner): boolean {
	try {
		process.kill(owner.pid, 0);
	} catch (error) {
		return errorCode(error) === 'EPERM';
	}
	const startedAt = processStartTime(owner.pid);
	if (!startedAt || !owner.startedAt) return true;
	return Math.abs(Date.parse(startedAt) - Date.parse(owner.startedAt)) < 2000;
}

/**
 * A process's start time. On Linux it is read from /proc the same way for every pid (so a pid
 * reused after a restart is told apart); elsewhere only our own start time is known.
 */
function processStartTime(pid: number): string {
	const fromProc = linuxStartTime(pid);
	if (fromProc) return fromProc;
	if (pid === process.pid) return new Date(Date.now() - process.uptime() * 1000).toISOString();
	return '';
}

function linuxStartTime(pid: number): string | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const ticks = Number(fields[19]);
		const btimeLine = fs
			.readFileSync('/proc/stat', 'utf8')
			.split('\n')
			.find((line) => line.startsWith('btime '));
		const bootSeconds = Number(btimeLine?.split(' ')[1]);
		if (!Number.isFinite(ticks) || !Number.isFinite(bootSeconds)) return undefined;
		const clockTicksPerSecond = 100;
		return new Date((bootSeconds + ticks / clockTicksPerSecond) * 1000).toISOString();
	} catch {
		return undefined;
	}
}

function errorCode(error: unknown): string | undefined {
	return error && typeof error === 'object' && 'code' in error ? String(error.code) : undefined;
}
