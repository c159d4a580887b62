import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readDatabaseConfig } from '../config';
import { copyToCommand } from './copy-to-command';
import { backupDatabase, checkBackupTarget, refuseOnPostgres, restoreDatabase } from '../db/backup';
import { openDatabase, type Database } from '../db/database';
import { migrateToLatest } from '../db/migrate';
import { isRole, ROLES } from '../auth/permissions';
import { createUser } from '../auth/users';
import { EXIT, UserError } from '../errors';
import { importFxCsv } from '../ingest/fx';
import type { ImportSummary } from '../ingest/import-result';
import { recordImport } from '../ingest/import-run';
import { importOrdersCsv, ORDER_FORMATS, type OrderFormat } from '../ingest/orders';
import {
	checkMetricId,
	evaluateAny,
	parseCompareBasis,
	type MetricJson,
	type TableJson
} from '../metrics/evaluate';
import { parseLocalDate, PeriodError } from '../metrics/period';
import { removeDemo } from '../demo/remove';
import { parseCustomers, seedDemo } from '../demo/seed';
import { getDemoState } from '../demo/state';
import { refreshRollups } from '../rollups/refresh';
import { fitCustomerModels } from '../scoring/customer-models';
import { rescoreQueued } from '../scoring/rescore';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';

export interface CliIo {
	out: (text: string) => void;
	err: (text: string) => void;
	/** True when progress lines may be redrawn in place. */
	interactive: boolean;
	env: NodeJS.ProcessEnv;
	/** All of standard input (for --password-stdin). */
	readStdin: () => Promise<string>;
	/** Asks for a secret in a terminal without echoing it; undefined when there is no terminal. */
	askSecret: (prompt: string) => Promise<string | undefined>;
}

export const USAGE = `Usage: npm run cx -- <command>

Commands:
  migrate                                   bring the database schema up to date
  import orders <file> [--source S] [--format canonical|cdnow]
                                            import a canonical orders CSV, or a CDNOW master or
                                            sample file (source cdnow unless --source names one)
  import fx <file>                          import canonical fx_rates (currency, day, rate)
  refresh [--full]                          bring the rollups the boards read up to date; --full
                                            recomputes every customer's figures
  metric <id> [--from D] [--to D] [--compare previous|year]
              [--exclude-single-purchase] [--json]
                                            compute a metric; dates are YYYY-MM-DD, both inclusive;
                                            --exclude-single-purchase leaves out the customers
                                            whose only purchase came more than 90 days before the
                                            period's end (average order value and frequency)
  model fit [--until D] [--json]            fit the customer models (BG/NBD, Gamma-Gamma) on the
                                            purchase days up to D (default today) and score every
                                            customer as of D
  model score [--json]                      rescore, as of today, the customers touched by new
                                            data since the last fit, with its parameters
  user add --email E --role R [--name N] [--password-stdin]
                                            add a user (admin, executive, cx_lead or viewer); the
                                            password is asked for, or read from standard input
  backup <file> [--force]                   copy the embedded database to a file, e.g.
                                            cx-2026-07-01.tar.gz (PostgreSQL: use pg_dump)
  restore <file>                            replace the embedded database with a backup; the
                                            previous files are kept aside (PostgreSQL: pg_restore)
  copy-to                                   copy the embedded database to an empty PostgreSQL 15+
                                            server (URL from CX_COPY_TO_URL or standard input)
  seed [--customers N] [--seed S] [--anchor D]
                                            fill an empty installation with the demo company
                                            (default 6,000 customers, three years up to today)
  demo remove                               delete every demo row, the demo users and settings

The data lives in CX_DATA_DIR (default .data) or on the PostgreSQL server in DATABASE_URL.
Exit codes: 0 done, 1 failed (nothing stored), 2 bad arguments, 3 some rows rejected.`;

