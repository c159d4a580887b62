import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import {
	AdminSettingsError,
	FREQUENCY_CAP_MAX,
	FREQUENCY_CAP_MIN,
	getAdminSettingsPage,
	saveAdminSettings,
	typedText,
	type AdminSettingsForm
} from '$lib/server/admin-settings';
import { getDatabase } from '$lib/server/db/instance';
import { requestModelCheck } from '$lib/server/scoring/schedule';

export const load: PageServerLoad = async () => {
	const { db } = await getDatabase();
	return {
		...(await getAdminSettingsPage(db)),
		capMin: FREQUENCY_CAP_MIN,
		capMax: FREQUENCY_CAP_MAX
	};
};

export const actions: Actions = {
	save: async ({ locals, request }) => {
		const posted = await request.formData();
		const form: AdminSettingsForm = {
			frequencyCapPerWeek: posted.get('frequencyCapPerWeek'),
			discountRate: posted.get('discountRate'),
			margin: posted.get('margin'),
			rfmFrequencyBreakpoints: posted.get('rfmFrequencyBreakpoints'),
			historyStart: posted.get('historyStart')
		};
		const { db } = await getDatabase();
		try {
			const changed = await saveAdminSettings(db, locals.user!.id, form);
			// a new margin, discount rate or F breakpoints: the scores are refitted at once
			if (changed.length > 0) requestModelCheck();
			return { saved: changed.length > 0 ? 'Settings saved.' : 'Nothing changed.' };
		} catch (error) {
			if (error instanceof AdminSettingsError) {
				return fail(400, { message: error.message, errors: error.fields, typed: typedText(form) });
			}
			throw error;
		}
	}
};
