import type { PageServerLoad } from './$types';
import { recordAudit } from '$lib/server/audit';
import { getDatabase } from '$lib/server/db/instance';
import { NOT_FITTED_REASON } from '$lib/server/metrics/model-scores';
import { isAtRiskSort, listAtRisk } from '$lib/server/scoring/at-risk';
import { listFits } from '$lib/server/scoring/customer-models';
import { getSettings } from '$lib/server/settings';

const LIMIT = 500;

export const load: PageServerLoad = async ({ url, locals }) => {
	const requested = url.searchParams.get('sort') ?? 'revenue';
	const sort = isAtRiskSort(requested) ? requested : 'revenue';
	const descending = url.searchParams.get('dir') !== 'asc';
	const { db } = await getDatabase();
	const [{ reportingCurrency }, { customers, total }, fits] = await Promise.all([
		getSettings(db),
		listAtRisk(db, { sort, descending, limit: LIMIT }),
		listFits(db, 20)
	]);
	const latest = fits[0] ?? null;
	const fitted = fits.some((fit) => fit.status === 'succeeded') || customers.length > 0;
	// a view of customers' personal data is audited, by count only (PRODUCT.md §6)
	await recordAudit(db, {
		actorUserId: locals.user!.id,
		action: 'customers.list',
		target: null,
		detail: { list: 'at-risk', shown: customers.length }
	});
	return {
		sort,
		descending,
		currency: reportingCurrency,
		customers,
		total,
		limit: LIMIT,
		scoredOn: customers[0]?.scoredOn ?? null,
		notFitted: fitted ? null : NOT_FITTED_REASON,
		failure: fitted && latest?.status === 'failed' ? latest.error : null
	};
};