/** Runs one CLI command and returns its exit code; never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
	try {
		return await dispatch(argv, io);
	} catch (error) {
		if (error instanceof UserError) {
			io.err(error.message);
			return error.exitCode;
		}
		const message = error instanceof Error ? error.message : String(error);
		io.err(`cx failed: ${message.replace(/\s+/g, ' ')}`);
		if (io.env.CX_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
		return EXIT.failed;
	}
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
	const [command, ...rest] = argv;
	switch (command) {
		case 'migrate':
			parse(rest, {}, 0);
			return withDatabase(io, 'migrate', async ({ location }, applied) => {
				io.out(
					applied.length
						? `Applied ${applied.length} migration${applied.length > 1 ? 's' : ''} to ${location}: ${applied.join(', ')}.`
						: `The database at ${location} is up to date.`
				);
				return EXIT.ok;
			});
		case 'import':
			return importCommand(rest, io);
		case 'refresh':
			return refreshCommand(rest, io);
		case 'metric':
			return metricCommand(rest, io);
		case 'model':
			return modelCommand(rest, io);
		case 'user':
			return userCommand(rest, io);
		case 'backup':
			return backupCommand(rest, io);
		case 'restore':
			return restoreCommand(rest, io);
		case 'copy-to':
			return copyToCommand(rest, io);
		case 'seed':
			return seedCommand(rest, io);
		case 'demo':
			return demoCommand(rest, io);
		case undefined:
		case 'help':
		case '--help':
		case '-h':
			io.out(USAGE);
			return command === undefined ? EXIT.usage : EXIT.ok;
		default:
			throw new UserError(
				`Unknown command "${command}"; run "npm run cx -- help" for the list.`,
				EXIT.usage
			);
	}
}

async function importCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const [kind, ...rest] = argv;
	if (kind === 'orders') {
		const { values, positionals } = parse(
			rest,
			{ source: { type: 'string' }, format: { type: 'string' } },
			1
		);
		const file = positionals[0] as string;
		const source = values.source as string | undefined;
		const format = (values.format ?? 'canonical') as OrderFormat;
		if (!ORDER_FORMATS.includes(format)) {
			throw new UserError(
				`--format "${format}" is not an orders format; the formats are ${ORDER_FORMATS.join(' and ')}.`,
				EXIT.usage
			);
		}
		if (source !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/.test(source)) {
			throw new UserError(
				`--source "${source}" is not a source name (letters, digits, _ . : -).`,
				EXIT.usage
			);
		}
		return withDatabase(io, 'import orders', async ({ db, throughServer }) => {
			const started = performance.now();
			const progress = progressPrinter(io);
			const summary = await runImport(() =>
				recordImport(db, 'orders', file, () =>
					importOrdersCsv(db, file, {
						...(source ? { source } : {}),
						format,
						onProgress: progress.update,
						// Beside the running server: short transactions, so its pages never wait long.
						...(throughServer ? { chunkBudgetMs: 200 } : {})
					})
				)
			);
			progress.done();
			const code = report(io, summary, 'order', started);
			if (summary.stored > 0) await refreshAfterImport(db);
			if (throughServer && 'chunks' in summary) {
				io.out(
					`Stored beside the running server (pid ${throughServer.pid}) in ${(summary.chunks as number).toLocaleString('en-US')} short transactions.`
				);
			}
			if (summary.stored > 0 && (await getDemoState(db))) {
				io.out(
					'The demo company is still in this installation, mixed into every figure with your data; remove it with "npm run cx -- demo remove".'
				);
			}
			return code;
		});
	}
	if (kind === 'fx') {
		const { positionals } = parse(rest, {}, 1, 'import fx');
		const file = positionals[0] as string;
		return withDatabase(io, 'import fx', async ({ db }) => {
			const started = performance.now();
			const summary = await runImport(() =>
				recordImport(db, 'fx', file, () => importFxCsv(db, file))
			);
			const code = report(io, summary, 'rate', started);
			if (summary.stored > 0) await refreshAfterImport(db);
			return code;
		});
	}
	throw new UserError(
		kind
			? `Cannot import "${kind}"; the formats are orders and fx.`
			: 'Name what to import: orders or fx.',
		EXIT.usage
	);
}

/**
 * The rollups take in what an import stored, so boards and `cx metric` show it at once (silently:
 * an import prints its rejections and its summary only).
 */
