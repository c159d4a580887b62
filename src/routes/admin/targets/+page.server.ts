import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { UserError } from '$lib/server/errors';
import { removeTarget, setTargets, targetsOverview } from '$lib/server/metrics/targets';

export const load: PageServerLoad = async () => {
	const { db } = await getDatabase();
	return targetsOverview(db, new Date());
};

export const actions: Actions = {
	set: async ({ locals, request }) => {
		const form = await request.formData();
		const { db } = await getDatabase();
		const metricId = String(form.get('metricId') ?? '');
		try {
			await setTargets(db, locals.user!.id, {
				metricId,
				month: String(form.get('month') ?? ''),
				value: String(form.get('value') ?? ''),
				months: Number(form.get('months') ?? 1)
			});
		} catch (error) {
			if (error instanceof UserError) {
				return fail(400, {
					metricId,
					message: error.message,
					value: String(form.get('value') ?? '')
				});
			}
			throw error;
		}
		return { metricId, saved: 'Target saved.' };
	},
	remove: async ({ locals, request }) => {
		const form = await request.formData();
		const { db } = await getDatabase();
		try {
			await removeTarget(
				db,
				locals.user!.id,
				String(form.get('metricId') ?? ''),
				String(form.get('from') ?? ''),
				String(form.get('to') ?? form.get('from') ?? '')
			);
		} catch (error) {
			if (error instanceof UserError) return fail(400, { message: error.message });
			throw error;
		}
		return { saved: 'Targets removed.' };
	}
};
