import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDatabase } from '$lib/server/db/instance';
import { UserError } from '$lib/server/errors';
import { metricCatalog } from '$lib/server/metrics/catalog';
import { localDateOf } from '$lib/server/metrics/period';
import {
	listTargets,
	loadTargets,
	removeTarget,
	setTargets,
	targetOf,
	targetRuns,
	targetToInput
} from '$lib/server/metrics/targets';
import { getSettings } from '$lib/server/settings';

export const load: PageServerLoad = async () => {
	const { db } = await getDatabase();
	const settings = await getSettings(db);
	const today = localDateOf(new Date(), settings.timeZone);
	const month = today.slice(0, 7);
	const book = await loadTargets(db);
	const stored = await listTargets(db);
	return {
		month,
		metrics: metricCatalog.map((entry) => {
			const inForce = targetOf(book, entry, { to: today });
			return {
				id: entry.id,
				label: entry.label,
				unit: entry.unit,
				better: entry.better,
				inForce: inForce === undefined ? null : targetToInput(entry, inForce)
			};
		}),
		targets: targetRuns(stored).map((t) => {
			const entry = metricCatalog.find((m) => m.id === t.metricId);
			return {
				...t,
				label: entry?.label ?? t.metricId,
				shown: entry ? targetToInput(entry, t.target) : String(t.target),
				unit: entry?.unit ?? 'count'
			};
		})
	};
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
