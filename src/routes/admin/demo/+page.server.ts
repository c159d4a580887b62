import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { demoActivity, startDemoRemoval } from '$lib/server/demo/runtime';
import { getDemoState } from '$lib/server/demo/state';
import { DEMO_USERS } from '$lib/server/demo/users';

export const load: PageServerLoad = async () => {
	const { db } = await getDatabase();
	const state = await getDemoState(db);
	return {
		demo: state && {
			customers: state.customers,
			anchor: state.anchor,
			live: state.live,
			through: state.through,
			status: state.status
		},
		demoUsers: state && state.userIds.length ? DEMO_USERS.map((u) => u.email) : [],
		activity: demoActivity()
	};
};

export const actions: Actions = {
	remove: async ({ locals, request }) => {
		const form = await request.formData();
		if (form.get('confirm') !== 'yes') {
			return fail(400, { message: 'Tick the box to confirm that the demo data should go.' });
		}
		const { db } = await getDatabase();
		if (!startDemoRemoval(db, locals.user!.id)) {
			return fail(409, {
				message: 'The demo is being written or removed already; wait for it to finish.'
			});
		}
		redirect(303, '/admin/demo');
	}
};
