import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { UserError } from '$lib/server/errors';
import {
	ACTIVITY_WINDOW_MAX,
	ACTIVITY_WINDOW_MIN,
	getOrganizationSettings,
	hasNonDemoOrders,
	saveOrganizationSetup
} from '$lib/server/organization';

export const load: PageServerLoad = async ({ url }) => {
	const { db } = await getDatabase();
	return {
		first: url.searchParams.get('first') === '1',
		settings: await getOrganizationSettings(db),
		currencyLocked: await hasNonDemoOrders(db),
		timeZones: Intl.supportedValuesOf('timeZone'),
		windowMin: ACTIVITY_WINDOW_MIN,
		windowMax: ACTIVITY_WINDOW_MAX
	};
};

export const actions: Actions = {
	save: async ({ locals, request, url }) => {
		const form = await request.formData();
		const { db } = await getDatabase();
		try {
			await saveOrganizationSetup(db, locals.user!.id, {
				organizationName: form.get('organizationName'),
				timeZone: form.get('timeZone'),
				reportingCurrency: form.get('reportingCurrency'),
				fiscalYearStartMonth: form.get('fiscalYearStartMonth'),
				activityWindowDays: form.get('activityWindowDays')
			});
		} catch (error) {
			if (error instanceof UserError) return fail(400, { message: error.message });
			throw error;
		}
		if (url.searchParams.get('first') === '1') redirect(303, '/');
		return { done: 'Saved.' };
	}
};
