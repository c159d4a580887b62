import type { PageServerLoad } from './$types';
import { loadBoard } from '$lib/server/board/board';
import { getDatabase } from '$lib/server/db/instance';

export const load: PageServerLoad = async ({ url }) => {
	const { db } = await getDatabase();
	const board = await loadBoard(db, {
		from: url.searchParams.get('from'),
		to: url.searchParams.get('to'),
		compare: url.searchParams.get('compare')
	});
	return { board, passwordChanged: url.searchParams.get('password') === 'changed' };
};
