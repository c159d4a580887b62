import { createHash } from 'node:crypto';
import type { Cookies } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import {
	createSession,
	deleteSessionTokenCookie,
	generateSessionToken,
	invalidateSession,
	invalidateUserSessions,
	sessionCookieName,
	setSessionTokenCookie,
	validateSessionToken
} from './session';

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2026-02-01T08:00:00Z');
const at = (days: number) => new Date(T0.getTime() + days * DAY);

let database: TestDatabase;
let ana: number;
let bob: number;

async function addUser(email: string, role = 'viewer' as const): Promise<number> {
	// a fixed hash: these tests are about sessions, and hashing is tested in password.test.ts
	const row = await database.db
		.insertInto('app_user')
		.values({ email, name: email.split('@')[0]!, role, password_hash: 'unused' })
		.returning('user_id')
		.executeTakeFirstOrThrow();
	return row.user_id;
}

const sessionRows = () => database.db.selectFrom('user_session').selectAll().execute();

beforeAll(async () => {
	database = await openTestDatabase();
	ana = await addUser('ana@example.com');
	bob = await addUser('bob@example.com');
});
afterAll(() => database.close());

describe('session tokens', () => {
	it('are 160 random bits in 32 lower-case base32 characters, different every time', () => {
		const tokens = new Set(Array.from({ length: 100 }, generateSessionToken));
		expect(tokens.size).toBe(100);
		for (const token of tokens) expect(token).toMatch(/^[a-z2-7]{32}$/);
	});

	it('are stored only as their SHA-256, never themselves', async () => {
		const token = generateSessionToken();
		const session = await createSession(database.db, token, ana, T0);
		const sha256 = createHash('sha256').update(token, 'utf8').digest('hex');
		expect(session.id).toBe(sha256);
		const row = (await sessionRows()).find((r) => r.user_id === ana);
		expect(row).toEqual({
			id: sha256,
			user_id: ana,
			created_at: T0,
			expires_at: at(30),
			absolute_expires_at: at(90)
		});
		const everything = JSON.stringify(await sessionRows());
		expect(everything).not.toContain(token);
		expect(everything).not.toContain(token.toUpperCase());
		await invalidateUserSessions(database.db, ana);
	});
});

describe('validating a session', () => {
	it('returns the session and the user (without the password hash), and slides expiry', async () => {
		const token = generateSessionToken();
		await createSession(database.db, token, ana, T0);

		// half a day in: 29.5 days left, more than 29, so nothing is written
		const fresh = await validateSessionToken(database.db, token, at(0.5));
		expect(fresh?.session.expiresAt).toEqual(at(30));
		// day 10: 20 days left, so it now lasts until day 10 + 30 = 40
		const early = await validateSessionToken(database.db, token, at(10));
		expect(early?.session.expiresAt).toEqual(at(40));
		expect(early?.user).toEqual({
			id: ana,
			email: 'ana@example.com',
			name: 'ana',
			role: 'viewer',
			mustChangePassword: false
		});

		// day 29: 11 days left, so it now lasts until day 29 + 30 = 59
		const slid = await validateSessionToken(database.db, token, at(29));
		expect(slid?.session.expiresAt).toEqual(at(59));
		expect((await sessionRows()).find((r) => r.user_id === ana)?.expires_at).toEqual(at(59));

		// 31 days after that last use: over
		expect(await validateSessionToken(database.db, token, at(60))).toBeNull();
		expect((await sessionRows()).filter((r) => r.user_id === ana)).toEqual([]);
	});

	it('never slides past the 90-day absolute lifetime, however often it is used', async () => {
		const token = generateSessionToken();
		await createSession(database.db, token, ana, T0);
		// used every 10 days: each use slides to day + 30, never beyond day 90
		const expected: Record<number, number> = { 10: 40, 20: 50, 30: 60, 40: 70, 50: 80, 60: 90 };
		for (const day of [10, 20, 30, 40, 50, 60, 70, 80]) {
			const result = await validateSessionToken(database.db, token, at(day));
			expect(result?.session.expiresAt, `day ${day}`).toEqual(at(expected[day] ?? 90));
			expect(result?.session.absoluteExpiresAt).toEqual(at(90));
		}
		expect(await validateSessionToken(database.db, token, at(89.99))).not.toBeNull();
		expect(
			await validateSessionToken(database.db, token, new Date(at(90).getTime() + 1))
		).toBeNull();
		expect((await sessionRows()).filter((r) => r.user_id === ana)).toEqual([]);
	});

	it('refuses an unknown token', async () => {
		expect(await validateSessionToken(database.db, generateSessionToken(), T0)).toBeNull();
		expect(await validateSessionToken(database.db, '', T0)).toBeNull();
	});

	it('refuses, and deletes, the session of a user who was deactivated', async () => {
		const carol = await addUser('carol@example.com');
		const token = generateSessionToken();
		await createSession(database.db, token, carol, T0);
		expect(await validateSessionToken(database.db, token, at(1))).not.toBeNull();
		await database.db
			.updateTable('app_user')
			.set({ active: false })
			.where('user_id', '=', carol)
			.execute();
		expect(await validateSessionToken(database.db, token, at(1))).toBeNull();
		expect((await sessionRows()).filter((r) => r.user_id === carol)).toEqual([]);
	});
});

