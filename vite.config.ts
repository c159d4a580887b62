import { sveltekit } from '@sveltejs/kit/vite';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

const databaseTests = ['src/**/*.db.test.ts', 'tests/**/*.db.test.ts'];
const componentTests = ['src/**/*.svelte.test.ts'];

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		expect: { requireAssertions: true },
		hookTimeout: 120_000,
		testTimeout: 60_000,
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					environment: 'node',
					include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
					exclude: [...databaseTests, ...componentTests, 'tests/e2e/**']
				}
			},
			{
				extends: true,
				// Svelte's client build, not its server one, and cleanup after each test.
				plugins: [svelteTesting()],
				resolve: { conditions: ['browser'] },
				test: {
					name: 'client',
					environment: 'jsdom',
					include: componentTests,
					setupFiles: ['tests/setup/jest-dom.ts']
				}
			},
			{
				extends: true,
				test: {
					name: 'pglite',
					environment: 'node',
					include: databaseTests,
					globalSetup: ['tests/setup/pglite-template.ts'],
					env: { CX_TEST_DB: 'pglite' }
				}
			},
			{
				extends: true,
				test: {
					name: 'postgres',
					environment: 'node',
					include: databaseTests,
					globalSetup: ['tests/setup/postgres-server.ts'],
					env: { CX_TEST_DB: 'postgres' }
				}
			},
			{
				extends: true,
				test: {
					name: 'e2e',
					environment: 'node',
					include: ['tests/e2e/**/*.test.ts'],
					globalSetup: ['tests/setup/pglite-template.ts'],
					fileParallelism: false
				}
			}
		]
	}
});