async function refreshAfterImport(db: Kysely<DB>): Promise<void> {
	await refreshRollups(db);
}

async function refreshCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const { values } = parse(argv, { full: { type: 'boolean' } }, 0, 'refresh');
	return withDatabase(io, 'refresh', async ({ db }) => {
		const started = performance.now();
		let last = 0;
		const report = await refreshRollups(db, {
			full: values.full === true,
			onProgress: ({ phase, done, total }) => {
				const now = performance.now();
				if (phase !== 'build' || now - last < (io.interactive ? 250 : 10_000)) return;
				last = now;
				const line = `… ${(done ?? 0).toLocaleString('en-US')} of ${(total ?? 0).toLocaleString('en-US')} customers`;
				io.err(io.interactive ? `\r${line}` : line);
			}
		});
		if (io.interactive && last > 0) io.err('\r\u001b[K');
		const n = (value: number) => value.toLocaleString('en-US');
		io.out(
			`Rollups are up to date (generation ${report.generation ?? '—'}): ${n(report.deltas)} changes folded in, ${n(report.customers)} customers recomputed${report.built ? `, ${n(report.built)} customers rebuilt` : ''}; ${((performance.now() - started) / 1000).toFixed(1)} s.`
		);
		return EXIT.ok;
	});
}

async function runImport(work: () => Promise<ImportSummary>): Promise<ImportSummary> {
	try {
		return await work();
	} catch (error) {
		if (error instanceof UserError) throw error;
		const message = error instanceof Error ? error.message : String(error);
		throw new UserError(
			`The import failed and nothing from the file was stored: ${message.replace(/\s+/g, ' ')}`
		);
	}
}

function report(io: CliIo, summary: ImportSummary, noun: string, started: number): number {
	for (const r of summary.rejected) {
		io.out(
			`rejected: line ${r.line}${r.ref ? `, ${noun === 'order' ? 'order_ref' : 'rate'} ${r.ref}` : ''}, ${r.field}: ${r.message}`
		);
	}
	const seconds = (performance.now() - started) / 1000;
	const rate = seconds > 0 ? Math.round(summary.rows / seconds) : summary.rows;
	const n = (value: number) => value.toLocaleString('en-US');
	io.out(
		`${n(summary.rows)} ${summary.rows === 1 ? 'row' : 'rows'} read: ${n(summary.stored)} stored, ${n(summary.skipped)} skipped (already stored), ${n(summary.rejected.length)} rejected${summary.rejected.length ? ' (listed above)' : ''}; ${seconds.toFixed(1)} s, ${n(rate)} rows/s.`
	);
	return summary.rejected.length ? EXIT.rejectedRows : EXIT.ok;
}

function progressPrinter(io: CliIo) {
	let last = performance.now();
	let shown = false;
	return {
		update({
			rows,
			bytesRead,
			totalBytes
		}: {
			rows: number;
			bytesRead: number;
			totalBytes: number;
		}) {
			const now = performance.now();
			if (now - last < (io.interactive ? 250 : 10_000)) return;
			last = now;
			const percent = totalBytes ? Math.min(100, Math.round((100 * bytesRead) / totalBytes)) : 0;
			const line = `… ${rows.toLocaleString('en-US')} rows read (${percent}%)`;
			if (io.interactive) {
				io.err(`\r${line}`);
				shown = true;
			} else io.err(line);
		},
		done() {
			if (shown) io.err('\r\u001b[K');
		}
	};
}

