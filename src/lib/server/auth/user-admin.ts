import type { Kysely } from 'kysely';
import { recordAudit, userTarget } from '../audit';
import type { DB } from '../db/schema';
import { UserError } from '../errors';
import type { Role } from './permissions';
import { changeRole, createUser, deactivateUser, resetPassword } from './users';

/** No 0/o/O or 1/l/I: the admin reads the password off the screen and passes it on. */
const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const ONE_TIME_PASSWORD_LENGTH = 20;

export function generateOneTimePassword(length = ONE_TIME_PASSWORD_LENGTH): string {
	// rejection sampling: bytes past the last whole multiple of the alphabet would bias it
	const limit = 256 - (256 % PASSWORD_ALPHABET.length);
	let password = '';
	while (password.length < length) {
		for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
			if (byte < limit && password.length < length) {
				password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
			}
		}
	}
	return password;
}

/** A generated password to hand over once, and whose it is. */
export interface OneTimePassword {
	userId: number;
	email: string;
	password: string;
}

/** Creates a user with a generated password they must change; the password is returned once. */
export async function addUserAsAdmin(
	db: Kysely<DB>,
	actorId: number,
	{ email, role }: { email: string; role: Role }
): Promise<OneTimePassword> {
	const password = generateOneTimePassword();
	const user = await db.transaction().execute(async (trx) => {
		const created = await createUser(trx, { email, role, password, mustChangePassword: true });
		await recordAudit(trx, {
			actorUserId: actorId,
			action: 'user.add',
			target: userTarget(created.id),
			detail: { role }
		});
		return created;
	});
	return { userId: user.id, email: user.email, password };
}

// resetPassword, changeRole and deactivateUser run their own transactions (Kysely does not nest
// them), so the audit row follows the committed change; a refused change throws before it.

/** Sets a generated password the user must change and signs them out; returns it once. */
export async function resetPasswordAsAdmin(
	db: Kysely<DB>,
	actorId: number,
	userId: number
): Promise<OneTimePassword> {
	const user = await db
		.selectFrom('app_user')
		.select('email')
		.where('user_id', '=', userId)
		.executeTakeFirst();
	if (!user) throw new UserError('That user does not exist.');
	const password = generateOneTimePassword();
	await resetPassword(db, userId, password, (trx) =>
		recordAudit(trx, {
			actorUserId: actorId,
			action: 'user.reset-password',
			target: userTarget(userId)
		})
	);
	return { userId, email: user.email, password };
}

export async function changeRoleAsAdmin(
	db: Kysely<DB>,
	actorId: number,
	userId: number,
	role: Role
): Promise<void> {
	// Written in the change's own transaction; an unchanged role writes nothing.
	await changeRole(db, userId, role, (trx) =>
		recordAudit(trx, {
			actorUserId: actorId,
			action: 'user.change-role',
			target: userTarget(userId),
			detail: { role }
		})
	);
}

export async function deactivateUserAsAdmin(
	db: Kysely<DB>,
	actorId: number,
	userId: number
): Promise<void> {
	await deactivateUser(db, userId, (trx) =>
		recordAudit(trx, {
			actorUserId: actorId,
			action: 'user.deactivate',
			target: userTarget(userId)
		})
	);
}
