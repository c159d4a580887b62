import { readDatabaseConfig } from '../config';
import { openDatabase, type Database } from './database';
import { migrateToLatest } from './migrate';

/** The server's one database, kept on globalThis so that dev-mode module reloads reuse it. */
const holder = globalThis as typeof globalThis & { __cxDatabase?: Promise<Database> };

export function startDatabase(): Promise<Database> {
	holder.__cxDatabase ??= (async () => {
		const database = await openDatabase(readDatabaseConfig(), { holder: 'server' });
		try {
			await migrateToLatest(database.db);
			// `cx` reaches a PGlite data folder through this socket while the server holds it.
			await database.serveSocket?.();
		} catch (error) {
			await database.close();
			throw error;
		}
		process.once('sveltekit:shutdown', () => {
			void database.close();
		});
		return database;
	})();
	return holder.__cxDatabase;
}

export async function getDatabase(): Promise<Database> {
	if (!holder.__cxDatabase) throw new Error('The database has not been started.');
	return holder.__cxDatabase;
}

/** Closes the server's database if it was started (used when start-up fails half-way). */
export async function closeDatabase(): Promise<void> {
	const pending = holder.__cxDatabase;
	holder.__cxDatabase = undefined;
	if (!pending) return;
	const database = await pending.catch(() => undefined);
	await database?.close();
}
