import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { DUMMY_PASSWORD_HASH, verifyPassword } from './password';
import { createSession, generateSessionToken, type Session, type SessionUser } from './session';
import type { LoginThrottle } from './throttle';
import { findUserByEmail } from './users';

export const SIGN_IN_FAILED = 'The email or password is not right.';

export interface SignInAttempt {
	email: string;
	password: string;
	/** The client's address, as SvelteKit's `getClientAddress()` gives it. */
	ip: string;
}

export type SignInResult =
	| { ok: true; token: string; session: Session; user: SessionUser }
	| { ok: false; status: 400 | 429; message: string; retryAfter?: number };

/**
 * Checks an email and password and, when they are right, starts a session. Every refusal reads
 * the same, and an unknown, inactive or wrongly-passworded account costs one password check
 * alike, so neither the answer nor its timing tells whether an account exists.
 */
export async function signIn(
	db: Kysely<DB>,
	throttle: LoginThrottle,
	{ email, password, ip }: SignInAttempt,
	now = new Date(),
	verify: (passwordHash: string, password: string) => Promise<boolean> = verifyPassword
): Promise<SignInResult> {
	const retryAfter = throttle.retryAfter(email, ip);
	if (retryAfter > 0) return { ok: false, status: 429, message: SIGN_IN_FAILED, retryAfter };

	const user = await findUserByEmail(db, email);
	const known = user !== undefined && user.active;
	const matches = await verify(known ? user.passwordHash : DUMMY_PASSWORD_HASH, password);
	if (!known || !matches) {
		throttle.recordFailure(email, ip);
		return { ok: false, status: 400, message: SIGN_IN_FAILED };
	}

	throttle.recordSuccess(email);
	const token = generateSessionToken();
	const session = await createSession(db, token, user.id, now);
	return {
		ok: true,
		token,
		session,
		user: {
			id: user.id,
			email: user.email,
			name: user.name,
			role: user.role,
			mustChangePassword: user.mustChangePassword
		}
	};
}
