// Benchmarks print figures; they never assert times. Usage:
//   npm run bench -- import-orders [--rows 1000000] [--keep]
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
	options: { rows: { type: 'string', default: '1000000' }, keep: { type: 'boolean' } }
});
const benches = { 'import-orders': importOrders };
const name = positionals[0] ?? 'import-orders';
if (!benches[name]) {
	console.error(
		`Unknown benchmark "${name}"; the benchmarks are: ${Object.keys(benches).join(', ')}.`
	);
	process.exit(2);
}
ensureBuild();
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
