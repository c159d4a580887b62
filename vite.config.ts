import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

const databaseTests = ['src/**/*.db.test.ts', 'tests/**/*.db.test.ts'];

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
					exclude: databaseTests
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
			}
		]
	}
});
