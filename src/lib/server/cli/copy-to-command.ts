import fs from 'node:fs';
import path from 'node:path';
import { MEMORY, readDatabaseConfig } from '../config';
import { checkTargetUrl, connectTarget, copyDatabase, type CopySummary } from '../db/copy-to';
import { openDatabase, PGDATA } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { EXIT, UserError } from '../errors';
import type { CliIo } from './run';

const URL_VARIABLE = 'CX_COPY_TO_URL';

/**
 * `cx copy-to`: copies the embedded database (CX_DATA_DIR) onto an empty PostgreSQL server. The
 * target's URL holds a password, so it comes from CX_COPY_TO_URL, a prompt or standard input and
 * never from an argument (which the process list and the shell history would show).
 */
export async function copyToCommand(argv: readonly string[], io: CliIo): Promise<number> {
	if (argv.length) {
		throw new UserError(
			`cx copy-to takes no arguments: give the target's URL in ${URL_VARIABLE} or on standard input, never on the command line, where the process list and shell history would show its password.`,
			EXIT.usage
		);
	}
	const config = readDatabaseConfig(io.env);
	if (config.kind === 'postgres') {
		throw new UserError(
			`cx copy-to copies the embedded database to a server, but DATABASE_URL is set; unset it and point CX_DATA_DIR at the data folder to copy.`,
			EXIT.usage
		);
	}
	if (config.dataDir === MEMORY) {
		throw new UserError(
			`cx copy-to needs the embedded database's data folder in CX_DATA_DIR, not ${MEMORY}.`,
			EXIT.usage
		);
	}
	if (!fs.existsSync(path.join(config.dataDir, PGDATA, 'PG_VERSION'))) {
		throw new UserError(
			`There is no embedded database in ${config.dataDir} to copy; point CX_DATA_DIR at its data folder.`
		);
	}
	const { url, origin } = await readTargetUrl(io);
	checkTargetUrl(url, origin);

	const target = await connectTarget(url, origin);
	try {
		const source = await openDatabase(config, { holder: 'copy-to', warn: io.err });
		try {
			if (source.throughServer) {
				// One consistent read of every table would hold the server's database for the whole
				// copy (the app would stall), and the move means a stop anyway.
				throw new UserError(
					`The command center server (pid ${source.throughServer.pid}) is running on ${config.dataDir}; stop it first, then copy, then start it with DATABASE_URL.`
				);
			}
			await migrateToLatest(source.db);
			const progress = rowsPrinter(io);
			const summary = await copyDatabase(source.db, target, {
				onStart: (applied) =>
					io.out(
						`Copying ${source.location} to ${target.location} (its schema created by ${count(applied.length, 'migration')}):`
					),
				onRows: progress.update,
				onTable: ({ table, rows, index, total }) => {
					progress.done();
					io.out(`  ${index}/${total} ${table}: ${count(rows, 'row')}`);
				}
			});
			io.out(describeSummary(summary, source.location, target.location));
			return EXIT.ok;
		} finally {
			await source.close();
		}
	} catch (error) {
		throw redacted(error, url);
	} finally {
		await target.close();
	}
}

/** CX_COPY_TO_URL, else a prompt that does not echo (in a terminal), else standard input's first line. */
async function readTargetUrl(io: CliIo): Promise<{ url: string; origin: string }> {
	const fromEnv = io.env[URL_VARIABLE]?.trim();
	if (fromEnv) return { url: fromEnv, origin: URL_VARIABLE };
	const asked = await io.askSecret("The target PostgreSQL server's URL (postgres://…): ");
	const text = asked ?? (await io.readStdin());
	const url = text
		.split(/\r?\n/)
		.map((line) => line.trim())
		.find(Boolean);
	if (!url) {
		throw new UserError(
			`Give the target's URL, e.g. postgres://user:password@host:5432/cx, in ${URL_VARIABLE} or on standard input.`,
			EXIT.usage
		);
	}
	return { url, origin: asked === undefined ? 'standard input' : 'the URL typed' };
}

function describeSummary(summary: CopySummary, from: string, to: string): string {
	return `Copied ${count(summary.tables.length, 'table')} with ${count(summary.rows, 'row')} from ${from} to ${to} in ${summary.seconds.toFixed(1)} s; every row count matches, and ${from} is unchanged: set DATABASE_URL to the server's URL to use it.`;
}

function count(n: number, noun: string): string {
	return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/** A line now and then while a big table streams: redrawn in a terminal, every 10 s otherwise. */
function rowsPrinter(io: CliIo) {
	let last = performance.now();
	let shown = false;
	return {
		update(table: string, rows: number) {
			const now = performance.now();
			if (now - last < (io.interactive ? 250 : 10_000)) return;
			last = now;
			const line = `… ${table}: ${rows.toLocaleString('en-US')} rows so far`;
			if (io.interactive) {
				io.err(`\r${line}`);
				shown = true;
			} else io.err(line);
		},
		done() {
			if (shown) io.err('\r\u001b[K');
			shown = false;
		}
	};
}

/**
 * Every failure leaves the target unchanged (one transaction). The message is one sentence, and
 * whatever the server or driver said, the URL's password never reaches the output.
 */
function redacted(error: unknown, url: string): UserError {
	let password = '';
	try {
		password = decodeURIComponent(new URL(url).password);
	} catch {
		// checked before; nothing to hide then
	}
	const hide = (text: string) =>
		password
			? text.replaceAll(password, '***').replaceAll(encodeURIComponent(password), '***')
			: text;
	if (error instanceof UserError) return new UserError(hide(error.message), error.exitCode);
	const message = (error instanceof Error ? error.message : String(error))
		.replace(/\s+/g, ' ')
		.replace(/\.$/, '');
	return new UserError(hide(`The copy failed and the target was left unchanged: ${message}.`));
}
