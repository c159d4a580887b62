/**
 * `cx copy-to`: moves an embedded installation onto a PostgreSQL server. In ONE transaction on
 * the target it checks that the target is empty, runs our migrations there, copies every table of
 * ours with COPY … FROM STDIN in foreign-key order, moves each identity sequence past the copied
 * rows and compares the row counts; any failure rolls all of it back, so the target is either a
 * complete copy or exactly as it was. The source is read in one read-only transaction through a
 * cursor, every value as its text form (COPY's text format), so nothing is lost between drivers.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
	Kysely,
	PostgresAdapter,
	PostgresIntrospector,
	PostgresQueryCompiler,
	sql,
	type CompiledQuery,
	type DatabaseConnection,
	type Dialect,
	type Driver,
	type QueryResult,
	type Transaction
} from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { describeDatabaseUrl } from '../config';
import { EXIT, UserError } from '../errors';
import { connectionReason } from './database';
import { quoteIdentifier } from './identifiers';
import { migrateToLatest } from './migrate';
import type { DB } from './schema';

/** Kysely's migration bookkeeping: written on the target by migrateToLatest, never copied. */
export const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock'] as const;

/** Rows fetched from the source per round trip. */
const BATCH_ROWS = 5000;

/** Session settings that make every value's text form unambiguous on both ends. */
const TEXT_SETTINGS = [
	`set local datestyle = 'ISO, YMD'`,
	`set local intervalstyle = 'postgres'`,
	`set local timezone = 'UTC'`,
	`set local extra_float_digits = 3`,
	`set local bytea_output = 'hex'`
];

export interface TableCopied {
	table: string;
	rows: number;
	/** 1-based position in the copy order, and how many tables there are. */
	index: number;
	total: number;
}

export interface CopySummary {
	tables: TableCopied[];
	rows: number;
	seconds: number;
	/** Migrations applied to the target (all of ours: it was empty). */
	applied: string[];
}

export interface CopyOptions {
	/** Called once the target proved empty and has our schema, before the first row is copied. */
	onStart?: (applied: string[]) => void;
	/** Called once a table is copied and its row count checked. */
	onTable?: (copied: TableCopied) => void;
	/** Called now and then while a table's rows are streamed. */
	onRows?: (table: string, rows: number) => void;
}

/** A connection string the copy may use: postgres:// or postgresql://. */
export function checkTargetUrl(url: string, origin: string): void {
	let protocol = '';
	try {
		protocol = new URL(url).protocol;
	} catch {
		// handled below
	}
	if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
		throw new UserError(
			`${origin} is not a PostgreSQL connection URL like postgres://user:password@host:5432/cx.`,
			EXIT.usage
		);
	}
}

/** The target server: one client for the whole copy, so every statement shares its transaction. */
export interface CopyTarget {
	client: pg.Client;
	/** host:port/database, never the user name or password. */
	location: string;
	close(): Promise<void>;
}

/** Connects to the target named by `url`; `origin` says where the URL came from, for messages. */
export async function connectTarget(url: string, origin: string): Promise<CopyTarget> {
	const location = describeDatabaseUrl(url);
	const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
	client.on('error', () => {
		// a lost connection surfaces through the pending query
	});
	try {
		await client.connect();
		const version = await client.query<{ num: string }>(
			`select current_setting('server_version_num') as num`
		);
		const num = Number(version.rows[0]?.num);
		if (num < 150000) {
			throw new UserError(
				`The server at ${location} runs PostgreSQL ${Math.floor(num / 10000)}; cx needs PostgreSQL 15 or newer, and nothing was changed.`
			);
		}
	} catch (error) {
		await client.end().catch(() => undefined);
		if (error instanceof UserError) throw error;
		throw new UserError(
			`Cannot reach the PostgreSQL server at ${location} (${origin}): ${connectionReason(error)}; nothing was changed.`
		);
	}
	return { client, location, close: () => client.end().catch(() => undefined) };
}

