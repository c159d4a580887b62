import type { PGlite } from '@electric-sql/pglite';
import {
	CompiledQuery,
	PostgresAdapter,
	PostgresIntrospector,
	PostgresQueryCompiler,
	type DatabaseConnection,
	type DatabaseIntrospector,
	type Dialect,
	type DialectAdapter,
	type Driver,
	type Kysely,
	type QueryCompiler,
	type QueryResult,
	type TransactionSettings
} from 'kysely';
import { quoteIdentifier } from './identifiers';
import { createMutex, type Mutex } from './mutex';

/**
 * Kysely dialect for PGlite. PGlite is one Postgres session, so the driver hands it to one caller
 * at a time: a transaction holds the mutex from BEGIN to COMMIT/ROLLBACK and no other query can
 * slip into it (kysely-pglite 0.6.1 lacks this and commits other transactions' writes).
 */
export function createPgliteDialect(client: PGlite, mutex: Mutex = createMutex()): Dialect {
	return {
		createAdapter: (): DialectAdapter => new PostgresAdapter(),
		createDriver: (): Driver => createPgliteDriver(client, mutex),
		createIntrospector: (db: Kysely<unknown>): DatabaseIntrospector => new PostgresIntrospector(db),
		createQueryCompiler: (): QueryCompiler => new PostgresQueryCompiler()
	};
}

function createPgliteDriver(client: PGlite, mutex: Mutex): Driver {
	const releases = new WeakMap<DatabaseConnection, () => void>();

	const run = async (connection: DatabaseConnection, sql: string) => {
		await connection.executeQuery(CompiledQuery.raw(sql));
	};

	return {
		async init() {
			await client.waitReady;
		},
		async acquireConnection() {
			const release = await mutex.lock();
			const connection = createConnection(client);
			releases.set(connection, release);
			return connection;
		},
		async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings) {
			const modes = [
				settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
				settings.accessMode ?? ''
			].filter(Boolean);
			await run(connection, modes.length ? `begin ${modes.join(' ')}` : 'begin');
		},
		async commitTransaction(connection: DatabaseConnection) {
			await run(connection, 'commit');
		},
		async rollbackTransaction(connection: DatabaseConnection) {
			await run(connection, 'rollback');
		},
		async savepoint(connection: DatabaseConnection, name: string) {
			await run(connection, `savepoint ${quoteIdentifier(name)}`);
		},
		async rollbackToSavepoint(connection: DatabaseConnection, name: string) {
			await run(connection, `rollback to savepoint ${quoteIdentifier(name)}`);
		},
		async releaseSavepoint(connection: DatabaseConnection, name: string) {
			await run(connection, `release savepoint ${quoteIdentifier(name)}`);
		},
		async releaseConnection(connection: DatabaseConnection) {
			releases.get(connection)?.();
			releases.delete(connection);
		},
		async destroy() {
			const release = await mutex.lock();
			try {
				if (!client.closed) await client.close();
			} finally {
				release();
			}
		}
	};
}

function createConnection(client: PGlite): DatabaseConnection {
	return {
		async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
			const result = await client.query<R>(compiled.sql, [...compiled.parameters], {
				rowMode: 'object'
			});
			const affected = result.affectedRows;
			const isWrite = /^\s*(insert|update|delete|merge)\b/i.test(compiled.sql);
			return {
				rows: result.rows,
				...(isWrite && affected !== undefined ? { numAffectedRows: BigInt(affected) } : {})
			};
		},
		async *streamQuery<R>(
			compiled: CompiledQuery,
			chunkSize = 1000
		): AsyncIterableIterator<QueryResult<R>> {
			const result = await client.query<R>(compiled.sql, [...compiled.parameters], {
				rowMode: 'object'
			});
			for (let i = 0; i < result.rows.length; i += chunkSize) {
				yield { rows: result.rows.slice(i, i + chunkSize) };
			}
		}
	};
}
