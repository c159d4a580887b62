import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { loadBoard } from '$lib/server/board/board';
import { getDatabase } from '$lib/server/db/instance';
import { needsOrganizationSetup } from '$lib/server/organization';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { db } = await getDatabase();
	// Shown at the first admin sign-in: the settings decide how every figure is counted.
	if (locals.user?.role === 'admin' && (await needsOrganizationSetup(db))) {
		redirect(303, '/admin/setup?first=1');
	}
	const board = await loadBoard(db, {
		from: url.searchParams.get('from'),
		to: url.searchParams.get('to'),
		compare: url.searchParams.get('compare')
	});
	return { board, passwordChanged: url.searchParams.get('password') === 'changed' };
};
