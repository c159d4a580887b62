import type { Kysely } from 'kysely';
import type { DB } from '$lib/server/db/schema';
import {
	createSession,
	generateSessionToken,
	validateSessionToken
} from '$lib/server/auth/session';

/** Starts `count` sessions for a user at `now` and returns their tokens. */
export async function openSessions(
	db: Kysely<DB>,
	userId: number,
	count: number,
	now: Date
): Promise<string[]> {
	const tokens: string[] = [];
	for (let i = 0; i < count; i++) {
		const token = generateSessionToken();
		await createSession(db, token, userId, now);
		tokens.push(token);
	}
	return tokens;
}

/** Whether each token still names a valid session at `now`. */
export async function sessionsStillValid(
	db: Kysely<DB>,
	tokens: string[],
	now: Date
): Promise<boolean[]> {
	const results: boolean[] = [];
	for (const token of tokens) results.push((await validateSessionToken(db, token, now)) !== null);
	return results;
}
