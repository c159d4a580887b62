/**
 * The built CLI (build-cli/cli.js) as a process, one test per exit code it promises:
 * 0 done, 1 failed with nothing stored, 2 bad arguments, 3 some rows rejected.
 * Every message must be one sentence for a person, never a stack trace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from '$lib/server/db/data-dir-lock';
import { testDatabaseKind } from './helpers/database';
import {
	childEnv,
	createDataTarget,
	expectOneSentence,
	makeTempDir,
	runCli,
	stopAllChildren,
	type DataTarget,
	type ExitResult
} from './helpers/processes';

const kind = testDatabaseKind();
const HEADER = 'source,order_ref,customer_ref,ordered_at,kind,amount,currency,channel,refers_to';

let files: string;
let shared: DataTarget;

beforeAll(async () => {
	files = makeTempDir('cx-cli-files-');
	shared = await createDataTarget();
});

afterAll(async () => {
	await stopAllChildren();
	await shared?.dispose();
	if (files) fs.rmSync(files, { recursive: true, force: true });
});

/** Runs the CLI on the file's shared database (or on `target`). */
function cx(args: string[], target: DataTarget = shared): Promise<ExitResult> {
	return runCli(args, childEnv(target.env));
}

function writeFile(name: string, text: string): string {
	const file = path.join(files, name);
	fs.writeFileSync(file, text);
	return file;
}

/** An orders CSV with the canonical header and these data lines (line 2 onward). */
function ordersCsv(name: string, rows: readonly string[]): string {
	return writeFile(name, [HEADER, ...rows].join('\n') + '\n');
}

interface Summary {
	rows: number;
	stored: number;
	skipped: number;
	rejected: number;
}

/** The import summary, which must be the last line of stdout. */
function summaryOf(result: ExitResult): Summary {
	const lines = result.stdout.trim().split('\n');
	const last = lines[lines.length - 1] ?? '';
	const match =
		/^([\d,]+) rows? read: ([\d,]+) stored, ([\d,]+) skipped \(already stored\), ([\d,]+) rejected/.exec(
			last
		);
	expect(match, `an import summary as the last line of:\n${result.stdout}`).not.toBeNull();
	const n = (i: number) => Number((match?.[i] ?? '').replace(/,/g, ''));
	return { rows: n(1), stored: n(2), skipped: n(3), rejected: n(4) };
}

interface Rejection {
	line: number;
	ref: string;
	field: string;
	message: string;
}

/** The "rejected: line N, order_ref R, field: message" lines of an import. */
function rejectionsOf(result: ExitResult, noun = 'order_ref'): Rejection[] {
	return result.stdout
		.split('\n')
		.filter((line) => line.startsWith('rejected:'))
		.map((line) => {
			const match = new RegExp(`^rejected: line (\\d+), ${noun} (.+?), ([a-z_()]+): (.+)$`).exec(
				line
			);
			expect(match, `a rejection line: ${line}`).not.toBeNull();
			return {
				line: Number(match?.[1]),
				ref: match?.[2] ?? '',
				field: match?.[3] ?? '',
				message: match?.[4] ?? ''
			};
		});
}

/**
 * Exit 0 or 3 from an import: stdout holds only rejection lines and the summary; stderr holds at
 * most progress lines (printed when the command has run for 10 s, as on a loaded machine).
 */
function expectImport(result: ExitResult, code: 0 | 3, expected: Summary): void {
	for (const line of result.stderr.split('\n').filter(Boolean)) {
		expect(line, 'stderr of an import').toMatch(/^… [\d,]+ rows read \(\d+%\)$/);
	}
	expect(result.stdout).not.toContain('    at ');
	const lines = result.stdout.trim().split('\n');
	for (const line of lines.slice(0, -1)) expect(line).toMatch(/^rejected: line \d+, /);
	expectOneSentence(lines[lines.length - 1] ?? '');
	expect(summaryOf(result)).toEqual(expected);
	expect(result.code, result.stdout).toBe(code);
}