async function metricCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const { values, positionals } = parse(
		argv,
		{
			from: { type: 'string' },
			to: { type: 'string' },
			compare: { type: 'string' },
			'exclude-single-purchase': { type: 'boolean' },
			json: { type: 'boolean' }
		},
		1
	);
	const id = positionals[0] as string;
	checkMetricId(id);
	parseCompareBasis(values.compare as string | undefined);
	const from = values.from as string | undefined;
	const to = values.to as string | undefined;
	try {
		if (from !== undefined) parseLocalDate(from);
		if (to !== undefined) parseLocalDate(to);
	} catch (error) {
		if (error instanceof PeriodError) throw new UserError(error.message, EXIT.usage);
		throw error;
	}
	if (to !== undefined && from === undefined) {
		throw new UserError('--to needs --from: give the first day of the period too.', EXIT.usage);
	}
	if (from !== undefined && to !== undefined && from > to) {
		throw new UserError(`The start date ${from} is after the end date ${to}.`, EXIT.usage);
	}
	return withDatabase(io, 'metric', async ({ db }) => {
		const result = await evaluateAny(db, {
			id,
			...(from ? { from } : {}),
			...(to ? { to } : {}),
			...(values.compare ? { compare: values.compare as string } : {}),
			...(values['exclude-single-purchase'] ? { excludeSinglePurchase: true } : {})
		});
		io.out(values.json ? JSON.stringify(result, null, 2) : describeMetric(result));
		return EXIT.ok;
	});
}

