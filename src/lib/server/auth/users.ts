import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema';
import { UserError } from '../errors';
import { checkPasswordStrength, hashPassword, verifyPassword } from './password';
import { isRole, type Role } from './permissions';

export interface User {
	id: number;
	email: string;
	name: string | null;
	role: Role;
	mustChangePassword: boolean;
	active: boolean;
	createdAt: Date;
	updatedAt: Date;
}

/** Only for checking a password at sign-in; never hand this to a page. */
export interface UserWithPasswordHash extends User {
	passwordHash: string;
}

export interface NewUser {
	email: string;
	name?: string | null;
	role: Role;
	password: string;
	mustChangePassword?: boolean;
}

const EMAIL_MAX_LENGTH = 254;

export function normaliseEmail(email: string): string {
	return email.trim().toLowerCase();
}

function checkEmail(email: string): string | undefined {
	if (email.length > EMAIL_MAX_LENGTH || !/^[^\s@]+@[^\s@]+$/.test(email)) {
		return `"${email.slice(0, 80)}" is not an email address.`;
	}
	return undefined;
}

const USER_COLUMNS = [
	'user_id',
	'email',
	'name',
	'role',
	'must_change_password',
	'active',
	'created_at',
	'updated_at'
] as const;

function toUser(row: {
	user_id: number;
	email: string;
	name: string | null;
	role: Role;
	must_change_password: boolean;
	active: boolean;
	created_at: Date;
	updated_at: Date;
}): User {
	return {
		id: row.user_id,
		email: row.email,
		name: row.name,
		role: row.role,
		mustChangePassword: row.must_change_password,
		active: row.active,
		createdAt: row.created_at,
		updatedAt: row.updated_at
	};
}

export async function createUser(db: Kysely<DB>, user: NewUser): Promise<User> {
	const email = normaliseEmail(user.email);
	const problem =
		checkEmail(email) ??
		(isRole(user.role) ? undefined : `"${String(user.role)}" is not a role.`) ??
		checkPasswordStrength(user.password, email);
	if (problem) throw new UserError(problem);
	const row = await db
		.insertInto('app_user')
		.values({
			email,
			name: user.name?.trim() || null,
			role: user.role,
			password_hash: await hashPassword(user.password),
			must_change_password: user.mustChangePassword ?? false
		})
		.onConflict((oc) => oc.column('email').doNothing())
		.returning(USER_COLUMNS)
		.executeTakeFirst();
	if (!row) throw new UserError(`A user with the email ${email} already exists.`);
	return toUser(row);
}

/** The user with this email, whatever its case, including the password hash; or undefined. */
export async function findUserByEmail(
	db: Kysely<DB>,
	email: string
): Promise<UserWithPasswordHash | undefined> {
	const row = await db
		.selectFrom('app_user')
		.select([...USER_COLUMNS, 'password_hash'])
		.where('email', '=', normaliseEmail(email))
		.executeTakeFirst();
	return row && { ...toUser(row), passwordHash: row.password_hash };
}

export async function listUsers(db: Kysely<DB>): Promise<User[]> {
	const rows = await db.selectFrom('app_user').select(USER_COLUMNS).orderBy('email').execute();
	return rows.map(toUser);
}

async function getPasswordHolder(db: Kysely<DB>, userId: number) {
	const row = await db
		.selectFrom('app_user')
		.select(['email', 'password_hash'])
		.where('user_id', '=', userId)
		.executeTakeFirst();
	if (!row) throw new UserError('That user does not exist.');
	return row;
}

/**
 * The signed-in user changes their own password: every other session of theirs ends (the one
 * they are using, `keepSessionId`, stays) and they are no longer asked to change it.
 */
