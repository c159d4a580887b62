import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { recordAudit } from '$lib/server/audit';
import { getDatabase } from '$lib/server/db/instance';
import { findCustomerScore } from '$lib/server/scoring/at-risk';
import { getSettings } from '$lib/server/settings';

export const load: PageServerLoad = async ({ params, locals }) => {
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
	// a view of a customer's personal data is audited, by id only (PRODUCT.md §6)
	await recordAudit(db, {
		actorUserId: locals.user!.id,
		action: 'customer.view',
		target: `customer:${id}`
	});
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
