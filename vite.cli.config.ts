import path from 'node:path';
import { defineConfig } from 'vite';

/** The `cx` command: a second SSR build sharing $lib and the bundled migrations with the app. */
export default defineConfig({
	resolve: { alias: { $lib: path.resolve('src/lib') } },
	build: {
		ssr: 'src/cli.ts',
		outDir: 'build-cli',
		emptyOutDir: true,
		target: 'node20',
		minify: false,
		rollupOptions: { output: { entryFileNames: 'cli.js', format: 'es' } }
	},
	logLevel: 'warn'
});
