import { openDatabase } from '$lib/server/db/database';
import { migrateToLatest } from '$lib/server/db/migrate';
import { createUser } from '$lib/server/auth/users';
import { updateSettings } from '$lib/server/settings';
import type { Role } from '$lib/server/auth/permissions';
import { loadFixtureCompany } from '../fixtures/company';
import { loadPgliteTemplate } from './database';

export const FIXTURE_PASSWORD = 'correct horse battery staple';

export const FIXTURE_USERS: { email: string; role: Role }[] = [
	{ email: 'admin@example.com', role: 'admin' },
	{ email: 'exec@example.com', role: 'executive' },
	{ email: 'lead@example.com', role: 'cx_lead' },
	{ email: 'viewer@example.com', role: 'viewer' }
];

export interface FixtureDataDirOptions {
	/** Load the fixture company's data (default true); false leaves only the users. */
	company?: boolean;
	/**
	 * The organization name (default 'Fixture Company'); null leaves the organization not set up, so
	 * an admin's first visit to the board goes to /admin/setup.
	 */
	organizationName?: string | null;
}

/**
 * A PGlite data folder holding the fixture company (unless `company: false`) and one user per
 * role (password FIXTURE_PASSWORD), closed again so that a server or `cx` can open it.
 */
export async function prepareFixtureDataDir(
	dir: string,
	now = new Date(),
	{ company: withCompany = true, organizationName = 'Fixture Company' }: FixtureDataDirOptions = {}
) {
	const database = await openDatabase(
		{ kind: 'pglite', dataDir: dir },
		{ holder: 'test setup', loadDataDir: loadPgliteTemplate() }
	);
	try {
		await migrateToLatest(database.db);
		const company = withCompany ? await loadFixtureCompany(database.db, { now }) : undefined;
		if (organizationName !== null) await updateSettings(database.db, { organizationName });
		for (const user of FIXTURE_USERS) {
			await createUser(database.db, { ...user, password: FIXTURE_PASSWORD });
		}
		return company;
	} finally {
		await database.close();
	}
}
