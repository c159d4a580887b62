import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { userErrorMessage } from '../../../../tests/helpers/errors';
import { openSessions, sessionsStillValid } from '../../../../tests/helpers/sessions';
import { listAudit } from '../audit';
import { verifyPassword } from './password';
import type { Role } from './permissions';
import {
	addUserAsAdmin,
	changeRoleAsAdmin,
	deactivateUserAsAdmin,
	generateOneTimePassword,
	resetPasswordAsAdmin
} from './user-admin';
import { createUser, findUserByEmail } from './users';

const PASSWORD = 'a long enough password';
const NOW = new Date();

let database: TestDatabase;
let emails = 0;
let adminId: number;

beforeAll(async () => (database = await openTestDatabase()));
afterAll(() => database.close());
beforeEach(async () => {
	await database.db.deleteFrom('audit_log').execute();
	await database.db.deleteFrom('app_user').execute();
	adminId = (await user('admin')).id;
});

async function user(role: Role) {
	return createUser(database.db, {
		email: `person${++emails}@example.com`,
		role,
		password: PASSWORD
	});
}

const signedIn = (userId: number, count = 2) => openSessions(database.db, userId, count, NOW);
const stillValid = (tokens: string[]) => sessionsStillValid(database.db, tokens, NOW);
const refusal = userErrorMessage;

/** Every row of audit_log, every column as text, for a search for personal values. */
async function auditText(): Promise<string> {
	const rows = await sql<{
		line: string;
	}>`select concat_ws('|', audit_id::text, at::text, actor_user_id::text, action, target, detail::text) as line from audit_log`.execute(
		database.db
	);
	return rows.rows.map((row) => row.line).join('\n');
}

describe('generateOneTimePassword', () => {
	it('gives 20 characters of the unambiguous alphabet, different each time', () => {
		const passwords = Array.from({ length: 50 }, () => generateOneTimePassword());
		for (const password of passwords) expect(password).toMatch(/^[a-km-np-zA-HJ-NP-Z2-9]{20}$/);
		expect(new Set(passwords).size).toBe(50);
	});
});

describe('addUserAsAdmin', () => {
	it('creates a user who must change the returned password, audited without the email', async () => {
		const issued = await addUserAsAdmin(database.db, adminId, {
			email: '  New.Person@Example.com ',
			role: 'cx_lead'
		});
		expect(issued.email).toBe('new.person@example.com');
		expect(issued.password).toHaveLength(20);
		const stored = await findUserByEmail(database.db, 'new.person@example.com');
		expect(stored).toMatchObject({ id: issued.userId, role: 'cx_lead', mustChangePassword: true });
		expect(await verifyPassword(stored!.passwordHash, issued.password)).toBe(true);

		const audit = await listAudit(database.db, 10);
		expect(audit).toHaveLength(1);
		expect(audit[0]).toMatchObject({
			actorUserId: adminId,
			action: 'user.add',
			target: `user:${issued.userId}`,
			detail: { role: 'cx_lead' }
		});
		const text = await auditText();
		expect(text).toContain(`user:${issued.userId}`);
		for (const value of ['new.person', 'example.com', '@', issued.password]) {
			expect(text).not.toContain(value);
		}
	});

	it('writes no audit row when the user cannot be created', async () => {
		const existing = await user('viewer');
		expect(
			await refusal(() =>
				addUserAsAdmin(database.db, adminId, { email: existing.email, role: 'viewer' })
			)
		).toMatch(/already exists/);
		expect(
			await refusal(() => addUserAsAdmin(database.db, adminId, { email: 'nope', role: 'viewer' }))
		).toMatch(/not an email/);
		expect(await listAudit(database.db, 10)).toEqual([]);
	});
});

