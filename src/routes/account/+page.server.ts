import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { deleteSessionTokenCookie, invalidateUserSessions } from '$lib/server/auth/session';
import { changeOwnPassword } from '$lib/server/auth/users';
import { isSecureOrigin } from '$lib/server/config';
import { getDatabase } from '$lib/server/db/instance';
import { UserError } from '$lib/server/errors';

export const load: PageServerLoad = ({ locals }) => ({
	mustChangePassword: locals.user?.mustChangePassword ?? false
});

export const actions: Actions = {
	password: async ({ locals, request }) => {
		const form = await request.formData();
		const current = String(form.get('current') ?? '');
		const next = String(form.get('next') ?? '');
		if (next !== String(form.get('confirm') ?? '')) {
			return fail(400, { message: 'The two new passwords are not the same.' });
		}
		const { db } = await getDatabase();
		try {
			await changeOwnPassword(db, locals.user!.id, current, next, locals.session!.id);
		} catch (error) {
			if (error instanceof UserError) return fail(400, { message: error.message });
			throw error;
		}
		redirect(303, '/?password=changed');
	},
	everywhere: async ({ locals, cookies }) => {
		const { db } = await getDatabase();
		await invalidateUserSessions(db, locals.user!.id);
		deleteSessionTokenCookie(cookies, isSecureOrigin());
		redirect(303, '/login');
	}
};
