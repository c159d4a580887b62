import type { Kysely } from 'kysely';
import type { DB } from './db/schema';
import { recordAudit } from './audit';
import { UserError } from './errors';
import { isValidTimeZone } from './metrics/period';
import { getSettings, keyOf, updateSettings, type Settings } from './settings';

/** The settings the organization setup page edits (history start stays with its own tools). */
export type OrganizationSettings = Pick<
	Settings,
	| 'organizationName'
	| 'timeZone'
	| 'reportingCurrency'
	| 'fiscalYearStartMonth'
	| 'activityWindowDays'
>;

const SETUP_FIELDS = [
	'organizationName',
	'timeZone',
	'reportingCurrency',
	'fiscalYearStartMonth',
	'activityWindowDays'
] as const satisfies readonly (keyof OrganizationSettings)[];

export const ORGANIZATION_NAME_MAX = 100;
export const ACTIVITY_WINDOW_MIN = 30;
export const ACTIVITY_WINDOW_MAX = 1095;

/** The form as posted: every value a string, or missing. */
export type SetupForm = Partial<Record<(typeof SETUP_FIELDS)[number], unknown>>;

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

function wholeNumber(value: unknown): number | undefined {
	const raw = text(value);
	return /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
}

/** Checks each field in form order; the first problem is one sentence naming the field. */
export function validateSetup(form: SetupForm): OrganizationSettings {
	const organizationName = text(form.organizationName);
	if (organizationName === '' || organizationName.length > ORGANIZATION_NAME_MAX) {
		throw new UserError(`Enter the organization name, up to ${ORGANIZATION_NAME_MAX} characters.`);
	}
	const timeZone = text(form.timeZone);
	if (!isValidTimeZone(timeZone)) {
		throw new UserError('Choose the time zone from the list of IANA time zones.');
	}
	const reportingCurrency = text(form.reportingCurrency).toUpperCase();
	if (!/^[A-Z]{3}$/.test(reportingCurrency)) {
		throw new UserError('The reporting currency must be a three-letter code such as USD.');
	}
	const fiscalYearStartMonth = wholeNumber(form.fiscalYearStartMonth);
	if (fiscalYearStartMonth === undefined || fiscalYearStartMonth < 1 || fiscalYearStartMonth > 12) {
		throw new UserError('The fiscal year start month must be a month from January to December.');
	}
	const activityWindowDays = wholeNumber(form.activityWindowDays);
	if (
		activityWindowDays === undefined ||
		activityWindowDays < ACTIVITY_WINDOW_MIN ||
		activityWindowDays > ACTIVITY_WINDOW_MAX
	) {
		throw new UserError(
			`The activity window must be a whole number of days from ${ACTIVITY_WINDOW_MIN} to ${ACTIVITY_WINDOW_MAX}.`
		);
	}
	return {
		organizationName,
		timeZone,
		reportingCurrency,
		fiscalYearStartMonth,
		activityWindowDays
	};
}

/** Whether any order came from a real source (not the generated demo). */
export async function hasNonDemoOrders(db: Kysely<DB>): Promise<boolean> {
	const row = await db
		.selectFrom('customer_order')
		.select('order_id')
		.where('source', '<>', 'demo')
		.limit(1)
		.executeTakeFirst();
	return row !== undefined;
}

/** The setup page's current values: the stored settings, or their defaults. */
export async function getOrganizationSettings(db: Kysely<DB>): Promise<OrganizationSettings> {
	const settings = await getSettings(db);
	return {
		organizationName: settings.organizationName,
		timeZone: settings.timeZone,
		reportingCurrency: settings.reportingCurrency,
		fiscalYearStartMonth: settings.fiscalYearStartMonth,
		activityWindowDays: settings.activityWindowDays
	};
}

/** True until an admin has saved the setup page once. */
export async function needsOrganizationSetup(db: Kysely<DB>): Promise<boolean> {
	return (await getSettings(db)).organizationName === null;
}

/**
 * Validates and stores the organization settings. Every field is stored (so a default such as the
 * server's time zone is pinned once saved); one `settings.update` audit row lists the setting keys
 * whose stored value changed — never the values. Nothing changed, nothing audited.
 * Returns the changed keys.
 */
export async function saveOrganizationSetup(
	db: Kysely<DB>,
	actorUserId: number | null,
	form: SetupForm
): Promise<string[]> {
	const next = validateSetup(form);
	return db.transaction().execute(async (trx) => {
		const current = await getSettings(trx);
		if (next.reportingCurrency !== current.reportingCurrency && (await hasNonDemoOrders(trx))) {
			throw new UserError(
				`The reporting currency stays ${current.reportingCurrency} because orders from a real source are already imported.`
			);
		}
		const keys = SETUP_FIELDS.map((field) => keyOf[field]);
		const rows = await trx
			.selectFrom('setting')
			.select(['key', 'value'])
			.where('key', 'in', keys)
			.execute();
		const stored = new Map(rows.map((row) => [row.key, JSON.stringify(row.value)]));
		const changed = SETUP_FIELDS.filter(
			(field) => stored.get(keyOf[field]) !== JSON.stringify(next[field])
		);
		if (changed.length === 0) return [];
		await updateSettings(
			trx,
			Object.fromEntries(changed.map((field) => [field, next[field]])) as Partial<Settings>
		);
		const changedKeys = changed.map((field) => keyOf[field]);
		await recordAudit(trx, {
			actorUserId,
			action: 'settings.update',
			target: null,
			detail: { keys: changedKeys }
		});
		return changedKeys;
	});
}