async function modelCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const [action, ...rest] = argv;
	if (action === 'score') return modelScoreCommand(rest, io);
	if (action !== 'fit') {
		throw new UserError(
			action
				? `Cannot "model ${action}"; the actions are "model fit" and "model score".`
				: 'Say "model fit" or "model score".',
			EXIT.usage
		);
	}
	const { values } = parse(
		rest,
		{ until: { type: 'string' }, json: { type: 'boolean' } },
		0,
		'model fit'
	);
	const until = values.until as string | undefined;
	if (until !== undefined) {
		try {
			parseLocalDate(until);
		} catch (error) {
			if (error instanceof PeriodError) throw new UserError(error.message, EXIT.usage);
			throw error;
		}
	}
	return withDatabase(io, 'model fit', async ({ db }) => {
		const started = performance.now();
		const fit = await fitCustomerModels(db, until ? { until } : {});
		const { bgnbd, gammaGamma, summary } = fit;
		if (values.json) {
			io.out(
				JSON.stringify(
					{
						until: fit.until,
						bgnbd: {
							r: bgnbd.r,
							alpha: bgnbd.alpha,
							a: bgnbd.a,
							b: bgnbd.b,
							logLikelihood: bgnbd.logLikelihood,
							customers: bgnbd.customers,
							standardErrors: bgnbd.standardErrors
						},
						gammaGamma: gammaGamma
							? {
									p: gammaGamma.p,
									q: gammaGamma.q,
									gamma: gammaGamma.gamma,
									customers: gammaGamma.customers,
									leftOut: gammaGamma.leftOut
								}
							: null,
						...(fit.spendFallback ? { spendFallback: fit.spendFallback } : {}),
						scored: summary.scored,
						atRisk: summary.atRisk
					},
					null,
					2
				)
			);
			return EXIT.ok;
		}
		const n = (value: number) => value.toLocaleString('en-US');
		const f = (value: number, digits: number) => value.toFixed(digits);
		io.out(
			[
				`Fitted on the purchase days up to ${fit.until} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
				`BG/NBD on ${n(bgnbd.customers)} customers: r ${f(bgnbd.r, 3)}, alpha ${f(bgnbd.alpha, 3)}, a ${f(bgnbd.a, 3)}, b ${f(bgnbd.b, 3)} (log-likelihood ${f(bgnbd.logLikelihood, 2)}).`,
				gammaGamma
					? `Gamma-Gamma on ${n(gammaGamma.customers)} customers with repeat purchases (${n(gammaGamma.leftOut)} left out): p ${f(gammaGamma.p, 2)}, q ${f(gammaGamma.q, 2)}, gamma ${f(gammaGamma.gamma, 2)}.`
					: `Gamma-Gamma not fitted: ${fit.spendFallback?.reason ?? ''} CLV uses the average repeat purchase value, ${f(fit.spendFallback?.averageValue ?? 0, 2)} over ${n(fit.spendFallback?.customers ?? 0)} customers.`,
				`Scored ${n(summary.scored)} customers as of ${fit.until}: ${n(summary.atRisk)} high-value customers at risk, with ${f(summary.revenueAtRisk, 2)} of net revenue in the last 365 days.`
			].join('\n')
		);
		return EXIT.ok;
	});
}

async function modelScoreCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const { values } = parse(argv, { json: { type: 'boolean' } }, 0, 'model score');
	return withDatabase(io, 'model score', async ({ db }) => {
		const started = performance.now();
		const report = await rescoreQueued(db);
		const seconds = (performance.now() - started) / 1000;
		if (values.json) {
			io.out(JSON.stringify({ ...report, seconds }, null, 2));
			return EXIT.ok;
		}
		io.out(
			report.rescored + report.removed === 0
				? `No customer waited to be rescored.${report.waiting ? ` ${report.waiting}` : ''}`
				: `Rescored ${report.rescored.toLocaleString('en-US')} customers touched by new data in ${seconds.toFixed(1)} s${report.removed > 0 ? ` (${report.removed.toLocaleString('en-US')} without a purchase left)` : ''}.${report.waiting ? ` ${report.waiting}` : ''}`
		);
		return EXIT.ok;
	});
}

export function describeMetric(m: MetricJson | TableJson): string {
	if ('kind' in m) return describeTable(m);
	const show = (value: number | null) =>
		value === null
			? '—'
			: m.unit === 'ratio'
				? `${(100 * value).toFixed(1)}%`
				: value.toLocaleString('en-US');
	const counts = m.denominator !== null ? ` (${m.numerator} of ${m.denominator})` : '';
	const lines = [
		`${m.label}, ${m.period.label} (${m.period.from} – ${m.period.to}, ${m.timeZone}): ${show(m.value)}${counts}`,
		`  status ${m.status}, n = ${m.n}; ${m.compare.basis === 'year' ? 'a year earlier' : 'previous period'} ${m.compare.from} – ${m.compare.to}: ${show(m.compare.value)}`
	];
	if (m.extra.excludeSinglePurchase === true) {
		lines.push(
			`  single-purchase customers left out: ${String(m.extra.excludedCustomers)} (and ${String(m.extra.unknownFirstPurchase)} kept in, their first purchase unknown)`
		);
	}
	if (typeof m.extra.reason === 'string') lines.push(`  ${m.extra.reason}`);
	return lines.join('\n');
}

/** A cohort table in words: one line per cohort, the "in month k" shares. */
function describeTable(t: TableJson): string {
	const lines = [`${t.label}, ${t.period.label} (${t.timeZone}), share buying in month k:`];
	for (const row of t.rows) {
		const shares = (row.inMonth as (number | null)[])
			.map((v) => (v === null ? '—' : `${(100 * v).toFixed(0)}%`))
			.join(' ');
		lines.push(`  ${String(row.cohort)}  ${String(row.customers)} customers  ${shares}`);
	}
	if (typeof t.extra.reason === 'string') lines.push(`  ${t.extra.reason}`);
	return lines.join('\n');
}

function parse(
	argv: readonly string[],
	options: ParseArgsConfig['options'],
	positionalCount: number,
	command = 'import orders',
	example = 'data.csv'
) {
	let parsed;
	try {
		parsed = parseArgs({
			args: [...argv],
			options: options ?? {},
			allowPositionals: true,
			strict: true
		});
	} catch (error) {
		throw new UserError(
			`${describeArgsError(error)}; run "npm run cx -- help" for usage.`,
			EXIT.usage
		);
	}
	if (parsed.positionals.length !== positionalCount) {
		throw new UserError(
			positionalCount === 0
				? `Unexpected argument "${parsed.positionals[0]}"; run "npm run cx -- help" for usage.`
				: parsed.positionals.length < positionalCount
					? `Name the file${command === 'backup' ? '' : ' to read'}, e.g. "npm run cx -- ${command} ${example}".`
					: `Too many arguments (${parsed.positionals.slice(positionalCount).join(' ')}); run "npm run cx -- help" for usage.`,
			EXIT.usage
		);
	}
	return parsed;
}

async function withDatabase(
	io: CliIo,
	holder: string,
	work: (database: Database, applied: string[]) => Promise<number>
): Promise<number> {
	const database = await openDatabase(readDatabaseConfig(io.env), { holder, warn: io.err });
	try {
		const { applied } = await migrateToLatest(database.db);
		return await work(database, applied);
	} finally {
		await database.close();
	}
}

function describeArgsError(error: unknown): string {
	const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
	const message = error instanceof Error ? error.message : String(error);
	const option = /'(-[^' ]+)/.exec(message)?.[1];
	if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option "${option}"`;
	if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
		return `The option "${option}" needs a value`;
	}
	return (message.split(/\.\s/)[0] ?? message).replace(/\.$/, '');
}

async function backupCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const { values, positionals } = parse(
		argv,
		{ force: { type: 'boolean' } },
		1,
		'backup',
		'cx-backup.tar.gz'
	);
	const file = path.resolve(positionals[0] as string);
	const force = Boolean(values.force);
	refuseOnPostgres(readDatabaseConfig(io.env), 'backup');
	checkBackupTarget(file, force);
	return withDatabase(io, 'backup', async (database) => {
		const { bytes, customers, orders } = await backupDatabase(database, file, force);
		const n = (value: number) => value.toLocaleString('en-US');
		io.out(
			`Backed up ${database.location} to ${file} (${(bytes / 1_000_000).toFixed(1)} MB): ${n(customers)} customer${customers === 1 ? '' : 's'}, ${n(orders)} order${orders === 1 ? '' : 's'}.`
		);
		return EXIT.ok;
	});
}

async function restoreCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const { positionals } = parse(argv, {}, 1, 'restore', 'cx-backup.tar.gz');
	const file = path.resolve(positionals[0] as string);
	const config = readDatabaseConfig(io.env);
	const { previous, applied } = await restoreDatabase(config, file, io.err);
	const migrated = applied.length
		? `, brought up to date with ${applied.length} migration${applied.length > 1 ? 's' : ''}`
		: '';
	io.out(
		previous
			? `Restored ${file}${migrated}; the previous data was kept in ${previous}, which you may delete once you are satisfied.`
			: `Restored ${file}${migrated}.`
	);
	return EXIT.ok;
}