export async function changeOwnPassword(
	db: Kysely<DB>,
	userId: number,
	currentPassword: string,
	newPassword: string,
	keepSessionId?: string
): Promise<void> {
	const user = await getPasswordHolder(db, userId);
	if (!(await verifyPassword(user.password_hash, currentPassword))) {
		throw new UserError('The current password is not right.');
	}
	const problem =
		checkPasswordStrength(newPassword, user.email) ??
		(newPassword === currentPassword
			? 'The new password must differ from the current one.'
			: undefined);
	if (problem) throw new UserError(problem);
	const passwordHash = await hashPassword(newPassword);
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('app_user')
			.set({ password_hash: passwordHash, must_change_password: false, updated_at: new Date() })
			.where('user_id', '=', userId)
			.execute();
		let ending = trx.deleteFrom('user_session').where('user_id', '=', userId);
		if (keepSessionId !== undefined) ending = ending.where('id', '!=', keepSessionId);
		await ending.execute();
	});
}

/** Work that must commit or roll back with a change, such as its audit row. */
export type AlsoInTransaction = (trx: Transaction<DB>) => Promise<void>;

/** An admin sets a new password for someone: they are signed out and must change it. */
export async function resetPassword(
	db: Kysely<DB>,
	userId: number,
	newPassword: string,
	alsoInTransaction?: AlsoInTransaction
): Promise<void> {
	const user = await getPasswordHolder(db, userId);
	const problem = checkPasswordStrength(newPassword, user.email);
	if (problem) throw new UserError(problem);
	const passwordHash = await hashPassword(newPassword);
	await db.transaction().execute(async (trx) => {
		await trx
			.updateTable('app_user')
			.set({ password_hash: passwordHash, must_change_password: true, updated_at: new Date() })
			.where('user_id', '=', userId)
			.execute();
		await trx.deleteFrom('user_session').where('user_id', '=', userId).execute();
		await alsoInTransaction?.(trx);
	});
}

/**
 * Locks the user's row and every active admin's, in id order so that concurrent changes queue
 * rather than deadlock, and refuses a change that would leave no active admin.
 */
async function lockUserKeepingAnAdmin(
	trx: Transaction<DB>,
	userId: number,
	staysActiveAdmin: boolean,
	refusal: string
): Promise<{ role: Role; active: boolean }> {
	const rows = await trx
		.selectFrom('app_user')
		.select(['user_id', 'role', 'active'])
		.where((eb) =>
			eb.or([
				eb('user_id', '=', userId),
				eb.and([eb('role', '=', 'admin'), eb('active', '=', true)])
			])
		)
		.orderBy('user_id')
		.forUpdate()
		.execute();
	const user = rows.find((row) => row.user_id === userId);
	if (!user) throw new UserError('That user does not exist.');
	const otherAdmins = rows.filter(
		(row) => row.user_id !== userId && row.role === 'admin' && row.active
	);
	if (user.role === 'admin' && user.active && !staysActiveAdmin && otherAdmins.length === 0) {
		throw new UserError(refusal);
	}
	return user;
}

/** Gives a user another role; they are signed out so the new role applies at once. */
export async function changeRole(
	db: Kysely<DB>,
	userId: number,
	role: Role,
	alsoInTransaction?: AlsoInTransaction
): Promise<void> {
	if (!isRole(role)) throw new UserError(`"${String(role)}" is not a role.`);
	await db.transaction().execute(async (trx) => {
		const user = await lockUserKeepingAnAdmin(
			trx,
			userId,
			role === 'admin',
			'The last active admin cannot be given another role; make someone else an admin first.'
		);
		if (user.role === role) return;
		await trx
			.updateTable('app_user')
			.set({ role, updated_at: new Date() })
			.where('user_id', '=', userId)
			.execute();
		await trx.deleteFrom('user_session').where('user_id', '=', userId).execute();
		await alsoInTransaction?.(trx);
	});
}

/** Stops a user from signing in and ends their sessions; their row stays for the record. */
export async function deactivateUser(
	db: Kysely<DB>,
	userId: number,
	alsoInTransaction?: AlsoInTransaction
): Promise<void> {
	await db.transaction().execute(async (trx) => {
		await lockUserKeepingAnAdmin(
			trx,
			userId,
			false,
			'The last active admin cannot be deactivated; make someone else an admin first.'
		);
		await trx
			.updateTable('app_user')
			.set({ active: false, updated_at: new Date() })
			.where('user_id', '=', userId)
			.execute();
		await trx.deleteFrom('user_session').where('user_id', '=', userId).execute();
		await alsoInTransaction?.(trx);
	});
}