interface SourceTable {
	name: string;
	columns: string[];
	/** Tables this one refers to by foreign key (itself excluded). */
	parents: string[];
}

interface SourceSequence {
	table: string;
	column: string;
	/** The sequence's last value on the source, null when it was never used. */
	lastValue: number | null;
}

/**
 * Copies every table of ours from `source` onto the empty database behind `target`, committing
 * only when every row count matches. `target` is left open (the caller closes it).
 */
export async function copyDatabase(
	source: Kysely<DB>,
	{ client: target, location }: CopyTarget,
	options: CopyOptions = {}
): Promise<CopySummary> {
	const started = performance.now();
	await target.query('begin');
	try {
		for (const statement of TEXT_SETTINGS) await target.query(statement);
		await refuseNonEmptyTarget(target, location);
		const { applied } = await migrateToLatest(nestedKysely(target));
		options.onStart?.(applied);
		const tables = await source
			.transaction()
			.setAccessMode('read only')
			.setIsolationLevel('repeatable read')
			.execute(async (trx) => {
				for (const statement of TEXT_SETTINGS) await sql.raw(statement).execute(trx);
				const ordered = orderByForeignKeys(await readSourceTables(trx));
				await checkTargetColumns(target, ordered);
				if (ordered.length) {
					await target.query(
						`truncate table ${ordered.map((t) => quoteIdentifier(t.name)).join(', ')}`
					);
				}
				// The rollups and their queues are copied as they are: the triggers that feed them
				// would count every copied row a second time. Off in this transaction only.
				const setTriggers = async (state: 'disable' | 'enable') => {
					for (const table of ordered) {
						await target.query(`alter table ${quoteIdentifier(table.name)} ${state} trigger user`);
					}
				};
				await setTriggers('disable');
				const copied: TableCopied[] = [];
				for (const [i, table] of ordered.entries()) {
					const rows = await copyTable(trx, target, table, options.onRows);
					const entry = { table: table.name, rows, index: i + 1, total: ordered.length };
					copied.push(entry);
					options.onTable?.(entry);
				}
				await setTriggers('enable');
				await advanceSequences(target, await readSourceSequences(trx));
				return copied;
			});
		await target.query('commit');
		return {
			tables,
			rows: tables.reduce((sum, t) => sum + t.rows, 0),
			seconds: (performance.now() - started) / 1000,
			applied
		};
	} catch (error) {
		await target.query('rollback').catch(() => undefined);
		throw error;
	}
}

async function refuseNonEmptyTarget(target: pg.Client, location: string): Promise<void> {
	const result = await target.query<{ name: string }>(
		`select c.relname as name
		   from pg_class c join pg_namespace n on n.oid = c.relnamespace
		  where c.relkind in ('r', 'p', 'v', 'm', 'f')
		    and (n.nspname = 'public' or c.relname in ($1, $2))
		  order by c.relname`,
		[...MIGRATION_TABLES]
	);
	if (result.rows.length === 0) return;
	const names = result.rows.map((r) => r.name);
	const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? ', …' : '');
	throw new UserError(
		`The target database ${location} is not empty (it has ${names.length === 1 ? 'the table' : `${names.length} tables:`} ${shown}); copy-to only fills an empty database, and nothing was changed.`
	);
}

async function readSourceTables(trx: Transaction<DB>): Promise<SourceTable[]> {
	const columns = await sql<{ table: string; column: string }>`
		select c.relname as table, a.attname as column
		  from pg_class c
		  join pg_namespace n on n.oid = c.relnamespace
		  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
		 where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attgenerated = ''
		   and c.relname not in (${sql.join([...MIGRATION_TABLES])})
		 order by c.relname, a.attnum`.execute(trx);
	const references = await sql<{ child: string; parent: string }>`
		select distinct child.relname as child, parent.relname as parent
		  from pg_constraint k
		  join pg_class child on child.oid = k.conrelid
		  join pg_class parent on parent.oid = k.confrelid
		  join pg_namespace n on n.oid = child.relnamespace
		 where k.contype = 'f' and n.nspname = 'public' and k.conrelid <> k.confrelid`.execute(trx);
	const tables = new Map<string, SourceTable>();
	for (const { table, column } of columns.rows) {
		const entry = tables.get(table) ?? { name: table, columns: [], parents: [] };
		entry.columns.push(column);
		tables.set(table, entry);
	}
	for (const { child, parent } of references.rows) {
		if (tables.has(parent)) tables.get(child)?.parents.push(parent);
	}
	return [...tables.values()];
}