async function userCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const [action, ...rest] = argv;
	if (action !== 'add') {
		throw new UserError(
			action
				? `Unknown user command "${action}"; the user command is: add.`
				: 'Say what to do: user add.',
			EXIT.usage
		);
	}
	const { values } = parse(
		rest,
		{
			email: { type: 'string' },
			role: { type: 'string' },
			name: { type: 'string' },
			'password-stdin': { type: 'boolean' }
		},
		0
	);
	const email = values.email as string | undefined;
	const role = values.role as string | undefined;
	if (!email) throw new UserError("Give the new user's email with --email.", EXIT.usage);
	if (!role || !isRole(role)) {
		throw new UserError(
			`--role must be one of ${ROLES.join(', ')}${role ? `, not "${role}"` : ''}.`,
			EXIT.usage
		);
	}
	const password = await readNewPassword(io, Boolean(values['password-stdin']));
	return withDatabase(io, 'user add', async ({ db }) => {
		const user = await createUser(db, {
			email,
			role,
			password,
			...(values.name ? { name: values.name as string } : {})
		});
		io.out(`Added ${user.email} as ${user.role.replace('_', ' ')}.`);
		return EXIT.ok;
	});
}

/** The password never comes as an argument (it would show in the process list and history). */
async function readNewPassword(io: CliIo, fromStdin: boolean): Promise<string> {
	if (fromStdin) {
		const text = (await io.readStdin()).replace(/\r?\n$/, '');
		if (!text) throw new UserError('Standard input held no password.', EXIT.usage);
		return text;
	}
	const first = await io.askSecret('Password for the new user: ');
	if (first === undefined) {
		throw new UserError(
			'Give the password on standard input with --password-stdin, or run cx in a terminal to be asked for it.',
			EXIT.usage
		);
	}
	const again = await io.askSecret('The same password again: ');
	if (first !== again) throw new UserError('The two passwords are not the same.', EXIT.usage);
	return first;
}

