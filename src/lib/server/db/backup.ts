/**
 * `cx backup` and `cx restore` for the embedded database: the whole PGlite data folder as one
 * gzipped tarball (PGlite's dumpDataDir), written atomically, and loaded back into a fresh folder
 * while the old one is kept aside. On PostgreSQL the operator uses pg_dump / pg_restore instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { MEMORY, type DatabaseConfig } from '../config';
import { EXIT, UserError } from '../errors';
import { acquireDataDirLock, findDataDirHolder } from './data-dir-lock';
import { openDatabase, PGDATA, type Database } from './database';
import { migrateToLatest } from './migrate';

/** Kysely's migrations table: every cx database has it, so every cx backup does too. */
const MIGRATION_TABLE = 'kysely_migration';

export interface BackupSummary {
	bytes: number;
	customers: number;
	orders: number;
}

export interface RestoreSummary {
	/** Where the data folder's previous files were moved; the operator deletes them. */
	previous: string;
	applied: string[];
}

/** One sentence for DATABASE_URL, where the server's own tools do this job. */
export function refuseOnPostgres(config: DatabaseConfig, command: 'backup' | 'restore'): void {
	if (config.kind !== 'postgres') return;
	throw new UserError(
		command === 'backup'
			? 'cx backup works on the embedded database only; with DATABASE_URL use the PostgreSQL 15 tools, e.g. pg_dump --format=custom "$DATABASE_URL" > cx.dump, and pg_restore to load it.'
			: 'cx restore works on the embedded database only; with DATABASE_URL use the PostgreSQL 15 tools, e.g. pg_restore --clean --dbname "$DATABASE_URL" cx.dump for a file written by pg_dump --format=custom "$DATABASE_URL" > cx.dump.'
	);
}

/** Refuses (exit 2) to overwrite an existing file unless `force`. */
export function checkBackupTarget(file: string, force: boolean): void {
	if (!force && fs.existsSync(file)) {
		throw new UserError(
			`The file ${file} already exists; choose another name or add --force to replace it.`,
			EXIT.usage
		);
	}
}

/** Writes the open PGlite database to `file` (via `<file>.partial`, then a rename). */
export async function backupDatabase(
	database: Database,
	file: string,
	force: boolean
): Promise<BackupSummary> {
	if (database.throughServer) {
		// The server's PGlite holds the folder's files; only it could write a consistent copy.
		throw new UserError(
			`cx backup copies the whole data folder, which the running command center server (pid ${database.throughServer.pid}) holds; stop the server first, then run cx backup again.`
		);
	}
	if (!database.dumpDataDir || database.location === 'memory') {
		throw new UserError('Only an embedded database in a data folder can be backed up.');
	}
	const counts = await sql<{ customers: string | number; orders: string | number }>`
		select (select count(*) from customer) as customers,
		       (select count(*) from customer_order) as orders`.execute(database.db);
	const dump = await database.dumpDataDir();
	const bytes = Buffer.from(await dump.arrayBuffer());
	const partial = `${file}.partial`;
	try {
		fs.writeFileSync(partial, bytes, { mode: 0o600 });
		checkBackupTarget(file, force);
		fs.renameSync(partial, file);
	} catch (error) {
		fs.rmSync(partial, { force: true });
		if (error instanceof UserError) throw error;
		throw new UserError(`Cannot write the backup to ${file}: ${reasonOf(error)}.`);
	}
	const row = counts.rows[0];
	return { bytes: bytes.length, customers: Number(row?.customers), orders: Number(row?.orders) };
}

/**
 * Replaces the data folder's database with the backup in `file`. The file is checked in memory
 * first; the current files are moved aside (never deleted) and moved back if loading fails.
 */
export async function restoreDatabase(
	config: DatabaseConfig,
	file: string,
	warn: (message: string) => void
): Promise<RestoreSummary> {
	refuseOnPostgres(config, 'restore');
	if (config.kind !== 'pglite' || config.dataDir === MEMORY) {
		throw new UserError('Only an embedded database in a data folder can be restored.');
	}
	const dataDir = config.dataDir;
	const server = findDataDirHolder(dataDir);
	if (server?.holder === 'server') {
		throw new UserError(
			`cx restore replaces the data folder ${dataDir}, which the running command center server (pid ${server.pid}) holds; stop the server first, then run cx restore again; nothing was changed.`
		);
	}
	const backup = readBackup(file);
	const lock = acquireDataDirLock(dataDir, 'restore', warn);
	try {
		await validateBackup(file, backup);
		const pgdata = path.join(dataDir, PGDATA);
		const previous = `${pgdata}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
		const hadData = fs.existsSync(pgdata);
		if (hadData) fs.renameSync(pgdata, previous);
		let applied: string[];
		try {
			const database = await openDatabase(config, { heldLock: lock, loadDataDir: backup, warn });
			try {
				({ applied } = await migrateToLatest(database.db));
			} finally {
				await database.close();
			}
		} catch (error) {
			fs.rmSync(pgdata, { recursive: true, force: true });
			if (hadData) fs.renameSync(previous, pgdata);
			throw new UserError(
				`Loading the backup ${file} failed and the data folder was left as it was: ${reasonOf(error)}.`
			);
		}
		return { previous: hadData ? previous : '', applied };
	} finally {
		lock.release();
	}
}

function readBackup(file: string): Blob {
	try {
		return new Blob([fs.readFileSync(file)]);
	} catch (error) {
		const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
		const reason =
			code === 'ENOENT'
				? 'there is no such file'
				: code === 'EISDIR'
					? 'it is a folder'
					: reasonOf(error);
		throw new UserError(`Cannot read the backup ${file}: ${reason}; nothing was changed.`);
	}
}

/** Loads the backup into an in-memory database and looks for our migrations table. */
async function validateBackup(file: string, backup: Blob): Promise<void> {
	let database: Database | undefined;
	let found = false;
	try {
		database = await openDatabase({ kind: 'pglite', dataDir: MEMORY }, { loadDataDir: backup });
		const result = await sql<{
			name: string | null;
		}>`select to_regclass(${`public.${MIGRATION_TABLE}`})::text as name`.execute(database.db);
		found = Boolean(result.rows[0]?.name);
	} catch {
		// not a PGlite data folder at all: found stays false
	} finally {
		await database?.close().catch(() => undefined);
	}
	if (!found) {
		throw new UserError(
			`The file ${file} is not a cx backup (written by "cx backup"); nothing was changed.`
		);
	}
}

function reasonOf(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.replace(/\s+/g, ' ').replace(/\.$/, '');
}