/** Parents before children (Kahn's algorithm), ties in name order so the output is stable. */
export function orderByForeignKeys<T extends { name: string; parents: string[] }>(
	tables: readonly T[]
): T[] {
	const remaining = new Map(tables.map((t) => [t.name, t]));
	const ordered: T[] = [];
	while (remaining.size) {
		const ready = [...remaining.values()]
			.filter((t) => t.parents.every((p) => !remaining.has(p)))
			.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		if (!ready.length) {
			throw new UserError(
				`The tables ${[...remaining.keys()].sort().join(', ')} refer to each other in a cycle, so copy-to cannot order them; nothing was changed.`
			);
		}
		for (const table of ready) {
			ordered.push(table);
			remaining.delete(table.name);
		}
	}
	return ordered;
}

async function checkTargetColumns(target: pg.Client, tables: readonly SourceTable[]) {
	const result = await target.query<{ table: string; columns: string[] }>(
		`select c.relname as table, array_agg(a.attname::text order by a.attnum) as columns
		   from pg_class c
		   join pg_namespace n on n.oid = c.relnamespace
		   join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
		  where n.nspname = 'public' and c.relkind in ('r', 'p')
		  group by c.relname`
	);
	const onTarget = new Map(result.rows.map((r) => [r.table, new Set(r.columns)]));
	for (const table of tables) {
		const columns = onTarget.get(table.name);
		const missing = columns ? table.columns.filter((c) => !columns.has(c)) : [];
		if (!columns || missing.length) {
			throw new UserError(
				columns
					? `The migrations did not give the table ${table.name} on the target the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that the embedded database has; nothing was changed.`
					: `The embedded database has a table ${table.name} that our migrations do not create; nothing was changed.`
			);
		}
	}
}

/** Streams one table into COPY … FROM STDIN and returns its row count, checked three ways. */
async function copyTable(
	trx: Transaction<DB>,
	target: pg.Client,
	table: SourceTable,
	onRows?: (table: string, rows: number) => void
): Promise<number> {
	const name = quoteIdentifier(table.name);
	const columnList = table.columns.map(quoteIdentifier).join(', ');
	const counted = await sql<{ n: number | string }>`
		select count(*) as n from ${sql.id(table.name)}`.execute(trx);
	const sourceRows = Number(counted.rows[0]?.n);

	// Every value as its type's text output, aliased by position: c0, c1, …
	const select = table.columns.map((c, i) => `${quoteIdentifier(c)}::text as c${i}`).join(', ');
	await sql
		.raw(`declare cx_copy_cursor no scroll cursor for select ${select} from ${name}`)
		.execute(trx);
	let streamed = 0;
	const width = table.columns.length;
	async function* lines(): AsyncGenerator<string> {
		for (;;) {
			const batch = await sql
				.raw<Record<string, string | null>>(`fetch forward ${BATCH_ROWS} from cx_copy_cursor`)
				.execute(trx);
			if (!batch.rows.length) return;
			let chunk = '';
			for (const row of batch.rows) {
				for (let i = 0; i < width; i++) {
					chunk += (i ? '\t' : '') + copyText(row[`c${i}`] ?? null);
				}
				chunk += '\n';
			}
			streamed += batch.rows.length;
			onRows?.(table.name, streamed);
			yield chunk;
		}
	}
	const copy = target.query(copyFrom(`copy ${name} (${columnList}) from stdin`));
	try {
		await pipeline(Readable.from(lines()), copy);
	} catch (error) {
		await sql
			.raw('close cx_copy_cursor')
			.execute(trx)
			.catch(() => undefined);
		throw error;
	}
	await sql.raw('close cx_copy_cursor').execute(trx);
	const after = await target.query<{ n: string }>(`select count(*) as n from ${name}`);
	const targetRows = Number(after.rows[0]?.n);
	if (sourceRows !== streamed || streamed !== copy.rowCount || targetRows !== sourceRows) {
		throw new UserError(
			`The row counts of ${table.name} differ (${sourceRows} in the embedded database, ${streamed} read, ${targetRows} on the target), so the copy was rolled back and nothing was changed.`
		);
	}
	return sourceRows;
}

