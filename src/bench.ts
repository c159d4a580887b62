import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchBoard } from '$lib/server/bench/board';
import { benchModels } from '$lib/server/bench/models';
import { startThrowawayServer } from '../tests/setup/postgres-server';

/**
 * The in-process benchmarks (built with the CLI: build-cli/bench.js), run by scripts/bench.js.
 * `board [--pglite 100000:2000000] [--postgres 1000000:20000000] [--pglite-large 1000000:20000000]`
 */
const { values, positionals } = parseArgs({
	allowPositionals: true,
	options: {
		pglite: { type: 'string', default: '100000:2000000' },
		postgres: { type: 'string', default: '1000000:20000000' },
		'pglite-large': { type: 'string', default: '1000000:20000000' },
		only: { type: 'string' },
		'skip-rebuild': { type: 'boolean' }
	}
});
const log = (line: string) => console.log(line);
const size = (text: string) => {
	const [customers, events] = text.split(':').map(Number);
	if (!customers || !events) throw new Error(`A size is customers:events, not "${text}".`);
	return { customers, events };
};

if (positionals[0] === 'models') {
	console.log(`# npm run bench -- models (${new Date().toISOString()})`);
	await benchModels((line) => console.log(line));
	process.exit(0);
}
if (positionals[0] !== 'board') {
	console.error(
		'Usage: node build-cli/bench.js board [--only pglite|postgres|pglite-large] | models'
	);
	process.exit(2);
}
const cache = path.resolve('.bench-cache');
fs.mkdirSync(cache, { recursive: true });
const only = values.only;
log(`# npm run bench -- board (${new Date().toISOString()})`);

if (!only || only === 'postgres') {
	const external = process.env.BENCH_DATABASE_URL;
	const server = external ? null : await startThrowawayServer();
	try {
		await benchBoard({
			kind: 'postgres',
			...size(values.postgres),
			where: external ?? server!.url,
			log,
			skipRebuild: values['skip-rebuild'] === true
		});
	} finally {
		server?.stop();
	}
}
if (!only || only === 'pglite') {
	await benchBoard({
		kind: 'pglite',
		...size(values.pglite),
		where: cache,
		log,
		skipRebuild: values['skip-rebuild'] === true
	});
}
if (!only || only === 'pglite-large') {
	// One attempt at the large size: its time, memory or error is the figure.
	const started = performance.now();
	try {
		await benchBoard({ kind: 'pglite', ...size(values['pglite-large']), where: cache, log });
	} catch (error) {
		log(
			`PGlite at ${values['pglite-large']} failed after ${((performance.now() - started) / 1000).toFixed(0)} s: ${error instanceof Error ? error.message : String(error)}`
		);
	}
	log(`peak memory (RSS) of this process: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}
