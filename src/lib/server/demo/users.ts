import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { generatePassword, INITIAL_CREDENTIALS_FILE } from '../auth/initial-admin';
import type { Role } from '../auth/permissions';
import { createUser, findUserByEmail } from '../auth/users';
import { MEMORY } from '../config';
import type { DB } from '../db/schema';

/** The demo's colleagues: one per role but admin (a demo never hands out admin rights). */
export const DEMO_USERS: readonly { email: string; name: string; role: Role }[] = [
	{ email: 'executive@demo.example', name: 'Demo Executive', role: 'executive' },
	{ email: 'cx.lead@demo.example', name: 'Demo CX Lead', role: 'cx_lead' },
	{ email: 'viewer@demo.example', name: 'Demo Viewer', role: 'viewer' }
];

/**
 * Creates the demo users with random passwords, appended to the credentials file in the data folder
 * (0600). Without a folder to write to (memory://) none are created. Returns the ids of all three.
 */
export async function createDemoUsers(
	db: Kysely<DB>,
	dataDir: string
): Promise<{ ids: number[]; credentialsFile: string | null }> {
	if (dataDir === MEMORY) return { ids: [], credentialsFile: null };
	const created: { email: string; role: Role; password: string; id: number }[] = [];
	const existing: number[] = [];
	for (const user of DEMO_USERS) {
		const found = await findUserByEmail(db, user.email);
		if (found) {
			// From an earlier, interrupted start: it keeps its password (already in the file).
			existing.push(found.id);
			continue;
		}
		const password = generatePassword();
		const stored = await createUser(db, { ...user, password });
		created.push({ email: user.email, role: user.role, password, id: stored.id });
	}
	if (!created.length) return { ids: existing, credentialsFile: null };
	const folder = path.resolve(dataDir);
	fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
	const file = path.join(folder, INITIAL_CREDENTIALS_FILE);
	const lines = [
		'',
		`Demo users, created ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (they replace any demo users listed above, see the demo company and are deleted with it):`,
		...created.map((u) => `${u.role.padEnd(9)} email: ${u.email}  password: ${u.password}`),
		''
	];
	// Appended, or created owner-only; a link in its place is refused rather than followed.
	const handle = fs.openSync(
		file,
		fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW,
		0o600
	);
	try {
		fs.writeSync(handle, lines.join('\n'));
	} finally {
		fs.closeSync(handle);
	}
	return { ids: [...existing, ...created.map((u) => u.id)], credentialsFile: file };
}
