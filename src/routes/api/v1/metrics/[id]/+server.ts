import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { ApiError, metricForApi } from '$lib/server/api/metrics';
import { getDatabase } from '$lib/server/db/instance';

/** One metric for a period and its comparison: the JSON `cx metric <id> --json` prints. */
export const GET: RequestHandler = async ({ params, url }) => {
	const { db } = await getDatabase();
	try {
		return json(await metricForApi(db, params.id, url.searchParams));
	} catch (error) {
		if (error instanceof ApiError) return json({ error: error.message }, { status: error.status });
		throw error;
	}
};
