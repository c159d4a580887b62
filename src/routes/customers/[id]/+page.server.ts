import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { findCustomerScore } from '$lib/server/scoring/at-risk';
import { getSettings } from '$lib/server/settings';

export const load: PageServerLoad = async ({ params }) => {
	const id = Number(params.id);
	if (!Number.isSafeInteger(id) || id <= 0) error(404, 'There is no such customer.');
	const { db } = await getDatabase();
	const customer = await db
		.selectFrom('customer')
		.select(['customer_id', 'name', 'source'])
		.where('customer_id', '=', id)
		.where('erased_at', 'is', null)
		.executeTakeFirst();
	if (!customer) error(404, 'There is no such customer.');
	const [{ reportingCurrency }, score] = await Promise.all([
		getSettings(db),
		findCustomerScore(db, id)
	]);
	return {
		customer: { id, name: customer.name, source: customer.source },
		score: score ?? null,
		currency: reportingCurrency
	};
};
