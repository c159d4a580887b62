import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
	export interface ProvidedContext {
		/** A tarball of an empty, initialised PGlite data folder; loading it skips initdb. */
		pgliteTemplate: string;
	}
}

const version = JSON.parse(
	fs.readFileSync(path.resolve('node_modules/@electric-sql/pglite/package.json'), 'utf8')
).version as string;

/**
 * Runs PGlite's initdb (3–7 s in WebAssembly) once and caches the empty data folder under
 * node_modules/.cache, so every test database starts from it in about a second.
 */
export default async function setup(project: TestProject): Promise<void> {
	const file = path.resolve(`node_modules/.cache/cx/pglite-${version}-template.tar.gz`);
	if (!fs.existsSync(file)) {
		fs.mkdirSync(path.dirname(file), { recursive: true });
		const pg = await PGlite.create();
		const dump = await pg.dumpDataDir('gzip');
		await pg.close();
		const partial = `${file}.${process.pid}`;
		fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
		fs.renameSync(partial, file);
	}
	project.provide('pgliteTemplate', file);
}
