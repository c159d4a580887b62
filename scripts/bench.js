// Benchmarks print figures; they never assert times. Usage:
//   npm run bench -- import-orders [--rows 1000000] [--keep]
//   npm run bench -- first-board [--cold]
//   npm run bench -- board [--only postgres|pglite|pglite-large] [--postgres 1000000:20000000]
//                          [--pglite 100000:2000000] [--pglite-large 1000000:20000000] [--skip-rebuild]
//   npm run bench -- models
// models fits BG/NBD and Gamma-Gamma on 100k and 1M simulated customers (time, memory) and runs
// the holdout check on the CDNOW sample (src/lib/server/bench/models.ts); board also times
// `cx model fit` on its data.
// board times the executive board on rollups at scale on PostgreSQL 15 (BENCH_DATABASE_URL, or a
// throwaway server) and on PGlite: loads, rows read per tile, a 10k-event refresh, a full rebuild
// and the event loop during one (src/lib/server/bench/board.ts).
// first-board starts the command center as `npm start` does on a new data folder and times the way
// to a signed-in board with the demo company: --cold removes the build first (so it is rebuilt),
// then a start with the build present, then a restart of the same folder; meanwhile it samples
// /healthz to show how the server answers while the demo is written.
// import-orders writes a deterministic orders CSV (customers buying over three years, refunds, two
// currencies), imports it with the built `cx` on a fresh PGlite data folder, reports rows/s and the
// importer's peak memory, then times both catalog metrics on the result and a re-import (all skipped).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuild } from './ensure-build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAXRSS_PRELOAD = path.join(root, 'scripts', 'bench-maxrss.cjs');
const { values, positionals } = parseArgs({
	allowPositionals: true,
	strict: false,
	options: {
		rows: { type: 'string', default: '1000000' },
		keep: { type: 'boolean' },
		cold: { type: 'boolean' }
	}
});
const benches = { 'import-orders': importOrders, 'first-board': firstBoard, board, models: board };
const name = positionals[0] ?? 'import-orders';
if (!benches[name]) {
	console.error(
		`Unknown benchmark "${name}"; the benchmarks are: ${Object.keys(benches).join(', ')}.`
	);
	process.exit(2);
}
if (name !== 'first-board') ensureBuild();
await benches[name]();

function mulberry32(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

async function writeOrdersCsv(file, rows) {
	const random = mulberry32(42);
	const out = fs.createWriteStream(file);
	const write = (line) =>
		out.write(line) ? Promise.resolve() : new Promise((resolve) => out.once('drain', resolve));
	await write('source,order_ref,customer_ref,ordered_at,kind,amount,currency,channel,refers_to\n');
	const start = Date.parse('2023-06-01T00:00:00Z');
	const span = Date.parse('2026-06-01T00:00:00Z') - start;
	const customers = Math.max(1, Math.round(rows / 5));
	for (let i = 1; i <= rows; i++) {
		const customer = 1 + Math.floor(random() ** 2 * customers);
		const at = new Date(start + Math.floor(random() * span)).toISOString();
		const currency = random() < 0.2 ? 'EUR' : 'USD';
		const amount = (5 + random() * 195).toFixed(2);
		const refund = i > 1 && random() < 0.03;
		const line = refund
			? `shop,R${i},C${customer},${at},refund,-${(random() * 20).toFixed(2)},${currency},web,O${i - 1}`
			: `shop,O${i},C${customer},${at},order,${amount},${currency},${random() < 0.7 ? 'web' : 'store'},`;
		await write(line + '\n');
	}
	await new Promise((resolve) => out.end(resolve));
}

function runCx(args, env) {
	return new Promise((resolve) => {
		const started = performance.now();
		// The child reports its own peak resident memory (getrusage) as it exits.
		const child = spawn(
			process.execPath,
			['--require', MAXRSS_PRELOAD, path.join(root, 'build-cli/cli.js'), ...args],
			{
				env,
				stdio: ['ignore', 'pipe', 'pipe']
			}
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (chunk) => (stdout += chunk));
		child.stderr.on('data', (chunk) => (stderr += chunk));
		child.on('exit', (code) => {
			const peakKb = Number(/cx-maxrss-kb (\d+)/.exec(stderr)?.[1] ?? 0);
			resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakKb });
		});
	});
}

