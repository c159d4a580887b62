import path from 'node:path';
import { defineConfig } from 'vite';

/**
 * The `cx` command (and the in-process benchmarks): a second SSR build sharing $lib and the bundled
 * migrations with the app.
 */
export default defineConfig({
	resolve: { alias: { $lib: path.resolve('src/lib') } },
	build: {
		ssr: true,
		outDir: 'build-cli',
		emptyOutDir: true,
		target: 'node20',
		minify: false,
		rollupOptions: {
			input: { cli: 'src/cli.ts', bench: 'src/bench.ts' },
			output: { entryFileNames: '[name].js', format: 'es' }
		}
	},
	logLevel: 'warn'
});
