import type { PageServerLoad } from './$types';
import { loadCohorts } from '$lib/server/board/cohorts';
import { getDatabase } from '$lib/server/db/instance';

export const load: PageServerLoad = async ({ url }) => {
	const { db } = await getDatabase();
	const query = url.searchParams;
	return {
		view: await loadCohorts(db, {
			from: query.get('from'),
			to: query.get('to'),
			form: query.get('form'),
			cohort: query.get('cohort')
		})
	};
};
