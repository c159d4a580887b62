import type { PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { NOT_FITTED_REASON } from '$lib/server/metrics/model-scores';
import { isAtRiskSort, listAtRisk } from '$lib/server/scoring/at-risk';
import { listFits } from '$lib/server/scoring/customer-models';
import { getSettings } from '$lib/server/settings';

const LIMIT = 500;

export const load: PageServerLoad = async ({ url }) => {
	const requested = url.searchParams.get('sort') ?? 'revenue';
	const sort = isAtRiskSort(requested) ? requested : 'revenue';
	const descending = url.searchParams.get('dir') !== 'asc';
	const { db } = await getDatabase();
	const [{ reportingCurrency }, { customers, total }, fits] = await Promise.all([
		getSettings(db),
		listAtRisk(db, { sort, descending, limit: LIMIT }),
		listFits(db, 1)
	]);
	const latest = fits[0] ?? null;
	return {
		sort,
		descending,
		currency: reportingCurrency,
		customers,
		total,
		limit: LIMIT,
		scoredOn: customers[0]?.scoredOn ?? null,
		notFitted: latest === null ? NOT_FITTED_REASON : null,
		failure: latest?.status === 'failed' ? latest.error : null
	};
};
