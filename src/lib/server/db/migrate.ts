import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/**
 * Migrations are bundled at build time (import.meta.glob), so the built server and the CLI carry
 * them; FileMigrationProvider would read files that `build/` does not contain.
 */
const modules = import.meta.glob<Migration>('/db/migrations/*.ts', { eager: true });

const provider: MigrationProvider = {
	async getMigrations() {
		const migrations: Record<string, Migration> = {};
		for (const [file, migration] of Object.entries(modules)) {
			const name = file.replace(/^.*\//, '').replace(/\.ts$/, '');
			migrations[name] = migration;
		}
		return migrations;
	}
};

export interface MigrationReport {
	applied: string[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the migrator works on any schema
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationReport> {
	const migrator = new Migrator({ db, provider });
	const { error, results } = await migrator.migrateToLatest();
	if (error) {
		const failed = results?.find((result) => result.status === 'Error')?.migrationName;
		const reason = error instanceof Error ? error.message : String(error);
		throw new Error(`Migration ${failed ?? '(unknown)'} failed: ${reason}`, { cause: error });
	}
	return {
		applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
	};
}