describe('resetPasswordAsAdmin', () => {
	it('sets a new password to change, ends the sessions and audits it', async () => {
		const person = await user('viewer');
		const tokens = await signedIn(person.id);
		const issued = await resetPasswordAsAdmin(database.db, adminId, person.id);
		expect(issued).toMatchObject({ userId: person.id, email: person.email });
		const stored = await findUserByEmail(database.db, person.email);
		expect(stored!.mustChangePassword).toBe(true);
		expect(await verifyPassword(stored!.passwordHash, issued.password)).toBe(true);
		expect(await verifyPassword(stored!.passwordHash, PASSWORD)).toBe(false);
		expect(await stillValid(tokens)).toEqual([false, false]);
		expect(await listAudit(database.db, 10)).toMatchObject([
			{ actorUserId: adminId, action: 'user.reset-password', target: `user:${person.id}` }
		]);
		expect(await auditText()).not.toContain(person.email);
	});

	it('refuses an unknown user without an audit row', async () => {
		expect(await refusal(() => resetPasswordAsAdmin(database.db, adminId, 999_999))).toMatch(
			/does not exist/
		);
		expect(await listAudit(database.db, 10)).toEqual([]);
	});
});

describe('changeRoleAsAdmin and deactivateUserAsAdmin', () => {
	it('change the role, end only that user’s sessions and audit the new role', async () => {
		const person = await user('viewer');
		const theirs = await signedIn(person.id);
		const admins = await signedIn(adminId, 1);
		await changeRoleAsAdmin(database.db, adminId, person.id, 'executive');
		expect((await findUserByEmail(database.db, person.email))!.role).toBe('executive');
		expect(await stillValid(theirs)).toEqual([false, false]);
		expect(await stillValid(admins)).toEqual([true]);
		expect(await listAudit(database.db, 10)).toMatchObject([
			{
				actorUserId: adminId,
				action: 'user.change-role',
				target: `user:${person.id}`,
				detail: { role: 'executive' }
			}
		]);
	});

	it('write nothing, audit row included, when the role does not change', async () => {
		const person = await user('viewer');
		const theirs = await signedIn(person.id);
		await changeRoleAsAdmin(database.db, adminId, person.id, 'viewer');
		expect(await stillValid(theirs)).toEqual([true, true]);
		expect(await listAudit(database.db, 10)).toEqual([]);
	});

	it('roll the change back when its audit row cannot be written', async () => {
		const person = await user('viewer');
		const theirs = await signedIn(person.id);
		// An audit row that violates a constraint added for this test only.
		await sql`alter table audit_log add constraint no_role_audit check (action <> 'user.change-role')`.execute(
			database.db
		);
		try {
			await expect(
				changeRoleAsAdmin(database.db, adminId, person.id, 'executive')
			).rejects.toThrow();
		} finally {
			await sql`alter table audit_log drop constraint no_role_audit`.execute(database.db);
		}
		expect((await findUserByEmail(database.db, person.email))!.role).toBe('viewer');
		expect(await stillValid(theirs)).toEqual([true, true]);
	});

	it('deactivate a user, ending their sessions, and audit it', async () => {
		const person = await user('cx_lead');
		const theirs = await signedIn(person.id);
		await deactivateUserAsAdmin(database.db, adminId, person.id);
		expect((await findUserByEmail(database.db, person.email))!.active).toBe(false);
		expect(await stillValid(theirs)).toEqual([false, false]);
		expect(await listAudit(database.db, 10)).toMatchObject([
			{ actorUserId: adminId, action: 'user.deactivate', target: `user:${person.id}` }
		]);
		expect(await auditText()).not.toContain(person.email);
	});

	it('refuse to demote or deactivate the last active admin, writing no audit row', async () => {
		const tokens = await signedIn(adminId);
		expect(await refusal(() => changeRoleAsAdmin(database.db, adminId, adminId, 'viewer'))).toMatch(
			/last active admin/
		);
		expect(await refusal(() => deactivateUserAsAdmin(database.db, adminId, adminId))).toMatch(
			/last active admin/
		);
		const admin = (await database.db
			.selectFrom('app_user')
			.select(['role', 'active'])
			.where('user_id', '=', adminId)
			.executeTakeFirst())!;
		expect(admin).toEqual({ role: 'admin', active: true });
		expect(await stillValid(tokens)).toEqual([true, true]);
		expect(await listAudit(database.db, 10)).toEqual([]);

		// with a second admin the first may step down, and that is audited
		const other = await user('admin');
		await changeRoleAsAdmin(database.db, other.id, adminId, 'viewer');
		expect(await listAudit(database.db, 10)).toMatchObject([
			{ actorUserId: other.id, action: 'user.change-role', target: `user:${adminId}` }
		]);
	});
});
