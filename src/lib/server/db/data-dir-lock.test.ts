import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../errors';
import { acquireDataDirLock, findDataDirHolder, LOCK_FILE } from './data-dir-lock';

const folders: string[] = [];
function tempDir(): string {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-lock-'));
	folders.push(dir);
	return dir;
}
afterEach(() => {
	for (const dir of folders.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The pid of a process that has already exited. */
function deadPid(): number {
	const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
		encoding: 'utf8'
	});
	return Number(child.stdout);
}

describe('data folder lock', () => {
	it('writes the holder’s pid and start time and removes the file on release', () => {
		const dir = path.join(tempDir(), 'new', 'nested');
		const lock = acquireDataDirLock(dir, 'server');
		const written = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));
		expect(written.pid).toBe(process.pid);
		expect(
			Math.abs(Date.parse(written.startedAt) - (Date.now() - process.uptime() * 1000))
		).toBeLessThan(2000);
		expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
		expect(findDataDirHolder(dir)?.pid).toBe(process.pid);
		lock.release();
		expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
	});

	it('refuses a folder held by a live process in one sentence', () => {
		const dir = tempDir();
		const lock = acquireDataDirLock(dir, 'server');
		try {
			expect(() => acquireDataDirLock(dir, 'metric')).toThrow(UserError);
			expect(() => acquireDataDirLock(dir, 'metric')).toThrow(
				/^The data folder .* is in use by another process \(a running command center server, pid \d+\); stop it first or use another CX_DATA_DIR\.$/
			);
		} finally {
			lock.release();
		}
	});

	it('takes over a lock left by a process that is gone, with a warning', () => {
		const dir = tempDir();
		const pid = deadPid();
		fs.writeFileSync(
			path.join(dir, LOCK_FILE),
			JSON.stringify({ pid, startedAt: '2020-01-01T00:00:00.000Z', holder: 'server' })
		);
		const warnings: string[] = [];
		const lock = acquireDataDirLock(dir, 'migrate', (m) => warnings.push(m));
		expect(warnings).toHaveLength(1);
		expect(warnings[0]).toContain(`pid ${pid}`);
		expect(warnings[0]).toContain('no longer running');
		lock.release();
	});

	it('takes over a lock whose pid now belongs to a different, later process', () => {
		const dir = tempDir();
		// Our own pid, but a start time long before this process started: a reused pid.
		fs.writeFileSync(
			path.join(dir, LOCK_FILE),
			JSON.stringify({ pid: process.pid, startedAt: '2001-01-01T00:00:00.000Z', holder: 'server' })
		);
		const warnings: string[] = [];
		const lock = acquireDataDirLock(dir, 'migrate', (m) => warnings.push(m));
		expect(warnings).toHaveLength(1);
		lock.release();
	});

	it('takes over an unreadable lock file', () => {
		const dir = tempDir();
		fs.writeFileSync(path.join(dir, LOCK_FILE), '{"pid": 12');
		const warnings: string[] = [];
		acquireDataDirLock(dir, 'migrate', (m) => warnings.push(m)).release();
		expect(warnings).toEqual([expect.stringContaining('unreadable lock file')]);
	});

	it('says in one sentence when the folder cannot be a data folder', () => {
		const file = path.join(tempDir(), 'plain-file');
		fs.writeFileSync(file, 'x');
		expect(() => acquireDataDirLock(path.join(file, 'data'), 'server')).toThrow(
			/is not a folder; set CX_DATA_DIR to a folder\.$/
		);
	});
});
