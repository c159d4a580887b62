import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

// The package declares Algorithm as an ambient const enum: with verbatimModuleSyntax it cannot be
// read as a value (TS2748), and at run time the exported object is empty, so
// `Algorithm.Argon2id` would be undefined. The member's type pins the literal to the right value.
const ARGON2ID: Algorithm.Argon2id = 2;

/** argon2id as OWASP advises (19 MiB, 2 passes, 1 lane); explicit, so no new default weakens it. */
export const PASSWORD_HASH_OPTIONS = {
	algorithm: ARGON2ID,
	memoryCost: 19456,
	timeCost: 2,
	parallelism: 1
} as const satisfies Options;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * A hash of a random, forgotten password with the same parameters, verified against when the
 * email is unknown so that a sign-in costs the same whether or not the account exists.
 */
export const DUMMY_PASSWORD_HASH =
	'$argon2id$v=19$m=19456,t=2,p=1$PvcBdElMG443ADvYnCJ5Aw$T+4Twcm6EPsA68iNz9tk8ZHmUMxpO+QMQvIy5MWgmjo';

export function hashPassword(password: string): Promise<string> {
	return hash(password, PASSWORD_HASH_OPTIONS);
}

/** True when `password` matches `passwordHash`; false (never an error) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

/** A sentence saying why `password` is not acceptable, or undefined when it is. */
export function checkPasswordStrength(password: string, email?: string): string | undefined {
	const length = [...password].length;
	if (length < PASSWORD_MIN_LENGTH) {
		return `The password must have at least ${PASSWORD_MIN_LENGTH} characters.`;
	}
	if (length > PASSWORD_MAX_LENGTH) {
		return `The password must have at most ${PASSWORD_MAX_LENGTH} characters.`;
	}
	if (email !== undefined && password.trim().toLowerCase() === email.trim().toLowerCase()) {
		return 'The password must not be the email address.';
	}
	return undefined;
}
