import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { startDemoRegeneration } from '$lib/server/demo/runtime';
import { getDemoState } from '$lib/server/demo/state';
import { UserError } from '$lib/server/errors';
import { getSettings } from '$lib/server/settings';
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
		let changed: string[];
		try {
			changed = await saveOrganizationSetup(db, locals.user!.id, {
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
		// The demo's amounts were drawn in the old currency: draw it again (the board shows progress).
		// (the first save pins every field, so compare with what the demo was drawn in)
		const demo = changed.includes('reporting_currency') ? await getDemoState(db) : null;
		const regenerating =
			demo !== null &&
			demo.reportingCurrency !== (await getSettings(db)).reportingCurrency &&
			startDemoRegeneration(db);
		if (url.searchParams.get('first') === '1') redirect(303, '/');
		return {
			done: regenerating
				? 'Saved. The demo company is being drawn again in the new currency; the board shows the progress.'
				: 'Saved.'
		};
	}
};
