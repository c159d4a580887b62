import type { PageServerLoad } from './$types';
import { listAuditPage } from '$lib/server/audit';
import { getDatabase } from '$lib/server/db/instance';
import { getSettings } from '$lib/server/settings';

const PAGE_SIZE = 100;

export const load: PageServerLoad = async ({ url }) => {
	const requested = Number(url.searchParams.get('page') ?? '1');
	const page = Number.isSafeInteger(requested) && requested >= 1 ? requested : 1;
	const { db } = await getDatabase();
	const { timeZone } = await getSettings(db);
	const { entries, total } = await listAuditPage(db, {
		limit: PAGE_SIZE,
		offset: (page - 1) * PAGE_SIZE
	});
	// formatted here, once, so the page shows the server's text in the organization's zone
	const time = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		dateStyle: 'medium',
		timeStyle: 'medium'
	});
	return {
		timeZone,
		page,
		pageSize: PAGE_SIZE,
		total,
		entries: entries.map((entry) => ({
			id: entry.id,
			at: entry.at.toISOString(),
			time: time.format(entry.at),
			actorEmail: entry.actorEmail,
			actorUserId: entry.actorUserId,
			action: entry.action as string,
			target: entry.target,
			detail: entry.detail ?? null
		}))
	};
};
