import type { RequestHandler } from './$types';
import { isDatabaseAnswering } from '$lib/server/db/database';
import { getDatabase } from '$lib/server/db/instance';

/** For service managers: no data, no sign-in; 200 while the database answers, else 503. */
export const GET: RequestHandler = async () => {
	const ok = await getDatabase()
		.then((database) => isDatabaseAnswering(database.db))
		.catch(() => false);
	return new Response(ok ? 'ok\n' : 'database unavailable\n', {
		status: ok ? 200 : 503,
		headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }
	});
};
