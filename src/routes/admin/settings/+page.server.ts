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
			historyStart: posted.get('historyStart')
		};
		const { db } = await getDatabase();
		try {
			const changed = await saveAdminSettings(db, locals.user!.id, form);
			return { saved: changed.length > 0 ? 'Settings saved.' : 'Nothing changed.' };
		} catch (error) {
			if (error instanceof AdminSettingsError) {
				return fail(400, { message: error.message, errors: error.fields, typed: typedText(form) });
			}
			throw error;
		}
	}
};
