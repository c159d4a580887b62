import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { isRole, ROLES } from '$lib/server/auth/permissions';
import {
	addUserAsAdmin,
	changeRoleAsAdmin,
	deactivateUserAsAdmin,
	resetPasswordAsAdmin
} from '$lib/server/auth/user-admin';
import { listUsers } from '$lib/server/auth/users';
import { getDatabase } from '$lib/server/db/instance';
import { UserError } from '$lib/server/errors';

export const load: PageServerLoad = async ({ locals }) => {
	const { db } = await getDatabase();
	const users = await listUsers(db);
	return {
		me: locals.user!.id,
		roles: ROLES,
		users: users.map((u) => ({
			id: u.id,
			email: u.email,
			role: u.role,
			active: u.active,
			mustChangePassword: u.mustChangePassword
		}))
	};
};

/** Runs an admin's change, turning a refusal into the page's message. */
async function attempt<T>(work: () => Promise<T>) {
	try {
		return await work();
	} catch (error) {
		if (error instanceof UserError) return fail(400, { message: error.message });
		throw error;
	}
}

function userIdOf(form: FormData): number | undefined {
	const id = Number(form.get('userId'));
	return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

const NO_USER = { message: 'That user does not exist.' };

export const actions: Actions = {
	add: async ({ locals, request }) => {
		const form = await request.formData();
		const role = form.get('role');
		if (!isRole(role)) return fail(400, { message: 'Choose a role.' });
		const email = String(form.get('email') ?? '');
		const { db } = await getDatabase();
		return attempt(async () => ({
			issued: await addUserAsAdmin(db, locals.user!.id, { email, role })
		}));
	},
	role: async ({ locals, request }) => {
		const form = await request.formData();
		const userId = userIdOf(form);
		const role = form.get('role');
		if (userId === undefined) return fail(400, NO_USER);
		if (!isRole(role)) return fail(400, { message: 'Choose a role.' });
		const { db } = await getDatabase();
		return attempt(async () => {
			await changeRoleAsAdmin(db, locals.user!.id, userId, role);
			return { done: 'The role was changed; that user was signed out.' };
		});
	},
	reset: async ({ locals, request }) => {
		const userId = userIdOf(await request.formData());
		if (userId === undefined) return fail(400, NO_USER);
		const { db } = await getDatabase();
		return attempt(async () => ({
			issued: await resetPasswordAsAdmin(db, locals.user!.id, userId)
		}));
	},
	deactivate: async ({ locals, request }) => {
		const userId = userIdOf(await request.formData());
		if (userId === undefined) return fail(400, NO_USER);
		const { db } = await getDatabase();
		return attempt(async () => {
			await deactivateUserAsAdmin(db, locals.user!.id, userId);
			return { done: 'The user was deactivated and signed out.' };
		});
	}
};