/** Exit 1 or 2: one sentence on stderr, nothing on stdout. */
function expectFailure(result: ExitResult, code: 1 | 2, pattern: RegExp): void {
	expect(result.stdout, 'stdout of a failed command').toBe('');
	expectOneSentence(result.stderr, pattern);
	expect(result.code, result.stderr).toBe(code);
}

describe('cx migrate', () => {
	it('creates the schema (exit 0), then says the database is up to date (exit 0)', async () => {
		const first = await cx(['migrate']);
		expect(first.stderr).toBe('');
		expectOneSentence(first.stdout, /^Applied \d+ migrations? to .+: \d{4}_\d\d_\d\d_\d{4}_\w+/);
		expect(first.code).toBe(0);

		const again = await cx(['migrate']);
		expect(again.stderr).toBe('');
		expectOneSentence(again.stdout, /^The database at .+ is up to date\.$/);
		expect(again.code).toBe(0);
		if (shared.dataDir) expect(again.stdout).toContain(shared.dataDir);
		else expect(again.stdout).toContain(shared.databaseName);
	});
});

describe('cx import orders', () => {
	const valid = [
		'shop,A-1,c1,2026-06-01T10:00:00+02:00,order,12.50,USD,web,',
		'shop,A-2,c2,2026-06-02,order,5,,,',
		'shop,A-3,c1,2026-06-05,refund,-2.5,USD,web,A-1'
	];

	it('stores a valid file (exit 0), and skips every row when the file comes again', async () => {
		const file = ordersCsv('valid.csv', valid);
		expectImport(await cx(['import', 'orders', file]), 0, {
			rows: 3,
			stored: 3,
			skipped: 0,
			rejected: 0
		});
		expectImport(await cx(['import', 'orders', file]), 0, {
			rows: 3,
			stored: 0,
			skipped: 3,
			rejected: 0
		});
	});

	it('rejects a stored order whose amount changed (exit 3), naming line, order_ref and field', async () => {
		const file = ordersCsv('changed.csv', [
			valid[0] as string,
			'shop,A-2,c2,2026-06-02,order,6,,,',
			valid[2] as string
		]);
		const result = await cx(['import', 'orders', file]);
		expectImport(result, 3, { rows: 3, stored: 0, skipped: 2, rejected: 1 });
		const [rejection, ...more] = rejectionsOf(result);
		expect(more).toEqual([]);
		expect(rejection).toMatchObject({ line: 3, ref: 'A-2', field: 'order_ref' });
		expect(rejection?.message).toMatch(/different values/);
	});

	it('lists every invalid row (exit 3) and stores the valid rows of the same file', async () => {
		const rows = [
			'shop,V-1,v1,2026-06-10T09:00:00Z,order,10,,,',
			'shop,V-2,v2,2026-06-10T09:00:00Z,order,"12,50",,,',
			'shop,V-3,v3,2026-06-10T09:00:00,order,3,,,',
			'shop,V-4,v4,2026-06-10,gift,3,,,',
			'shop,V-5,v5,2026-06-10,order,-5,,,',
			'shop,V-6,v6,2026-06-11,order,7.25,,,'
		];
		const file = ordersCsv('some-invalid.csv', rows);
		const result = await cx(['import', 'orders', file]);
		expectImport(result, 3, { rows: 6, stored: 2, skipped: 0, rejected: 4 });
		const rejections = rejectionsOf(result);
		expect(rejections.map(({ line, ref, field }) => ({ line, ref, field }))).toEqual([
			{ line: 3, ref: 'V-2', field: 'amount' },
			{ line: 4, ref: 'V-3', field: 'ordered_at' },
			{ line: 5, ref: 'V-4', field: 'kind' },
			{ line: 6, ref: 'V-5', field: 'amount' }
		]);
		expect(rejections[0]?.message).toContain('"12,50"');
		expect(rejections[1]?.message).toMatch(/offset/);
		expect(rejections[2]?.message).toContain('"gift"');
		expect(rejections[3]?.message).toMatch(/negative/);

		// The two valid rows were stored: they are skipped now, alone or among the invalid ones.
		expectImport(await cx(['import', 'orders', file]), 3, {
			rows: 6,
			stored: 0,
			skipped: 2,
			rejected: 4
		});
		const validOnly = ordersCsv('valid-of-some-invalid.csv', [
			rows[0] as string,
			rows[5] as string
		]);
		expectImport(await cx(['import', 'orders', validOnly]), 0, {
			rows: 2,
			stored: 0,
			skipped: 2,
			rejected: 0
		});
	});

	it('takes the source from --source for a file without a source column (exit 0)', async () => {
		const file = writeFile(
			'no-source.csv',
			'order_ref,customer_ref,ordered_at,amount\nP-1,p1,2026-06-03,4\nP-2,p2,2026-06-04,5.5\n'
		);
		expectImport(await cx(['import', 'orders', file, '--source', 'pos']), 0, {
			rows: 2,
			stored: 2,
			skipped: 0,
			rejected: 0
		});
		expectImport(await cx(['import', 'orders', '--source', 'pos', file]), 0, {
			rows: 2,
			stored: 0,
			skipped: 2,
			rejected: 0
		});
	});

	it('fails (exit 1) for a file without a source column when --source is not given', async () => {
		const file = writeFile(
			'no-source-2.csv',
			'order_ref,customer_ref,ordered_at,amount\nP-3,p3,2026-06-03,4\n'
		);
		expectFailure(await cx(['import', 'orders', file]), 1, /header.*\bsource\b/);
	});
});

