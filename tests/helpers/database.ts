import fs from 'node:fs';
import { inject } from 'vitest';
import { openDatabase, type Database } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import { MEMORY } from '$lib/server/config';
import { createScratchDatabase } from '../setup/postgres-server';

export type TestDatabaseKind = 'pglite' | 'postgres';

/** Which database this Vitest project runs the *.db.test.ts files on. */
export function testDatabaseKind(): TestDatabaseKind {
	const kind = process.env.CX_TEST_DB;
	if (kind !== 'pglite' && kind !== 'postgres') {
		throw new Error(
			'Database tests run in the "pglite" or "postgres" Vitest project (npm test runs both).'
		);
	}
	return kind;
}

export interface TestDatabase extends Database {
	/** A connection string for the PostgreSQL run, so child processes can reach the same data. */
	url?: string;
}

/** A private, migrated database for one test file: in-memory PGlite, or a scratch database. */
export async function openTestDatabase({ migrate = true } = {}): Promise<TestDatabase> {
	let database: TestDatabase;
	if (testDatabaseKind() === 'pglite') {
		database = await openDatabase(
			{ kind: 'pglite', dataDir: MEMORY },
			{ loadDataDir: loadPgliteTemplate() }
		);
	} else {
		const scratch = await createScratchDatabase(inject('postgresAdminUrl'));
		const opened = await openDatabase({ kind: 'postgres', url: scratch.url });
		database = {
			...opened,
			url: scratch.url,
			async close() {
				await opened.close();
				await scratch.drop();
			}
		};
	}
	if (migrate) await migrateToLatest(database.db);
	return database;
}

export function loadPgliteTemplate(): Blob {
	return new Blob([fs.readFileSync(inject('pgliteTemplate'))]);
}
