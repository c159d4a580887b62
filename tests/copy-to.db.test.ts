/**
 * `cx copy-to`: an embedded (PGlite) installation copied onto a PostgreSQL 15 server.
 *
 * The source is a PGlite data folder on both Vitest projects. Only the 'postgres' project has a
 * PostgreSQL server (its globalSetup starts it), so the copies themselves run there; the 'pglite'
 * project runs the refusals that need no server. Each project runs its own part and nothing is
 * skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordAudit, userTarget } from '$lib/server/audit';
import { createSession, generateSessionToken } from '$lib/server/auth/session';
import { createUser } from '$lib/server/auth/users';
import { copyToCommand } from '$lib/server/cli/copy-to-command';
import type { CliIo } from '$lib/server/cli/run';
import { MIGRATION_TABLES } from '$lib/server/db/copy-to';
import { openDatabase, PGDATA, type Database } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import type { DB } from '$lib/server/db/schema';
import { UserError } from '$lib/server/errors';
import { evaluateMetric } from '$lib/server/metrics/evaluate';
import { loadFixtureCompany } from './fixtures/company';
import { loadPgliteTemplate, testDatabaseKind } from './helpers/database';
import { expectOneSentence, makeTempDir } from './helpers/processes';
import { createScratchDatabase } from './setup/postgres-server';

const kind = testDatabaseKind();
const NOW = new Date('2026-06-15T12:00:00Z');
const METRICS = ['active-customers', 'repeat-purchase-rate', 'nps'];

interface Run {
	code: number;
	out: string;
	err: string;
}

/** Runs the command in-process the way runCli does: a UserError becomes its message and code. */
async function copyTo(
	env: Record<string, string>,
	{ stdin = '', argv = [] }: { stdin?: string; argv?: string[] } = {}
): Promise<Run> {
	const out: string[] = [];
	const err: string[] = [];
	const io: CliIo = {
		out: (text) => out.push(text),
		err: (text) => err.push(text),
		interactive: false,
		env,
		readStdin: async () => stdin,
		askSecret: async () => undefined
	};
	let code: number;
	try {
		code = await copyToCommand(argv, io);
	} catch (error) {
		if (!(error instanceof UserError)) throw error;
		err.push(error.message);
		code = error.exitCode;
	}
	return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A closed PGlite data folder, migrated (from the test template where this project has one). */
async function openSourceFolder(dir: string): Promise<Database> {
	return openDatabase(
		{ kind: 'pglite', dataDir: dir },
		{ holder: 'test setup', ...(kind === 'pglite' ? { loadDataDir: loadPgliteTemplate() } : {}) }
	);
}

if (kind === 'postgres') {
	describe('cx copy-to onto a PostgreSQL 15 server', () => {
		let sourceDir: string;
		let target: { url: string; drop(): Promise<void> };
		let password: string;
		/** The target's URL with a password (ignored by the test server's trust authentication). */
		let targetUrl: string;
		const scratch: { drop(): Promise<void> }[] = [];

		beforeAll(async () => {
			sourceDir = makeTempDir('cx-copy-source-');
			const source = await openSourceFolder(sourceDir);
			try {
				await migrateToLatest(source.db);
				await fillSource(source.db);
			} finally {
				await source.close();
			}
			target = await newScratchDatabase();
			({ url: targetUrl, password } = withPassword(target.url));
		});

		afterAll(async () => {
			for (const database of scratch) await database.drop().catch(() => undefined);
			if (sourceDir) fs.rmSync(sourceDir, { recursive: true, force: true });
		});

		async function newScratchDatabase() {
			const database = await createScratchDatabase(inject('postgresAdminUrl'));
			scratch.push(database);
			return database;
		}

		it('copies every table in foreign-key order with identical rows, so the metrics agree', async () => {
			const before = await withSource((db) => dumpTables(db));
			const result = await copyTo({ CX_DATA_DIR: sourceDir, CX_COPY_TO_URL: targetUrl });
			expect(result.err).toBe('');
			expect(result.code).toBe(0);
			expect(result.out).not.toContain(password);

			const lines = result.out.split('\n');
			const migrationCount = await withSource((db) =>
				sql<{ n: number }>`select count(*)::int as n from kysely_migration`
					.execute(db)
					.then((r) => r.rows[0]?.n)
			);
			expect(lines[0]).toBe(
				`Copying ${sourceDir} to ${locationOf(target.url)} (its schema created by ${migrationCount} migrations):`
			);
			const tables = Object.keys(before);
			const listed = lines.slice(1, -1).map((line) => {
				const match = /^ {2}(\d+)\/(\d+) (\w+): ([\d,]+) rows?$/.exec(line);
				expect(match, line).not.toBeNull();
				expect(Number(match?.[2])).toBe(tables.length);
				expect(Number(match?.[4]?.replace(/,/g, '')), line).toBe(before[match?.[3] ?? '']?.length);
				return match?.[3] ?? '';
			});
			expect([...listed].sort()).toEqual(tables);
			for (const [parent, child] of [
				['source', 'customer'],
				['source', 'customer_order'],
				['program', 'program_assignment'],
				['app_user', 'user_session']
			] as const) {
				expect(listed.indexOf(parent), `${parent} before ${child}`).toBeLessThan(
					listed.indexOf(child)
				);
			}
			const total = Object.values(before).reduce((sum, rows) => sum + rows.length, 0);
			expectOneSentence(
				lines.at(-1) ?? '',
				new RegExp(
					`^Copied ${tables.length} tables with ${total.toLocaleString('en-US')} rows from .* in [\\d.]+ s; every row count matches`
				)
			);

			const after = await withTarget(target.url, (db) => dumpTables(db));
			expect(Object.keys(after)).toEqual(tables);
			for (const table of tables) {
				expect(after[table]?.length, `rows of ${table}`).toBe(before[table]?.length);
				expect(after[table], `contents of ${table}`).toEqual(before[table]);
			}
			expect(before.customer_order?.length).toBeGreaterThan(1000);
			expect(await withSource((db) => dumpTables(db)), 'the source is unchanged').toEqual(before);

			const migrations = (db: Kysely<DB>) =>
				sql<{ name: string }>`select name from kysely_migration order by name`
					.execute(db)
					.then((r) => r.rows.map((row) => row.name));
			expect(await withTarget(target.url, migrations)).toEqual(await withSource(migrations));

			const metrics = (db: Kysely<DB>) =>
				Promise.all(METRICS.map((id) => evaluateMetric(db, { id, now: NOW })));
			const onSource = await withSource(metrics);
			expect(onSource[0]?.value, 'active customers').toBeGreaterThan(1000);
			expect(onSource[2]?.value, 'NPS').not.toBeNull();
			expect(await withTarget(target.url, metrics)).toEqual(onSource);
		});

		it('moves every identity sequence past the copied rows, so new rows can be added', async () => {
			const maxima = await withTarget(target.url, async (db) => {
				const row = await sql<{ customer: number; order: number; user: number; audit: number }>`
					select (select max(customer_id) from customer) as customer,
					       (select max(order_id) from customer_order) as "order",
					       (select max(user_id) from app_user) as "user",
					       (select max(audit_id) from audit_log) as audit`.execute(db);
				return row.rows[0];
			});
			await withTarget(target.url, async (db) => {
				const customer = await db
					.insertInto('customer')
					.values({ source: 'fixture' })
					.returning('customer_id')
					.executeTakeFirstOrThrow();
				// The source's sequence had already moved past a deleted customer.
				expect(customer.customer_id).toBe(Number(maxima?.customer) + 2);
				const order = await db
					.insertInto('customer_order')
					.values({
						customer_id: customer.customer_id,
						origin_customer_id: customer.customer_id,
						source: 'fixture',
						order_ref: 'after-copy',
						kind: 'order',
						amount: '12.50',
						currency: 'USD',
						reporting_amount: '12.50',
						ordered_at: NOW
					})
					.returning('order_id')
					.executeTakeFirstOrThrow();
				expect(order.order_id).toBeGreaterThan(Number(maxima?.order));
				const user = await createUser(db, {
					email: 'after-copy@example.com',
					role: 'viewer',
					password: 'a long enough password'
				});
				expect(user.id).toBeGreaterThan(Number(maxima?.user));
				await recordAudit(db, { actorUserId: user.id, action: 'user.add', target: null });
				const audit = await db
					.selectFrom('audit_log')
					.select((eb) => eb.fn.max('audit_id').as('id'))
					.executeTakeFirstOrThrow();
				expect(Number(audit.id)).toBeGreaterThan(Number(maxima?.audit));
			});
		});

		it('refuses a target that is not empty, and changes nothing there', async () => {
			const copied = await withTarget(target.url, (db) => dumpTables(db));
			const again = await copyTo({ CX_DATA_DIR: sourceDir, CX_COPY_TO_URL: targetUrl });
			expect(again.code).toBe(1);
			expectOneSentence(again.err, /is not empty \(it has \d+ tables: .*nothing was changed\.$/);
			expect(again.err).toContain(locationOf(target.url));
			expect(again.err).not.toContain(password);
			expect(again.out).toBe('');
			expect(await withTarget(target.url, (db) => dumpTables(db))).toEqual(copied);

			const other = await newScratchDatabase();
			await withClient(other.url, async (client) => {
				await client.query('create table notes (note text)');
				await client.query(`insert into notes values ('keep me')`);
			});
			const refused = await copyTo({ CX_DATA_DIR: sourceDir, CX_COPY_TO_URL: other.url });
			expect(refused.code).toBe(1);
			expectOneSentence(refused.err, /is not empty \(it has the table notes\)/);
			expect(await tablesOf(other.url)).toEqual(['notes']);
			expect(await rowsOf(other.url, 'select note from notes')).toEqual([{ note: 'keep me' }]);

			// Kysely's bookkeeping alone (outside public, too) also makes a database not empty.
			const bookkept = await newScratchDatabase();
			await withClient(bookkept.url, (client) =>
				client.query('create schema app; create table app.kysely_migration (name text)')
			);
			const refusedAgain = await copyTo({ CX_DATA_DIR: sourceDir, CX_COPY_TO_URL: bookkept.url });
			expect(refusedAgain.code).toBe(1);
			expectOneSentence(refusedAgain.err, /is not empty \(it has the table kysely_migration\)/);
		});

		it('reads the URL from standard input when CX_COPY_TO_URL is not set', async () => {
			const viaStdin = await newScratchDatabase();
			const { url, password: secret } = withPassword(viaStdin.url);
			const result = await copyTo({ CX_DATA_DIR: sourceDir }, { stdin: `\n  ${url}  \n` });
			expect(result.err).toBe('');
			expect(result.code).toBe(0);
			expect(result.out).toContain(`to ${locationOf(viaStdin.url)} (its schema`);
			expect(result.out).not.toContain(secret);
			const counts = (db: Kysely<DB>) => dumpTables(db).then(countsOf);
			expect(await withTarget(viaStdin.url, counts)).toEqual(await withSource(counts));
		});

		it('rolls everything back, migrations included, when a row does not fit the target', async () => {
			// A survey answer the source accepts only because its check constraint was dropped.
			await withSource(async (db) => {
				await sql`alter table survey_response drop constraint survey_response_nps_check`.execute(
					db
				);
				const customer = await db
					.selectFrom('customer')
					.select('customer_id')
					.orderBy('customer_id')
					.executeTakeFirstOrThrow();
				await db
					.insertInto('survey_response')
					.values({
						customer_id: customer.customer_id,
						origin_customer_id: customer.customer_id,
						source: 'fixture',
						response_ref: 'out-of-range',
						responded_at: NOW,
						nps: 11
					})
					.execute();
			});
			const failing = await newScratchDatabase();
			const { url, password: secret } = withPassword(failing.url);
			const result = await copyTo({ CX_DATA_DIR: sourceDir, CX_COPY_TO_URL: url });
			expect(result.code).toBe(1);
			expectOneSentence(
				result.err,
				/^The copy failed and the target was left unchanged: .*survey_response_nps_check/
			);
			expect(result.err).not.toContain(secret);
			expect(await tablesOf(failing.url)).toEqual([]);

			// A table our migrations do not know: found after they ran, and they are undone too.
			await withSource((db) => sql`create table stray (id int primary key)`.execute(db));
			const unknown = await newScratchDatabase();
			const strayResult = await copyTo({ CX_DATA_DIR: sourceDir, CX_COPY_TO_URL: unknown.url });
			expect(strayResult.code).toBe(1);
			expectOneSentence(strayResult.err, /a table stray that our migrations do not create/);
			expect(await tablesOf(unknown.url)).toEqual([]);
		});

		/** Opens the (closed) source folder for a moment. */
		async function withSource<T>(work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
			const source = await openDatabase(
				{ kind: 'pglite', dataDir: sourceDir },
				{ holder: 'test check' }
			);
			try {
				return await work(source.db);
			} finally {
				await source.close();
			}
		}
	});
} else {
	describe('cx copy-to refusals, before anything is copied', () => {
		let sourceDir: string;
		const env = () => ({ CX_DATA_DIR: sourceDir });

		beforeAll(async () => {
			sourceDir = makeTempDir('cx-copy-source-');
			const source = await openSourceFolder(sourceDir);
			try {
				await migrateToLatest(source.db);
			} finally {
				await source.close();
			}
		});

		afterAll(() => {
			if (sourceDir) fs.rmSync(sourceDir, { recursive: true, force: true });
		});

		it('never takes the URL as an argument, and does not repeat it (exit 2)', async () => {
			const result = await copyTo(env(), { argv: ['postgres://cx:secretpw@db.internal/cx'] });
			expect(result.code).toBe(2);
			expectOneSentence(result.err, /takes no arguments.*CX_COPY_TO_URL or on standard input/);
			expect(result.err).not.toContain('secretpw');
		});

		it('copies from the embedded database only (exit 2)', async () => {
			const withServer = await copyTo({
				...env(),
				DATABASE_URL: 'postgres://cx:secretpw@db.internal/cx',
				CX_COPY_TO_URL: 'postgres://cx:secretpw@other.internal/cx'
			});
			expect(withServer.code).toBe(2);
			expectOneSentence(withServer.err, /DATABASE_URL is set; unset it/);
			expect(withServer.err).not.toContain('secretpw');

			const inMemory = await copyTo({
				CX_DATA_DIR: 'memory://',
				CX_COPY_TO_URL: 'postgres://cx@other.internal/cx'
			});
			expect(inMemory.code).toBe(2);
			expectOneSentence(inMemory.err, /data folder in CX_DATA_DIR, not memory:\/\//);
		});

		it('refuses a folder without an embedded database, and does not create one (exit 1)', async () => {
			const empty = makeTempDir('cx-copy-empty-');
			try {
				const result = await copyTo({
					CX_DATA_DIR: empty,
					CX_COPY_TO_URL: 'postgres://cx@127.0.0.1:1/cx'
				});
				expect(result.code).toBe(1);
				expectOneSentence(result.err, /There is no embedded database in .* to copy/);
				expect(fs.readdirSync(empty)).toEqual([]);
			} finally {
				fs.rmSync(empty, { recursive: true, force: true });
			}
		});

		it('needs a PostgreSQL URL from CX_COPY_TO_URL or standard input (exit 2)', async () => {
			const none = await copyTo(env(), { stdin: '\n\n' });
			expect(none.code).toBe(2);
			expectOneSentence(none.err, /Give the target's URL.*in CX_COPY_TO_URL or on standard input/);

			const wrong = await copyTo(env(), { stdin: 'mysql://cx:secretpw@db.internal/cx\n' });
			expect(wrong.code).toBe(2);
			expectOneSentence(wrong.err, /^standard input is not a PostgreSQL connection URL/);
			expect(wrong.err).not.toContain('secretpw');
		});

		it('names an unreachable server without its password, and leaves the source as it was (exit 1)', async () => {
			const pgdata = path.join(sourceDir, PGDATA);
			const before = fs.readdirSync(pgdata).sort();
			const result = await copyTo({
				...env(),
				CX_COPY_TO_URL: 'postgres://cx:secretpw@127.0.0.1:1/cx'
			});
			expect(result.code).toBe(1);
			expectOneSentence(
				result.err,
				/^Cannot reach the PostgreSQL server at 127\.0\.0\.1:1\/cx \(CX_COPY_TO_URL\): .*nothing was changed\.$/
			);
			expect(result.err + result.out).not.toContain('secretpw');
			expect(fs.readdirSync(pgdata).sort()).toEqual(before);
			expect(fs.existsSync(path.join(sourceDir, 'cx.lock')), 'no lock left behind').toBe(false);
		});
	});
}

/** Every table of ours (and no bookkeeping), each as its rows' text, in a fixed order. */
async function dumpTables(db: Kysely<DB>): Promise<Record<string, string[]>> {
	return db.transaction().execute(async (trx) => {
		await sql`set local timezone = 'UTC'`.execute(trx);
		await sql`set local datestyle = 'ISO, YMD'`.execute(trx);
		const tables = await sql<{ name: string }>`
			select c.relname as name
			  from pg_class c join pg_namespace n on n.oid = c.relnamespace
			 where n.nspname = 'public' and c.relkind = 'r'
			   and c.relname not in (${sql.join([...MIGRATION_TABLES])})
			 order by c.relname`.execute(trx);
		const dump: Record<string, string[]> = {};
		for (const { name } of tables.rows) {
			const rows = await sql<{ row: string }>`
				select t::text as row from ${sql.id(name)} t`.execute(trx);
			dump[name] = rows.rows.map((r) => r.row).sort();
		}
		return dump;
	});
}

function countsOf(dump: Record<string, string[]>): Record<string, number> {
	return Object.fromEntries(Object.entries(dump).map(([table, rows]) => [table, rows.length]));
}

/**
 * Real rows in every table: the fixture company, users, sessions, settings and audit rows, plus
 * values whose text form is easy to get wrong (tabs, newlines, backslashes, "\N", empty strings,
 * Unicode, microseconds, infinity, BC dates, long numerics, nested JSON).
 */
async function fillSource(db: Kysely<DB>): Promise<void> {
	await loadFixtureCompany(db, { now: NOW });
	const tricky = 'tab\there, newline\nthere, return\r, backslash \\ and \\N, "quotes", Zoë 👋';
	await db.insertInto('source').values({ source: 'shop', label: tricky }).execute();
	const [first, second] = await db
		.insertInto('customer')
		.values([
			{
				source: 'shop',
				name: tricky,
				region: '\\N',
				acquisition_channel: '',
				created_at: sql<Date>`'2026-03-04 05:06:07.123456+05:30'::timestamptz`,
				first_order_at: sql<Date>`'2026-03-04 05:06:07.5+00'::timestamptz`,
				first_order_on: '2026-03-04'
			},
			{ source: 'shop', name: null, region: 'EU' }
		])
		.returning('customer_id')
		.execute();
	const a = first!.customer_id;
	const b = second!.customer_id;
	await db.updateTable('customer').set({ merged_into: a }).where('customer_id', '=', b).execute();
	// A customer added and removed again: the source's sequence is now past the largest id.
	const gone = await db
		.insertInto('customer')
		.values({ source: 'shop' })
		.returning('customer_id')
		.executeTakeFirstOrThrow();
	await db.deleteFrom('customer').where('customer_id', '=', gone.customer_id).execute();

	await db
		.insertInto('identity')
		.values([
			{ source: 'shop', kind: 'ref', value: 'C-1', customer_id: a, origin_customer_id: a },
			{
				source: 'shop',
				kind: 'email',
				value: 'zoe@example.com',
				customer_id: a,
				origin_customer_id: b
			}
		])
		.execute();
	await db
		.insertInto('identity_blocklist')
		.values({ kind: 'email', value: 'blocked@example.com', reason: null })
		.execute();
	await db
		.insertInto('ingest_key')
		.values({
			source: 'shop',
			entity: 'order',
			ref: 'o\t1',
			customer_id: a,
			row_id: 1,
			digest: 'ab'
		})
		.execute();
	await db
		.insertInto('customer_merge')
		.values({ from_customer_id: b, into_customer_id: a, merged_by: 'user:1', reason: tricky })
		.execute();
	await db
		.insertInto('fx_rate')
		.values([
			{ currency: 'EUR', day: '2026-01-01', rate: '1.0842000000000000000000000001' },
			{ currency: 'JPY', day: '2026-01-01', rate: '0.000000000123456789' }
		])
		.execute();
	await db
		.insertInto('interaction_event')
		.values({
			customer_id: a,
			origin_customer_id: a,
			source: 'shop',
			event_ref: 'e-1',
			occurred_at: NOW,
			occurred_on: '2026-06-15',
			channel: 'email',
			type: 'opened',
			message_ref: 'm-1',
			message_purpose: 'marketing',
			machine_open: true,
			machine_click: false,
			user_agent: tricky,
			properties: JSON.stringify({ nested: [1, 2.5, { text: tricky }], big: 1e300, none: null })
		})
		.execute();
	await db
		.insertInto('service_case')
		.values({
			customer_id: a,
			origin_customer_id: a,
			source: 'shop',
			case_ref: 'c-1',
			opened_at: NOW,
			resolved_at: sql<Date>`'infinity'::timestamptz`,
			contacts: 3,
			reopened: true,
			csat: 4
		})
		.execute();
	await db
		.insertInto('consent')
		.values({
			customer_id: a,
			origin_customer_id: a,
			source: 'shop',
			channel: 'email',
			status: 'opted_in',
			changed_at: NOW,
			changed_on: sql<string>`'0044-03-15 BC'::date`
		})
		.execute();
	await db.insertInto('program').values({ program: 'winback', label: tricky }).execute();
	await db
		.insertInto('program_assignment')
		.values({
			customer_id: a,
			program: 'winback',
			origin_customer_id: a,
			source: 'shop',
			arm: 'treatment',
			assigned_at: NOW
		})
		.execute();

	const admin = await createUser(db, {
		email: 'admin@example.com',
		name: 'Ada Admin',
		role: 'admin',
		password: 'correct horse battery staple'
	});
	const lead = await createUser(db, {
		email: 'lead@example.com',
		name: tricky,
		role: 'cx_lead',
		password: 'another horse battery staple',
		mustChangePassword: true
	});
	await createSession(db, generateSessionToken(), admin.id, NOW);
	await createSession(db, generateSessionToken(), lead.id, NOW);
	await recordAudit(db, {
		actorUserId: admin.id,
		action: 'user.add',
		target: userTarget(lead.id),
		detail: { role: 'cx_lead' }
	});
	await recordAudit(db, { actorUserId: null, action: 'settings.update', target: null });
}

async function withTarget<T>(url: string, work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
	const database = await openDatabase({ kind: 'postgres', url });
	try {
		return await work(database.db);
	} finally {
		await database.close();
	}
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		return await work(client);
	} finally {
		await client.end();
	}
}

/** Every table in the database, any schema but the system ones. */
function tablesOf(url: string): Promise<string[]> {
	return withClient(url, async (client) => {
		const result = await client.query<{ name: string }>(
			`select table_name as name from information_schema.tables
			  where table_schema not in ('pg_catalog', 'information_schema') order by 1`
		);
		return result.rows.map((r) => r.name);
	});
}

function rowsOf(url: string, query: string): Promise<unknown[]> {
	return withClient(url, async (client) => (await client.query(query)).rows);
}

/** `url` with a password in it: its own if it has one, else one the test server ignores. */
function withPassword(url: string): { url: string; password: string } {
	const parsed = new URL(url);
	if (!parsed.password) parsed.password = 'copy-to-secret-never-printed';
	return { url: parsed.toString(), password: decodeURIComponent(parsed.password) };
}

/** host:port/database, as the command describes a server. */
function locationOf(url: string): string {
	const parsed = new URL(url);
	return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
}