async function importOrders() {
	const rows = Number(values.rows);
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-bench-'));
	const csv = path.join(work, 'orders.csv');
	const fx = path.join(work, 'fx.csv');
	const env = { ...process.env, CX_DATA_DIR: path.join(work, 'data') };
	delete env.DATABASE_URL;
	console.log(
		`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
	);
	let t = performance.now();
	await writeOrdersCsv(csv, rows);
	fs.writeFileSync(fx, 'currency,day,rate\nEUR,2023-01-01,1.08\nEUR,2024-07-01,1.10\n');
	const mb = fs.statSync(csv).size / 2 ** 20;
	console.log(
		`wrote ${rows.toLocaleString('en-US')} rows (${mb.toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`
	);

	const migrate = await runCx(['migrate'], env);
	console.log(`new PGlite data folder + migrate: ${migrate.seconds.toFixed(1)} s`);
	await runCx(['import', 'fx', fx], env);

	const run = await runCx(['import', 'orders', csv], env);
	const summary = run.stdout.trim().split('\n').pop();
	console.log(`cx import orders: exit ${run.code}; ${summary}`);
	console.log(
		`import-orders: ${rows.toLocaleString('en-US')} rows in ${run.seconds.toFixed(1)} s = ${Math.round(rows / run.seconds).toLocaleString('en-US')} rows/s (process wall time, start-up included); peak RSS ${(run.peakKb / 1024).toFixed(0)} MB`
	);
	if (run.code !== 0) console.log(run.stderr.slice(0, 2000));

	for (const id of ['active-customers', 'repeat-purchase-rate']) {
		const metric = await runCx(
			['metric', id, '--from', '2025-01-01', '--to', '2025-01-31', '--json'],
			env
		);
		const json = metric.code === 0 ? JSON.parse(metric.stdout) : {};
		console.log(
			`cx metric ${id} (Jan 2025 + previous): ${metric.seconds.toFixed(2)} s, value ${json.value}, n ${json.n}; peak RSS ${(metric.peakKb / 1024).toFixed(0)} MB`
		);
	}

	const again = await runCx(['import', 'orders', csv], env);
	console.log(
		`re-import (every row skipped): ${again.seconds.toFixed(1)} s = ${Math.round(rows / again.seconds).toLocaleString('en-US')} rows/s; peak RSS ${(again.peakKb / 1024).toFixed(0)} MB`
	);
	const size = fs.readdirSync(path.join(work, 'data'), { recursive: true }).length;
	console.log(`data folder files: ${size}`);
	if (values.keep) console.log(`kept ${work}`);
	else fs.rmSync(work, { recursive: true, force: true });
}

async function freePort() {
	const net = await import('node:net');
	return new Promise((resolve) => {
		const probe = net.createServer();
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address();
			probe.close(() => resolve(port));
		});
	});
}

/** One start of `node scripts/start.js`; resolves with the timings once the board shows. */
async function timeStart(dataDir, label) {
	const port = await freePort();
	const base = `http://127.0.0.1:${port}`;
	const env = { ...process.env, CX_DATA_DIR: dataDir, PORT: String(port) };
	for (const name of ['DATABASE_URL', 'ORIGIN', 'HOST', 'CX_DEMO', 'CX_ADMIN_PASSWORD'])
		delete env[name];
	const started = performance.now();
	const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let output = '';
	const keep = (chunk) => (output = (output + chunk).slice(-100_000));
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	const seconds = () => (performance.now() - started) / 1000;
	const get = async (target, headers = {}) => {
		const t = performance.now();
		const response = await fetch(base + target, { headers, redirect: 'manual' });
		const body = await response.text();
		return { status: response.status, body, ms: performance.now() - t, response };
	};
	let healthAt = null;
	while (healthAt === null) {
		if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`);
		try {
			if ((await get('/healthz')).status === 200) healthAt = seconds();
		} catch {
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
	const credentials = fs.readFileSync(path.join(dataDir, 'initial-credentials.txt'), 'utf8');
	const password = /executive@demo\.example\s+password: (\S+)/.exec(credentials)?.[1];
	const login = await fetch(`${base}/login`, {
		method: 'POST',
		headers: {
			origin: base,
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'text/html'
		},
		body: new URLSearchParams({ email: 'executive@demo.example', password }).toString(),
		redirect: 'manual'
	});
	const cookie = login.headers
		.getSetCookie()
		.find((c) => c.startsWith('cx_session='))
		?.split(';')[0];
	if (!cookie) throw new Error(`sign-in failed (${login.status})`);
	const health = [];
	let boardAt = null;
	let boardMs = 0;
	let lastBoard = 0;
	while (boardAt === null) {
		health.push((await get('/healthz')).ms);
		if (performance.now() - lastBoard > 1000) {
			lastBoard = performance.now();
			const page = await get('/', { cookie, accept: 'text/html' });
			if (page.status === 200 && page.body.includes('Active customers')) {
				boardAt = seconds();
				boardMs = page.ms;
			}
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	health.sort((a, b) => a - b);
	const p = (q) => health[Math.min(health.length - 1, Math.floor(q * health.length))].toFixed(0);
	const ready = /Demo company ready: (.+)/.exec(output)?.[1];
	console.log(
		`${label}: answering after ${healthAt.toFixed(1)} s, signed-in board after ${boardAt.toFixed(1)} s (board page ${boardMs.toFixed(0)} ms)${ready ? `; demo: ${ready}` : ''}`
	);
	if (health.length > 5) {
		console.log(
			`  /healthz while it started: ${health.length} samples, median ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${health[health.length - 1].toFixed(0)} ms`
		);
	}
	child.kill('SIGTERM');
	await new Promise((resolve) => child.once('exit', resolve));
}

async function firstBoard() {
	console.log(
		`machine: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
	);
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-bench-first-'));
	try {
		if (values.cold) {
			for (const dir of ['build', 'build-cli'])
				fs.rmSync(path.join(root, dir), { recursive: true, force: true });
			await timeStart(path.join(work, 'cold'), 'cold (build + new folder + demo)');
		} else ensureBuild();
		await timeStart(path.join(work, 'warm'), 'warm (built, new folder + demo)');
		await timeStart(path.join(work, 'warm'), 'restart (same folder)');
	} finally {
		fs.rmSync(work, { recursive: true, force: true });
	}
}

async function board() {
	const args = process.argv.slice(2);
	const child = spawn(
		process.execPath,
		['--max-old-space-size=8192', path.join(root, 'build-cli', 'bench.js'), ...args],
		{ cwd: root, stdio: 'inherit' }
	);
	const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
	process.exitCode = Number(code);
}
