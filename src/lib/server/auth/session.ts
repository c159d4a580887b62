import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { Cookies } from '@sveltejs/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Role } from './permissions';

const DAY_MS = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME_MS = 30 * DAY_MS;
export const SESSION_ABSOLUTE_LIFETIME_MS = 90 * DAY_MS;
/**
 * A session used with less than this left is extended to 30 days from now: a true 30-day idle
 * timeout, written at most about once a day rather than on every request.
 */
export const SESSION_RENEW_WITHIN_MS = 29 * DAY_MS;

export interface Session {
	/** hex(SHA-256(token)) */
	id: string;
	userId: number;
	createdAt: Date;
	expiresAt: Date;
	absoluteExpiresAt: Date;
}

export interface SessionUser {
	id: number;
	email: string;
	name: string | null;
	role: Role;
	mustChangePassword: boolean;
}

export type SessionValidationResult = { session: Session; user: SessionUser } | null;

/** 20 random bytes (160 bits) as 32 lower-case base32 characters. */
export function generateSessionToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

export function sessionIdFromToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export async function createSession(
	db: Kysely<DB>,
	token: string,
	userId: number,
	now = new Date()
): Promise<Session> {
	const session: Session = {
		id: sessionIdFromToken(token),
		userId,
		createdAt: now,
		expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
		absoluteExpiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_LIFETIME_MS)
	};
	// sessions that were simply abandoned are never validated again; sweep this user's here
	await db
		.deleteFrom('user_session')
		.where('user_id', '=', userId)
		.where((eb) => eb.or([eb('expires_at', '<=', now), eb('absolute_expires_at', '<=', now)]))
		.execute();
	await db
		.insertInto('user_session')
		.values({
			id: session.id,
			user_id: userId,
			created_at: session.createdAt,
			expires_at: session.expiresAt,
			absolute_expires_at: session.absoluteExpiresAt
		})
		.execute();
	return session;
}

export async function validateSessionToken(
	db: Kysely<DB>,
	token: string,
	now = new Date()
): Promise<SessionValidationResult> {
	const id = sessionIdFromToken(token);
	const row = await db
		.selectFrom('user_session')
		.innerJoin('app_user', 'app_user.user_id', 'user_session.user_id')
		.select([
			'user_session.user_id',
			'user_session.created_at',
			'user_session.expires_at',
			'user_session.absolute_expires_at',
			'app_user.email',
			'app_user.name',
			'app_user.role',
			'app_user.must_change_password',
			'app_user.active'
		])
		.where('user_session.id', '=', id)
		.executeTakeFirst();
	if (!row) return null;
	const time = now.getTime();
	if (
		!row.active ||
		time >= row.expires_at.getTime() ||
		time >= row.absolute_expires_at.getTime()
	) {
		await invalidateSession(db, id);
		return null;
	}
	const session: Session = {
		id,
		userId: row.user_id,
		createdAt: row.created_at,
		expiresAt: row.expires_at,
		absoluteExpiresAt: row.absolute_expires_at
	};
	if (session.expiresAt.getTime() - time < SESSION_RENEW_WITHIN_MS) {
		const renewed = Math.min(time + SESSION_LIFETIME_MS, session.absoluteExpiresAt.getTime());
		if (renewed > session.expiresAt.getTime()) {
			session.expiresAt = new Date(renewed);
			await db
				.updateTable('user_session')
				.set({ expires_at: session.expiresAt })
				.where('id', '=', id)
				.execute();
		}
	}
	return {
		session,
		user: {
			id: row.user_id,
			email: row.email,
			name: row.name,
			role: row.role,
			mustChangePassword: row.must_change_password
		}
	};
}

export async function invalidateSession(db: Kysely<DB>, sessionId: string): Promise<void> {
	await db.deleteFrom('user_session').where('id', '=', sessionId).execute();
}

/** Signs a user out everywhere. */
export async function invalidateUserSessions(db: Kysely<DB>, userId: number): Promise<void> {
	await db.deleteFrom('user_session').where('user_id', '=', userId).execute();
}

/** `__Host-` (Secure, path /, no Domain) exactly when the app is served over https. */
export function sessionCookieName(secure: boolean): string {
	return secure ? '__Host-cx_session' : 'cx_session';
}

export function setSessionTokenCookie(
	cookies: Cookies,
	token: string,
	expiresAt: Date,
	secure: boolean
): void {
	cookies.set(sessionCookieName(secure), token, {
		httpOnly: true,
		sameSite: 'lax',
		path: '/',
		secure,
		expires: expiresAt
	});
}

export function deleteSessionTokenCookie(cookies: Cookies, secure: boolean): void {
	cookies.delete(sessionCookieName(secure), {
		httpOnly: true,
		sameSite: 'lax',
		path: '/',
		secure
	});
}
