import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { userErrorMessage } from '../../../../tests/helpers/errors';
import { openSessions, sessionsStillValid } from '../../../../tests/helpers/sessions';
import { UserError } from '../errors';
import { verifyPassword } from './password';
import type { Role } from './permissions';
import { validateSessionToken } from './session';
import {
	changeOwnPassword,
	changeRole,
	createUser,
	deactivateUser,
	findUserByEmail,
	listUsers,
	resetPassword
} from './users';

const PASSWORD = 'a long enough password';
const NOW = new Date('2026-03-01T10:00:00Z');

let database: TestDatabase;
let emails = 0;

beforeAll(async () => (database = await openTestDatabase()));
afterAll(() => database.close());
beforeEach(async () => {
	await database.db.deleteFrom('app_user').execute();
});

async function user(role: Role, extra: { mustChangePassword?: boolean } = {}) {
	return createUser(database.db, {
		email: `user${++emails}@example.com`,
		role,
		password: PASSWORD,
		...extra
	});
}

const signedIn = (userId: number, count = 2) => openSessions(database.db, userId, count, NOW);
const stillValid = (tokens: string[]) => sessionsStillValid(database.db, tokens, NOW);
const refusal = userErrorMessage;

describe('creating users', () => {
	it('stores the email lower-cased and trimmed, and a hash instead of the password', async () => {
		const created = await createUser(database.db, {
			email: '  Ana.Lopez@Example.COM ',
			name: ' Ana López ',
			role: 'cx_lead',
			password: PASSWORD
		});
		expect(created).toMatchObject({
			email: 'ana.lopez@example.com',
			name: 'Ana López',
			role: 'cx_lead',
			mustChangePassword: false,
			active: true
		});
		expect(created).not.toHaveProperty('passwordHash');
		const found = await findUserByEmail(database.db, 'ANA.LOPEZ@example.com');
		expect(found?.id).toBe(created.id);
		expect(found?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
		expect(await verifyPassword(found!.passwordHash, PASSWORD)).toBe(true);
		expect(await findUserByEmail(database.db, 'nobody@example.com')).toBeUndefined();
	});

	it('refuses a second account for the same email in another case', async () => {
		await createUser(database.db, { email: 'ana@example.com', role: 'viewer', password: PASSWORD });
		expect(
			await refusal(() =>
				createUser(database.db, { email: 'ANA@Example.com', role: 'admin', password: PASSWORD })
			)
		).toBe('A user with the email ana@example.com already exists.');
		expect((await listUsers(database.db)).map((u) => [u.email, u.role])).toEqual([
			['ana@example.com', 'viewer']
		]);
	});

	it('refuses a weak password, a malformed email and an unknown role, in one sentence', async () => {
		const attempt = (email: string, password: string, role = 'viewer') =>
			refusal(() => createUser(database.db, { email, role: role as Role, password }));
		expect(await attempt('ana@example.com', 'short')).toBe(
			'The password must have at least 12 characters.'
		);
		expect(await attempt('ana.lopez@example.com', 'Ana.Lopez@example.com')).toBe(
			'The password must not be the email address.'
		);
		expect(await attempt('ana at example.com', PASSWORD)).toBe(
			'"ana at example.com" is not an email address.'
		);
		expect(await attempt('ana@example.com', PASSWORD, 'root')).toBe('"root" is not a role.');
		expect(await listUsers(database.db)).toEqual([]);
	});
});

describe('admin actions on a user', () => {
	it('changing the role ends all that user’s sessions and no one else’s', async () => {
		const [ana, bob] = [await user('viewer'), await user('viewer')];
		const [anas, bobs] = [await signedIn(ana.id), await signedIn(bob.id)];
		await changeRole(database.db, ana.id, 'cx_lead');
		expect(await stillValid(anas)).toEqual([false, false]);
		expect(await stillValid(bobs)).toEqual([true, true]);
		expect((await findUserByEmail(database.db, ana.email))?.role).toBe('cx_lead');
	});

	it('resetting the password ends all that user’s sessions and asks for a new password', async () => {
		const [ana, bob] = [await user('viewer'), await user('viewer')];
		const [anas, bobs] = [await signedIn(ana.id), await signedIn(bob.id)];
		await resetPassword(database.db, ana.id, 'the admin chose this one');
		expect(await stillValid(anas)).toEqual([false, false]);
		expect(await stillValid(bobs)).toEqual([true, true]);
		const stored = await findUserByEmail(database.db, ana.email);
		expect(stored?.mustChangePassword).toBe(true);
		expect(await verifyPassword(stored!.passwordHash, 'the admin chose this one')).toBe(true);
		expect(await verifyPassword(stored!.passwordHash, PASSWORD)).toBe(false);
		expect(await refusal(() => resetPassword(database.db, ana.id, 'too short'))).toMatch(
			/at least 12/
		);
	});

	it('deactivating ends all that user’s sessions and keeps the row', async () => {
		const [ana, bob] = [await user('executive'), await user('viewer')];
		const [anas, bobs] = [await signedIn(ana.id), await signedIn(bob.id)];
		await deactivateUser(database.db, ana.id);
		expect(await stillValid(anas)).toEqual([false, false]);
		expect(await stillValid(bobs)).toEqual([true, true]);
		expect((await findUserByEmail(database.db, ana.email))?.active).toBe(false);
	});

	it('never leaves the installation without an active admin', async () => {
		const first = await user('admin');
		const sessions = await signedIn(first.id);
		expect(await refusal(() => changeRole(database.db, first.id, 'viewer'))).toBe(
			'The last active admin cannot be given another role; make someone else an admin first.'
		);
		expect(await refusal(() => deactivateUser(database.db, first.id))).toBe(
			'The last active admin cannot be deactivated; make someone else an admin first.'
		);
		// refused changes change nothing, sessions included
		expect(await stillValid(sessions)).toEqual([true, true]);
		expect((await findUserByEmail(database.db, first.email))?.role).toBe('admin');

		// an inactive admin does not count
		const dormant = await user('admin');
		await deactivateUser(database.db, dormant.id);
		expect(await refusal(() => changeRole(database.db, first.id, 'executive'))).toMatch(
			/last active admin/
		);

		// with a second active admin, either may go
		const second = await user('viewer');
		await changeRole(database.db, second.id, 'admin');
		await changeRole(database.db, first.id, 'executive');
		expect(await refusal(() => deactivateUser(database.db, second.id))).toMatch(
			/last active admin/
		);
		await changeRole(database.db, first.id, 'admin');
		await deactivateUser(database.db, second.id);
		expect((await listUsers(database.db)).map((u) => [u.email, u.role, u.active])).toEqual([
			[first.email, 'admin', true],
			[dormant.email, 'admin', false],
			[second.email, 'admin', false]
		]);
	});

	it('lets only one of two admins demoting each other at the same moment succeed', async () => {
		const [first, second] = [await user('admin'), await user('admin')];
		const outcomes = await Promise.allSettled([
			changeRole(database.db, first.id, 'viewer'),
			deactivateUser(database.db, second.id)
		]);
		expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
		const rejected = outcomes.find((o) => o.status === 'rejected');
		expect(rejected?.reason).toBeInstanceOf(UserError);
		const admins = (await listUsers(database.db)).filter((u) => u.role === 'admin' && u.active);
		expect(admins).toHaveLength(1);
	});

	it('refuse an unknown user', async () => {
		expect(await refusal(() => changeRole(database.db, 999_999, 'viewer'))).toBe(
			'That user does not exist.'
		);
		expect(await refusal(() => deactivateUser(database.db, 999_999))).toBe(
			'That user does not exist.'
		);
		expect(await refusal(() => resetPassword(database.db, 999_999, PASSWORD))).toBe(
			'That user does not exist.'
		);
	});
});

describe('changing one’s own password', () => {
	it('keeps only the current session and clears the must-change flag', async () => {
		const ana = await user('viewer', { mustChangePassword: true });
		const bob = await user('viewer');
		const [current, other, third] = await signedIn(ana.id, 3);
		const bobs = await signedIn(bob.id, 1);
		const currentSession = await validateSessionToken(database.db, current!, NOW);
		await changeOwnPassword(
			database.db,
			ana.id,
			PASSWORD,
			'my own new password',
			currentSession!.session.id
		);
		expect(await stillValid([current!, other!, third!])).toEqual([true, false, false]);
		expect(await stillValid(bobs)).toEqual([true]);
		const stored = await findUserByEmail(database.db, ana.email);
		expect(stored?.mustChangePassword).toBe(false);
		expect(await verifyPassword(stored!.passwordHash, 'my own new password')).toBe(true);
	});

	it('ends every session when no session is named', async () => {
		const ana = await user('viewer');
		const sessions = await signedIn(ana.id);
		await changeOwnPassword(database.db, ana.id, PASSWORD, 'my own new password');
		expect(await stillValid(sessions)).toEqual([false, false]);
	});

	it('refuses a wrong current password, a weak new one and the same one, changing nothing', async () => {
		const ana = await user('viewer', { mustChangePassword: true });
		const sessions = await signedIn(ana.id);
		expect(
			await refusal(() =>
				changeOwnPassword(database.db, ana.id, 'not my password', 'a new password!')
			)
		).toBe('The current password is not right.');
		expect(await refusal(() => changeOwnPassword(database.db, ana.id, PASSWORD, 'short'))).toBe(
			'The password must have at least 12 characters.'
		);
		expect(await refusal(() => changeOwnPassword(database.db, ana.id, PASSWORD, PASSWORD))).toBe(
			'The new password must differ from the current one.'
		);
		expect(await stillValid(sessions)).toEqual([true, true]);
		const stored = await findUserByEmail(database.db, ana.email);
		expect(stored?.mustChangePassword).toBe(true);
		expect(await verifyPassword(stored!.passwordHash, PASSWORD)).toBe(true);
	});
});
