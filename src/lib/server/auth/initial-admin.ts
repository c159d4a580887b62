import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { MEMORY } from '../config';
import type { DB } from '../db/schema';
import { UserError } from '../errors';
import { checkPasswordStrength } from './password';
import { createUser, normaliseEmail } from './users';

export const INITIAL_CREDENTIALS_FILE = 'initial-credentials.txt';

/** No 0/o/O or 1/l/I: the password may be read off a screen and typed. */
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const GENERATED_PASSWORD_LENGTH = 24;

export interface InitialAdminOptions {
	email?: string;
	password?: string;
	/** The data folder (PGlite's, or for the file when DATABASE_URL is set), or memory://. */
	dataDir?: string;
	log: (message: string) => void;
}

export type InitialAdminResult =
	{ created: false } | { created: true; email: string; credentialsFile?: string };

/**
 * Makes sure someone can sign in to a new installation: when there is no user at all, creates an
 * admin with CX_ADMIN_EMAIL and CX_ADMIN_PASSWORD, or with a generated password written to a file
 * only the server's user can read (never to the log).
 */
export async function ensureInitialAdmin(
	db: Kysely<DB>,
	{
		email = process.env.CX_ADMIN_EMAIL || 'admin@example.com',
		password = process.env.CX_ADMIN_PASSWORD || undefined,
		dataDir = '.data',
		log
	}: InitialAdminOptions
): Promise<InitialAdminResult> {
	if (await anyUser(db)) return { created: false };
	const result = await db.transaction().execute(async (trx): Promise<InitialAdminResult> => {
		// several servers may start against one PostgreSQL database; one of them creates the admin
		await sql`lock table app_user in exclusive mode`.execute(trx);
		if (await anyUser(trx)) return { created: false };
		const address = normaliseEmail(email);
		if (password !== undefined) {
			const problem = checkPasswordStrength(password, address);
			if (problem)
				throw new UserError(`CX_ADMIN_PASSWORD was not accepted: ${lowerFirst(problem)}`);
			await createUser(trx, { email: address, role: 'admin', password });
			return { created: true, email: address };
		}
		if (dataDir === MEMORY) {
			throw new UserError(
				'CX_ADMIN_PASSWORD is required when CX_DATA_DIR is memory://, because a generated password could not be saved anywhere.'
			);
		}
		const generated = generatePassword();
		await createUser(trx, {
			email: address,
			role: 'admin',
			password: generated,
			mustChangePassword: true
		});
		// written before commit: if the file cannot be written, no admin exists with a lost password
		const file = writeCredentialsFile(dataDir, address, generated);
		return { created: true, email: address, credentialsFile: file };
	});
	if (result.created) {
		log(
			result.credentialsFile
				? `Created the first admin account; its email and generated password are in ${result.credentialsFile}. Sign in, change the password and delete that file.`
				: 'Created the first admin account (CX_ADMIN_EMAIL, default admin@example.com) with the password from CX_ADMIN_PASSWORD.'
		);
	}
	return result;
}

async function anyUser(db: Kysely<DB>): Promise<boolean> {
	return (
		(await db.selectFrom('app_user').select('user_id').limit(1).executeTakeFirst()) !== undefined
	);
}

export function generatePassword(): string {
	// rejection sampling: bytes past the last whole multiple of the alphabet would bias it
	const limit = 256 - (256 % PASSWORD_ALPHABET.length);
	let password = '';
	const bytes = new Uint8Array(64);
	while (password.length < GENERATED_PASSWORD_LENGTH) {
		crypto.getRandomValues(bytes);
		for (const byte of bytes) {
			if (byte < limit && password.length < GENERATED_PASSWORD_LENGTH) {
				password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
			}
		}
	}
	return password;
}

export function writeCredentialsFile(dataDir: string, email: string, password: string): string {
	const folder = path.resolve(dataDir);
	fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
	fs.chmodSync(folder, 0o700);
	const file = path.join(folder, INITIAL_CREDENTIALS_FILE);
	// a stale file from an earlier installation is replaced, never followed if it is a link
	fs.rmSync(file, { force: true });
	fs.writeFileSync(
		file,
		[
			'CX Command Center: the first admin account',
			`email: ${email}`,
			`password: ${password}`,
			'',
			'Sign in with this email and password and change the password; then delete this file.',
			''
		].join('\n'),
		{ mode: 0o600, flag: 'wx' }
	);
	return file;
}

function lowerFirst(sentence: string): string {
	return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}