/** A value in COPY's text format: \N for null; backslash, tab, newline and return escaped. */
export function copyText(value: string | null): string {
	if (value === null) return '\\N';
	return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, escapeChar) : value;
}

function escapeChar(char: string): string {
	return char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : '\\r';
}

async function readSourceSequences(trx: Transaction<DB>): Promise<SourceSequence[]> {
	const result = await sql<{ table: string; column: string; last_value: number | null }>`
		select c.relname as table, a.attname as column, pg_sequence_last_value(s.seq) as last_value
		  from pg_class c
		  join pg_namespace n on n.oid = c.relnamespace
		  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
		 cross join lateral (
		       select pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)::regclass as seq
		 ) s
		 where n.nspname = 'public' and c.relkind in ('r', 'p') and s.seq is not null
		   and c.relname not in (${sql.join([...MIGRATION_TABLES])})`.execute(trx);
	return result.rows.map((r) => ({
		table: r.table,
		column: r.column,
		lastValue: r.last_value === null ? null : Number(r.last_value)
	}));
}

/**
 * The copied rows keep their ids, so each identity (or serial) sequence on the target must hand
 * out a value past both the source's sequence and the largest copied id.
 */
async function advanceSequences(target: pg.Client, sequences: readonly SourceSequence[]) {
	for (const { table, column, lastValue } of sequences) {
		await target.query(
			`select setval(pg_get_serial_sequence($1, $2),
			               greatest(coalesce($3::bigint, 0), coalesce(max(${quoteIdentifier(column)}), 0)::bigint) + 1,
			               false)
			   from ${quoteIdentifier(table)}`,
			[`public.${quoteIdentifier(table)}`, column, lastValue]
		);
	}
}

/**
 * A Kysely on the one target client whose transactions are savepoints, so that the migrator's own
 * transaction nests inside the copy's and a failed copy also undoes the migrations.
 */
function nestedKysely(client: pg.Client): Kysely<unknown> {
	const executeQuery = async <R>(compiled: CompiledQuery): Promise<QueryResult<R>> => {
		const result = await client.query(compiled.sql, [...compiled.parameters]);
		return { rows: (result.rows ?? []) as R[] };
	};
	const connection: DatabaseConnection = {
		executeQuery,
		async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
			yield await executeQuery<R>(compiled);
		}
	};
	const run = async (statement: string) => {
		await client.query(statement);
	};
	const driver: Driver = {
		init: async () => undefined,
		acquireConnection: async () => connection,
		beginTransaction: () => run('savepoint cx_migrate'),
		commitTransaction: () => run('release savepoint cx_migrate'),
		rollbackTransaction: () => run('rollback to savepoint cx_migrate'),
		releaseConnection: async () => undefined,
		destroy: async () => undefined
	};
	const dialect: Dialect = {
		createAdapter: () => new PostgresAdapter(),
		createDriver: () => driver,
		createIntrospector: (db) => new PostgresIntrospector(db),
		createQueryCompiler: () => new PostgresQueryCompiler()
	};
	return new Kysely<unknown>({ dialect });
}
