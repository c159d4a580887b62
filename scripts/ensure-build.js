// Builds the app (build/) and the CLI (build-cli/) when either is missing or older than the
// sources, so `npm start`, `npm test` and `npm run cx` always run what the sources say.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inputs = [
	'src',
	'db',
	'static',
	'svelte.config.js',
	'vite.config.ts',
	'vite.cli.config.ts',
	'package.json',
	'package-lock.json'
];
const outputs = ['build/index.js', 'build-cli/cli.js'];

function newestInput(entry) {
	const full = path.join(root, entry);
	if (!fs.existsSync(full)) return 0;
	const stat = fs.statSync(full);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs;
	for (const child of fs.readdirSync(full)) {
		if (/\.test\.ts$/.test(child)) continue;
		newest = Math.max(newest, newestInput(path.join(entry, child)));
	}
	return newest;
}

export function isBuildStale() {
	const built = outputs.map((file) => {
		const full = path.join(root, file);
		return fs.existsSync(full) ? fs.statSync(full).mtimeMs : 0;
	});
	const oldestOutput = Math.min(...built);
	return oldestOutput === 0 || Math.max(...inputs.map(newestInput)) > oldestOutput;
}

export function ensureBuild({ quiet = false } = {}) {
	if (!isBuildStale()) return;
	if (!quiet || process.stderr.isTTY) {
		console.error('Building the command center (the sources changed since the last build)…');
	}
	const started = Date.now();
	const result = spawnSync('npm', ['run', '--silent', 'build'], {
		cwd: root,
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'pipe']
	});
	if (result.status !== 0) {
		console.error(result.stdout, result.stderr);
		console.error('The build failed; the messages above say why.');
		process.exit(1);
	}
	if (!quiet) console.error(`Built in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
	ensureBuild({ quiet: process.argv.includes('--quiet') });
}
