import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { deleteSessionTokenCookie, invalidateSession } from '$lib/server/auth/session';
import { isSecureOrigin } from '$lib/server/config';
import { getDatabase } from '$lib/server/db/instance';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ locals, cookies }) => {
		if (locals.session) {
			const { db } = await getDatabase();
			await invalidateSession(db, locals.session.id);
		}
		deleteSessionTokenCookie(cookies, isSecureOrigin());
		redirect(303, '/login');
	}
};