describe('cx import fails with exit 1 and stores nothing', () => {
	it('for a file that does not exist', async () => {
		const file = path.join(files, 'no-such-file.csv');
		const result = await cx(['import', 'orders', file]);
		expectFailure(result, 1, /no such file/);
		expect(result.stderr, 'the path is named so the person can check it').toContain(file);
	});

	it('for a folder instead of a file', async () => {
		const folder = path.join(files, 'a-folder.csv');
		fs.mkdirSync(folder, { recursive: true });
		const result = await cx(['import', 'orders', folder]);
		expectFailure(result, 1, /is a folder/);
		expect(result.stderr).toContain(folder);
	});

	it('for a header with an unknown column, storing none of its rows', async () => {
		const rows = ['shop,H-1,h1,2026-06-01,order,1,,,', 'shop,H-2,h2,2026-06-02,order,2,,,'];
		const file = writeFile(
			'unknown-column.csv',
			[`${HEADER},colour`, ...rows.map((r) => `${r},red`)].join('\n') + '\n'
		);
		expectFailure(await cx(['import', 'orders', file]), 1, /wrong header.*"colour"/);
		expectImport(await cx(['import', 'orders', ordersCsv('unknown-column-fixed.csv', rows)]), 0, {
			rows: 2,
			stored: 2,
			skipped: 0,
			rejected: 0
		});
	});

	it('for an empty file', async () => {
		expectFailure(
			await cx(['import', 'orders', writeFile('empty.csv', '')]),
			1,
			/empty.*header row/
		);
	});

	it('for an unclosed quote after many valid rows, storing none of them', async () => {
		// More valid rows than one insert batch (5000), so some were written before the bad row:
		// only a rolled-back transaction leaves nothing behind.
		const rows = Array.from(
			{ length: 6000 },
			(_, i) => `bulk,B-${i + 1},b${i % 700},2026-06-01T10:00:00Z,order,1.5,,,`
		);
		const broken = ordersCsv('unclosed-quote.csv', [
			...rows,
			'bulk,B-bad,bx,2026-06-01,order,"1,,,',
			'bulk,B-after,by,2026-06-01,order,1,,,'
		]);
		expectFailure(await cx(['import', 'orders', broken]), 1, /cannot be read as CSV/);

		expectImport(await cx(['import', 'orders', ordersCsv('unclosed-quote-fixed.csv', rows)]), 0, {
			rows: 6000,
			stored: 6000,
			skipped: 0,
			rejected: 0
		});
	});

	it('for an unreachable DATABASE_URL, naming the server but not the password', async () => {
		const result = await runCli(
			['migrate'],
			childEnv({ DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/x' })
		);
		expectFailure(result, 1, /127\.0\.0\.1:1\/x/);
		expect(result.stderr).not.toContain('secretpw');
	});
});

if (kind === 'pglite') {
	describe('cx on a PGlite data folder it cannot use (exit 1)', () => {
		it('refuses a folder another cx command holds, and works once it let go', async () => {
			// (beside a running server, cx goes through its socket: tests/cli-beside-server.db.test.ts)
			const lock = acquireDataDirLock(shared.dataDir as string, 'import orders');
			try {
				const result = await cx(['metric', 'active-customers']);
				expectFailure(result, 1, /in use by another process/);
				expect(result.stderr).toContain(`pid ${process.pid}`);
			} finally {
				lock.release();
			}
			const after = await cx(['migrate']);
			expectOneSentence(after.stdout, /up to date|Applied/);
			expect(after.code).toBe(0);
		});

		it('refuses a folder that cannot be created (a path below a regular file)', async () => {
			// chmod does not stop root from writing, so the folder is made impossible instead.
			const file = writeFile('a-regular-file', 'not a folder\n');
			const dataDir = path.join(file, 'sub');
			const result = await runCli(['migrate'], childEnv({ CX_DATA_DIR: dataDir }));
			expectFailure(result, 1, /data folder .* is not a folder/);
			expect(result.stderr).toContain(dataDir);
			expect(fs.readFileSync(file, 'utf8')).toBe('not a folder\n');
		});
	});
}

describe('cx import fx', () => {
	it('makes an order in a foreign currency importable once a rate is known', async () => {
		const order = ordersCsv('eur-order.csv', ['shop,E-1,e1,2026-03-10,order,10,EUR,,']);
		const before = await cx(['import', 'orders', order]);
		expectImport(before, 3, { rows: 1, stored: 0, skipped: 0, rejected: 1 });
		expect(rejectionsOf(before)).toEqual([
			expect.objectContaining({ line: 2, ref: 'E-1', field: 'currency' })
		]);

		const rates = writeFile(
			'fx.csv',
			'currency,day,rate\nEUR,2026-03-01,1.1\nGBP,2026-03-01,1.3\n'
		);
		expectImport(await cx(['import', 'fx', rates]), 0, {
			rows: 2,
			stored: 2,
			skipped: 0,
			rejected: 0
		});
		expectImport(await cx(['import', 'fx', rates]), 0, {
			rows: 2,
			stored: 0,
			skipped: 2,
			rejected: 0
		});

		expectImport(await cx(['import', 'orders', order]), 0, {
			rows: 1,
			stored: 1,
			skipped: 0,
			rejected: 0
		});
	});
});

describe('cx metric active-customers', () => {
	// Activity window 365 days. For January 2026 it runs 2025-02-01 … 2026-01-31: c1 and c2 are
	// active (c3 only refunded, c4 bought after the period, c5 too long before) → 2.
	// December 2025 (window 2025-01-01 … 2025-12-31): only c2 → 1.
	// January 2025 (window 2024-02-02 … 2025-01-31): c3 and c5 → 2.
	const fixture = [
		'shop,M-1,c1,2026-01-10T15:30:00+01:00,order,20,,,',
		'shop,M-2,c2,2025-06-15,order,15,,,',
		'shop,M-3,c3,2024-12-01,order,30,,,',
		'shop,M-3R,c3,2025-03-01,refund,-30,,,M-3',
		'shop,M-4,c4,2026-02-05,order,9,,,',
		'shop,M-5,c5,2024-12-20,order,11,,,'
	];
	let target: DataTarget;

	beforeAll(async () => {
		target = await createDataTarget();
		expectImport(await cx(['import', 'orders', ordersCsv('metric.csv', fixture)], target), 0, {
			rows: 6,
			stored: 6,
			skipped: 0,
			rejected: 0
		});
	});
	afterAll(async () => target?.dispose());

	async function metricJson(args: string[]): Promise<Record<string, unknown>> {
		const result = await cx(['metric', 'active-customers', ...args, '--json'], target);
		expect(result.stderr).toBe('');
		expect(result.code, result.stdout).toBe(0);
		return JSON.parse(result.stdout) as Record<string, unknown>;
	}

	it('prints the metric JSON for a month, compared with the previous month (exit 0)', async () => {
		const json = await metricJson(['--from', '2026-01-01', '--to', '2026-01-31']);
		expect(Object.keys(json)).toEqual(
			expect.arrayContaining([
				'id',
				'unit',
				'timeZone',
				'asOf',
				'period',
				'value',
				'numerator',
				'denominator',
				'n',
				'status',
				'extra',
				'compare'
			])
		);
		expect(json).toMatchObject({
			id: 'active-customers',
			unit: 'count',
			timeZone: 'UTC',
			asOf: '2026-01-10T14:30:00.000Z',
			period: { from: '2026-01-01', to: '2026-01-31', partial: false },
			value: 2,
			numerator: 2,
			denominator: null,
			n: 2,
			compare: {
				basis: 'previous',
				from: '2025-12-01',
				to: '2025-12-31',
				value: 1,
				numerator: 1,
				denominator: null
			}
		});
		expect(typeof json.status).toBe('string');
		expect(json.extra).toEqual(expect.any(Object));
	});

	it('compares with the same month a year earlier with --compare year', async () => {
		const json = await metricJson([
			'--from',
			'2026-01-01',
			'--to',
			'2026-01-31',
			'--compare',
			'year'
		]);
		expect(json).toMatchObject({
			value: 2,
			compare: {
				basis: 'year',
				from: '2025-01-01',
				to: '2025-01-31',
				value: 2,
				numerator: 2,
				denominator: null
			}
		});
	});

	it('describes the figure in words without --json', async () => {
		const result = await cx(
			['metric', 'active-customers', '--from', '2026-01-01', '--to', '2026-01-31'],
			target
		);
		expect(result.stderr).toBe('');
		expect(result.stdout).toMatch(
			/^Active customers, Jan 2026 \(2026-01-01 – 2026-01-31, UTC\): 2\n/
		);
		expect(result.code).toBe(0);
	});
});

describe('cx with bad arguments (exit 2)', () => {
	const cases: [string, string[], RegExp][] = [
		['an unknown command', ['frobnicate'], /Unknown command "frobnicate"/],
		[
			'an unknown metric',
			['metric', 'no-such-metric'],
			/Unknown metric "no-such-metric".*active-customers/
		],
		['--to without --from', ['metric', 'active-customers', '--to', '2026-01-31'], /--from/],
		[
			'reversed dates',
			['metric', 'active-customers', '--from', '2026-02-01', '--to', '2026-01-01'],
			/2026-02-01 is after the end date 2026-01-01/
		],
		[
			'a malformed date',
			['metric', 'active-customers', '--from', '2026-13-01'],
			/2026-13-01 is not a real calendar date/
		],
		[
			'an unknown comparison',
			['metric', 'active-customers', '--compare', 'sideways'],
			/"sideways"/
		],
		['an unknown option', ['metric', 'active-customers', '--frm', '2026-01-01'], /--frm/],
		['import without a kind', ['import'], /orders or fx/],
		['import orders without a file', ['import', 'orders'], /argument|file/]
	];

	it.each(cases)('for %s', async (_name, args, pattern) => {
		expectFailure(await cx(args), 2, pattern);
	});
});

describe('cx user add', () => {
	const run = (args: string[], input?: string) =>
		runCli(['user', 'add', ...args], childEnv(shared.env), input);

	it('adds a user with the password from standard input (exit 0), once', async () => {
		const added = await run(
			['--email', 'New.Lead@Example.com', '--role', 'cx_lead', '--password-stdin'],
			'a long enough password\n'
		);
		expect(added.code, added.stderr).toBe(0);
		expect(added.stdout.trim()).toBe('Added new.lead@example.com as cx lead.');
		expect(added.stdout + added.stderr).not.toContain('a long enough password');
		// the same address again, in another case: refused because it is stored
		expectFailure(
			await run(
				['--email', 'new.lead@example.com', '--role', 'viewer', '--password-stdin'],
				'another long password\n'
			),
			1,
			/already/
		);
	});

	it('refuses a weak password (exit 1) and bad arguments (exit 2) in one sentence', async () => {
		expectFailure(
			await run(['--email', 'weak@example.com', '--role', 'viewer', '--password-stdin'], 'short\n'),
			1,
			/12 characters/
		);
		expectFailure(
			await run(['--email', 'x@example.com', '--role', 'boss', '--password-stdin'], 'pw\n'),
			2,
			/--role must be one of admin, executive, cx_lead, viewer, not "boss"/
		);
		expectFailure(await run(['--role', 'viewer', '--password-stdin'], 'pw\n'), 2, /--email/);
		// no terminal to ask in, and no --password-stdin: the password is never an argument
		expectFailure(
			await run(['--email', 'x@example.com', '--role', 'viewer']),
			2,
			/--password-stdin/
		);
		expectFailure(
			await run(['--email', 'x@example.com', '--role', 'viewer', '--password', 'p']),
			2,
			/Unknown option "--password"/
		);
	});
});

describe('cx backup and restore', () => {
	const first = [
		'shop,K-1,k1,2026-01-05,order,20,,,',
		'shop,K-2,k2,2025-11-15,order,15,,,',
		'shop,K-3,k1,2026-01-20,order,7.5,,,'
	];
	const later = ['shop,K-4,k3,2026-01-10,order,9,,,', 'shop,K-5,k4,2026-01-11,order,4,,,'];
	let target: DataTarget;

	beforeAll(async () => {
		target = await createDataTarget();
	});
	afterAll(async () => target?.dispose());

	async function metric(): Promise<unknown> {
		const result = await cx(
			['metric', 'active-customers', '--from', '2026-01-01', '--to', '2026-01-31', '--json'],
			target
		);
		expect(result.code, result.stderr).toBe(0);
		return JSON.parse(result.stdout);
	}

	if (kind === 'pglite') {
		it('restores the state of the backup, keeping the replaced data folder aside', async () => {
			const firstFile = ordersCsv('backup-first.csv', first);
			expectImport(await cx(['import', 'orders', firstFile], target), 0, {
				rows: 3,
				stored: 3,
				skipped: 0,
				rejected: 0
			});
			const before = await metric();
			expect(before).toMatchObject({ value: 2 });

			const file = path.join(files, 'cx-backup.tar.gz');
			const backup = await cx(['backup', file], target);
			expect(backup.stderr).toBe('');
			expectOneSentence(backup.stdout, /^Backed up .* \([\d.]+ MB\): 2 customers, 3 orders\.$/);
			expect(backup.code).toBe(0);
			expect(fs.statSync(file).size).toBeGreaterThan(0);
			expect(fs.existsSync(`${file}.partial`)).toBe(false);

			expectImport(
				await cx(['import', 'orders', ordersCsv('backup-later.csv', later)], target),
				0,
				{
					rows: 2,
					stored: 2,
					skipped: 0,
					rejected: 0
				}
			);
			expect(await metric()).toMatchObject({ value: 4 });

			const restore = await cx(['restore', file], target);
			expect(restore.stderr).toBe('');
			expectOneSentence(
				restore.stdout,
				/^Restored .*; the previous data was kept in .+before-restore-/
			);
			expect(restore.code).toBe(0);
			const kept = /kept in (\S+), which/.exec(restore.stdout)?.[1] ?? '';
			expect(fs.existsSync(path.join(kept, 'PG_VERSION')), kept).toBe(true);

			expect(await metric()).toEqual(before);
			expectImport(await cx(['import', 'orders', firstFile], target), 0, {
				rows: 3,
				stored: 0,
				skipped: 3,
				rejected: 0
			});
		}, 180_000);

		it('refuses to overwrite a file without --force (exit 2), and replaces it with --force', async () => {
			const file = writeFile('existing-backup.tar.gz', 'keep me\n');
			expectFailure(await cx(['backup', file], target), 2, /already exists.*--force/);
			expect(fs.readFileSync(file, 'utf8')).toBe('keep me\n');
			const forced = await cx(['backup', file, '--force'], target);
			expect(forced.code, forced.stderr).toBe(0);
			expect(fs.statSync(file).size).toBeGreaterThan(1000);
		});

		it('refuses a file that is not a backup or does not exist (exit 1), changing nothing', async () => {
			const before = await metric();
			const text = writeFile('not-a-backup.tar.gz', 'just some text\n');
			expectFailure(await cx(['restore', text], target), 1, /is not a cx backup/);
			expectFailure(
				await cx(['restore', path.join(files, 'no-such-backup.tar.gz')], target),
				1,
				/no such file/
			);
			expect(await metric()).toEqual(before);
		});
	} else {
		it('points to pg_dump and pg_restore on PostgreSQL (exit 1)', async () => {
			const file = path.join(files, 'pg-backup.tar.gz');
			expectFailure(await cx(['backup', file], target), 1, /pg_dump --format=custom/);
			expect(fs.existsSync(file)).toBe(false);
			const text = writeFile('pg-restore.dump', 'anything\n');
			expectFailure(await cx(['restore', text], target), 1, /pg_restore.*pg_dump/);
		});
	}
});

describe('cx seed and cx demo remove', () => {
	let target: DataTarget;
	beforeAll(async () => {
		target = await createDataTarget();
	});
	afterAll(async () => {
		await target?.dispose();
	});

	const active = async () => {
		const result = await cx(
			['metric', 'active-customers', '--from', '2026-03-01', '--to', '2026-03-31', '--json'],
			target
		);
		expect(result.code, result.stderr).toBe(0);
		return JSON.parse(result.stdout) as { value: number; n: number };
	};

	it('refuses bad sizes, seeds, anchors (exit 2) and an anchor in the future', async () => {
		expectFailure(await cx(['seed', '--customers', 'many'], target), 2, /--customers "many"/);
		expectFailure(await cx(['seed', '--customers', '5'], target), 2, /from 100 to/);
		expectFailure(await cx(['seed', '--anchor', '2026-02-30'], target), 2, /--anchor/);
		expectFailure(await cx(['seed', '--anchor', '2999-01-01'], target), 2, /in the future/);
		expectFailure(await cx(['demo', 'forget'], target), 2, /Unknown demo command/);
	});

	it('seeds the demo company once (exit 0), then refuses a second seed (exit 1)', async () => {
		const seeded = await cx(
			['seed', '--customers', '300', '--anchor', '2026-03-31', '--seed', 'cli'],
			target
		);
		expect(seeded.code, seeded.stderr).toBe(0);
		expect(seeded.stdout).toMatch(
			/^Seeded the demo company into .+: [\d,]+ people, [\d,]+ rows, three years up to 2026-03-31/
		);
		expect((await active()).value).toBeGreaterThan(100);
		expectFailure(await cx(['seed'], target), 1, /already here.*demo remove/);
	});

	it('offers to remove the demo after a real import', async () => {
		const file = ordersCsv('with-demo.csv', [
			'shop,D-1,C-1,2026-03-02T10:00:00Z,order,10.00,USD,web,'
		]);
		const result = await cx(['import', 'orders', file], target);
		expect(result.code, result.stderr).toBe(0);
		expect(result.stdout).toContain('The demo company is still in this installation');
		expect(result.stdout).toContain('demo remove');
	});

	it('removes every demo row (exit 0) and keeps the imported customer', async () => {
		const removed = await cx(['demo', 'remove'], target);
		expect(removed.code, removed.stderr).toBe(0);
		expect(removed.stdout).toMatch(
			/^Removed the demo company from .+: [\d,]+ customers and [\d,]+ rows/
		);
		// the one real customer bought on 2 March: active at the end of March
		expect(await active()).toMatchObject({ value: 1 });
		const again = await cx(['demo', 'remove'], target);
		expect(again.stdout).toMatch(/No demo data in .+; nothing to remove\./);
		// with real customers in, the demo no longer goes in
		expectFailure(await cx(['seed'], target), 1, /already holds real customer data/);
	});
});
