import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { loadBoard } from '$lib/server/board/board';
import { can } from '$lib/server/auth/permissions';
import { getDatabase } from '$lib/server/db/instance';
import { demoActivity } from '$lib/server/demo/runtime';
import { getDemoState } from '$lib/server/demo/state';
import { needsOrganizationSetup } from '$lib/server/organization';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { db } = await getDatabase();
	// Shown at the first admin sign-in: the settings decide how every figure is counted.
	if (locals.user?.role === 'admin' && (await needsOrganizationSetup(db))) {
		redirect(303, '/admin/setup?first=1');
	}
	const activity = demoActivity();
	const demo = (await getDemoState(db)) !== null;
	if (activity.state === 'seeding') {
		// Figures of a half-written company would mislead: show the progress instead.
		const { done, total } = activity.progress;
		return {
			seeding: { done, total, seconds: Math.round((Date.now() - activity.startedAt) / 1000) },
			board: null,
			demo,
			canManageDemo: false,
			passwordChanged: false
		};
	}
	const board = await loadBoard(db, {
		from: url.searchParams.get('from'),
		to: url.searchParams.get('to'),
		compare: url.searchParams.get('compare')
	});
	return {
		seeding: null,
		board,
		demo,
		canManageDemo: locals.user ? can(locals.user.role, 'settings:manage') : false,
		passwordChanged: url.searchParams.get('password') === 'changed'
	};
};