async function seedCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const { values } = parse(
		argv,
		{ customers: { type: 'string' }, seed: { type: 'string' }, anchor: { type: 'string' } },
		0
	);
	const customers =
		values.customers === undefined ? undefined : parseCustomers(values.customers as string);
	const seed = values.seed as string | undefined;
	if (seed !== undefined && !/^[\x21-\x7e]{1,64}$/.test(seed)) {
		throw new UserError('--seed takes 1 to 64 visible ASCII characters.', EXIT.usage);
	}
	let anchor = values.anchor as string | undefined;
	if (anchor !== undefined) {
		try {
			anchor = parseLocalDate(anchor);
		} catch (error) {
			if (error instanceof PeriodError)
				throw new UserError(`--anchor: ${error.message}`, EXIT.usage);
			throw error;
		}
	}
	return withDatabase(io, 'seed', async ({ db, location }) => {
		let last = 0;
		const summary = await seedDemo(db, {
			...(customers !== undefined ? { customers } : {}),
			...(seed !== undefined ? { seed } : {}),
			...(anchor !== undefined ? { anchor } : {}),
			onProgress: ({ done, total }) => {
				const now = performance.now();
				if (now - last < (io.interactive ? 250 : 10_000)) return;
				last = now;
				const line = `… ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} people written`;
				io.err(io.interactive ? `\r${line}` : line);
			}
		});
		if (io.interactive) io.err('\r\u001b[K');
		const n = (value: number) => value.toLocaleString('en-US');
		io.out(
			`Seeded the demo company into ${location}: ${n(summary.people)} people, ${n(summary.rows)} rows, three years up to ${summary.anchor}, in ${summary.seconds.toFixed(1)} s (${n(summary.chunks)} transactions, the longest ${Math.round(summary.longestChunkMs)} ms).`
		);
		if (anchor !== undefined) {
			io.out(
				'With --anchor the demo stays at that date; without it, a running server keeps it current.'
			);
		}
		return EXIT.ok;
	});
}

async function demoCommand(argv: readonly string[], io: CliIo): Promise<number> {
	const [action, ...rest] = argv;
	if (action !== 'remove') {
		throw new UserError(
			action
				? `Unknown demo command "${action}"; the demo command is: remove.`
				: 'Say what to do: demo remove.',
			EXIT.usage
		);
	}
	parse(rest, {}, 0);
	return withDatabase(io, 'demo remove', async ({ db, location }) => {
		const summary = await removeDemo(db);
		const n = (value: number) => value.toLocaleString('en-US');
		io.out(
			summary.customers || summary.users
				? `Removed the demo company from ${location}: ${n(summary.customers)} customers and ${n(summary.rows)} rows, ${summary.users} demo users${summary.fxRatesRemoved ? ', its exchange rates' : ''}.`
				: `No demo data in ${location}; nothing to remove.`
		);
		return EXIT.ok;
	});
}