describe('ending sessions', () => {
	it('ends one session, leaving the user’s others', async () => {
		const first = generateSessionToken();
		const second = generateSessionToken();
		const session = await createSession(database.db, first, ana, T0);
		await createSession(database.db, second, ana, T0);
		await invalidateSession(database.db, session.id);
		expect(await validateSessionToken(database.db, first, at(1))).toBeNull();
		expect(await validateSessionToken(database.db, second, at(1))).not.toBeNull();
		await invalidateUserSessions(database.db, ana);
	});

	it('ends all of one user’s sessions (sign out everywhere) and no one else’s', async () => {
		const anas = [generateSessionToken(), generateSessionToken(), generateSessionToken()];
		const bobs = generateSessionToken();
		for (const token of anas) await createSession(database.db, token, ana, T0);
		await createSession(database.db, bobs, bob, T0);
		await invalidateUserSessions(database.db, ana);
		for (const token of anas)
			expect(await validateSessionToken(database.db, token, at(1))).toBeNull();
		expect((await validateSessionToken(database.db, bobs, at(1)))?.user.email).toBe(
			'bob@example.com'
		);
		await invalidateUserSessions(database.db, bob);
	});

	it('go with their user when the user is deleted', async () => {
		const dave = await addUser('dave@example.com');
		await createSession(database.db, generateSessionToken(), dave, T0);
		await database.db.deleteFrom('app_user').where('user_id', '=', dave).execute();
		expect((await sessionRows()).filter((r) => r.user_id === dave)).toEqual([]);
	});

	it('sweeps the user’s expired sessions when a new one starts', async () => {
		await createSession(database.db, generateSessionToken(), bob, T0);
		await createSession(database.db, generateSessionToken(), bob, at(100));
		const rows = (await sessionRows()).filter((r) => r.user_id === bob);
		expect(rows.map((r) => r.created_at)).toEqual([at(100)]);
		await invalidateUserSessions(database.db, bob);
	});
});

describe('the session cookie', () => {
	function fakeCookies() {
		const calls: { method: string; name: string; value?: string; options: object }[] = [];
		const cookies = {
			set: (name: string, value: string, options: object) =>
				calls.push({ method: 'set', name, value, options }),
			delete: (name: string, options: object) => calls.push({ method: 'delete', name, options })
		} as unknown as Cookies;
		return { cookies, calls };
	}

	it('is __Host-cx_session, Secure, HttpOnly, SameSite=Lax, path / over https', () => {
		const { cookies, calls } = fakeCookies();
		setSessionTokenCookie(cookies, 'token', at(30), true);
		deleteSessionTokenCookie(cookies, true);
		expect(sessionCookieName(true)).toBe('__Host-cx_session');
		expect(calls).toEqual([
			{
				method: 'set',
				name: '__Host-cx_session',
				value: 'token',
				options: { httpOnly: true, sameSite: 'lax', path: '/', secure: true, expires: at(30) }
			},
			{
				method: 'delete',
				name: '__Host-cx_session',
				options: { httpOnly: true, sameSite: 'lax', path: '/', secure: true }
			}
		]);
	});

	it('is cx_session without Secure over plain http', () => {
		const { cookies, calls } = fakeCookies();
		setSessionTokenCookie(cookies, 'token', at(30), false);
		deleteSessionTokenCookie(cookies, false);
		expect(sessionCookieName(false)).toBe('cx_session');
		expect(calls).toEqual([
			{
				method: 'set',
				name: 'cx_session',
				value: 'token',
				options: { httpOnly: true, sameSite: 'lax', path: '/', secure: false, expires: at(30) }
			},
			{
				method: 'delete',
				name: 'cx_session',
				options: { httpOnly: true, sameSite: 'lax', path: '/', secure: false }
			}
		]);
	});
});
