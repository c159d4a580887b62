import type { Kysely } from 'kysely';
import { recordAudit } from './audit';
import type { DB } from './db/schema';
import { UserError } from './errors';
import { isCalendarDate } from './ingest/values';
import { findHistoryStart } from './metrics/history';
import { localDateOf, type LocalDate } from './metrics/period';
import {
	defaultSettings,
	getSettings,
	isFrequencyBreakpoints,
	keyOf,
	updateSettings,
	type Settings
} from './settings';

/**
 * The settings of /admin/settings, in form order. The organization's name, time zone, currency,
 * fiscal year and activity window stay with /admin/setup (organization.ts), so that no value has
 * two pages editing it.
 */
export const ADMIN_SETTINGS_FIELDS = [
	'frequencyCapPerWeek',
	'discountRate',
	'margin',
	'rfmFrequencyBreakpoints',
	'historyStart'
] as const satisfies readonly (keyof Settings)[];

export type AdminSettingsField = (typeof ADMIN_SETTINGS_FIELDS)[number];
export type AdminSettings = Pick<Settings, AdminSettingsField>;

/** The form as posted: every value a string, or missing. */
export type AdminSettingsForm = Partial<Record<AdminSettingsField, unknown>>;

/** The values as the form shows them: rates in percent, '' for "earliest imported order". */
export type AdminSettingsText = Record<AdminSettingsField, string>;

/** One sentence per field that was refused. */
export type AdminSettingsErrors = Partial<Record<AdminSettingsField, string>>;

export const FREQUENCY_CAP_MIN = 1;
export const FREQUENCY_CAP_MAX = 100;
/** Guards against a mistyped year (0202 for 2020); no customer history is older. */
export const HISTORY_START_MIN = '1900-01-01';

/** A refused form: every field's problem at once, and one sentence for the whole. */
export class AdminSettingsError extends UserError {
	readonly fields: AdminSettingsErrors;

	constructor(fields: AdminSettingsErrors) {
		const count = Object.keys(fields).length;
		super(
			count === 1
				? 'One setting is not valid, so nothing was saved.'
				: `${count} settings are not valid, so nothing was saved.`
		);
		this.name = 'AdminSettingsError';
		this.fields = fields;
	}
}

function text(value: unknown): string {
	return typeof value === 'string' ? value.trim() : '';
}

/** A rate as a person writes it ('10', '7.5', '7,5', '12.25 %') in hundredths of a percent. */
function basisPoints(value: unknown): number | undefined {
	const match = /^(\d{1,3})(?:[.,](\d{1,2}))?\s*%?$/.exec(text(value));
	if (!match) return undefined;
	return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** A fraction as the form shows it in percent: 0.075 → '7.5'. */
function percentText(fraction: number): string {
	return String(Math.round(fraction * 10_000) / 100);
}

export function adminSettingsText(settings: AdminSettings): AdminSettingsText {
	return {
		frequencyCapPerWeek: String(settings.frequencyCapPerWeek),
		discountRate: percentText(settings.discountRate),
		margin: percentText(settings.margin),
		rfmFrequencyBreakpoints: settings.rfmFrequencyBreakpoints.join(', '),
		historyStart: settings.historyStart ?? ''
	};
}

/** The posted values as they were typed, to show them again next to their errors. */
export function typedText(form: AdminSettingsForm): AdminSettingsText {
	const typed = (value: unknown) => (typeof value === 'string' ? value : '');
	return {
		frequencyCapPerWeek: typed(form.frequencyCapPerWeek),
		discountRate: typed(form.discountRate),
		margin: typed(form.margin),
		rfmFrequencyBreakpoints: typed(form.rfmFrequencyBreakpoints),
		historyStart: typed(form.historyStart)
	};
}

/**
 * Checks every field (`today` is the organization's local date, which the history start may not
 * pass) and returns the values to store, or throws an AdminSettingsError naming each bad field.
 */
export function validateAdminSettings(form: AdminSettingsForm, today: LocalDate): AdminSettings {
	const errors: AdminSettingsErrors = {};

	const capText = text(form.frequencyCapPerWeek);
	const frequencyCapPerWeek = /^\d{1,6}$/.test(capText) ? Number(capText) : NaN;
	if (!(frequencyCapPerWeek >= FREQUENCY_CAP_MIN && frequencyCapPerWeek <= FREQUENCY_CAP_MAX)) {
		errors.frequencyCapPerWeek = `The frequency cap must be a whole number of messages per week from ${FREQUENCY_CAP_MIN} to ${FREQUENCY_CAP_MAX}.`;
	}

	const discount = basisPoints(form.discountRate);
	if (discount === undefined || discount >= 10_000) {
		errors.discountRate =
			'The discount rate must be a percentage from 0 to below 100, with at most two decimals, such as 10.';
	}

	const margin = basisPoints(form.margin);
	if (margin === undefined || margin <= 0 || margin > 10_000) {
		errors.margin =
			'The margin must be a percentage above 0 and at most 100, with at most two decimals, such as 35.';
	}

	const breakpointsText = text(form.rfmFrequencyBreakpoints);
	const rfmFrequencyBreakpoints = /^\d{1,4}(\s*[,/ ]\s*\d{1,4}){3}$/.test(breakpointsText)
		? breakpointsText.split(/\s*[,/ ]\s*/).map(Number)
		: [];
	if (!isFrequencyBreakpoints(rfmFrequencyBreakpoints)) {
		errors.rfmFrequencyBreakpoints =
			'The F breakpoints must be four increasing whole numbers of purchase days, the first at least 2, such as 2, 3, 4, 6.';
	}

	const historyText = text(form.historyStart);
	let historyStart: string | null = null;
	if (historyText !== '') {
		const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(historyText);
		if (!date || !isCalendarDate(Number(date[1]), Number(date[2]), Number(date[3]))) {
			errors.historyStart =
				'Enter the history start as a date such as 2024-01-31, or leave it empty for the earliest imported order.';
		} else if (historyText < HISTORY_START_MIN) {
			errors.historyStart = `The history start cannot be before ${HISTORY_START_MIN}.`;
		} else if (historyText > today) {
			errors.historyStart = `The history start cannot be after today (${today}).`;
		} else {
			historyStart = historyText;
		}
	}

	if (Object.keys(errors).length > 0) throw new AdminSettingsError(errors);
	return {
		frequencyCapPerWeek,
		// integer / 10 000 is the nearest double to the decimal typed: 10.1 % → 0.101 exactly as text
		discountRate: discount! / 10_000,
		margin: margin! / 10_000,
		rfmFrequencyBreakpoints,
		historyStart
	};
}

/** What the settings page shows besides the values. */
export interface AdminSettingsPage {
	values: AdminSettingsText;
	defaults: AdminSettingsText;
	/** The earliest imported order's local date: the history start while the field is empty. */
	earliestOrder: LocalDate | null;
	/** Shown for reference; /admin/setup edits it. */
	activityWindowDays: number;
	timeZone: string;
	today: LocalDate;
}

export async function getAdminSettingsPage(
	db: Kysely<DB>,
	now = new Date()
): Promise<AdminSettingsPage> {
	const settings = await getSettings(db);
	return {
		values: adminSettingsText(settings),
		defaults: adminSettingsText(defaultSettings()),
		earliestOrder: await findHistoryStart(db, { ...settings, historyStart: null }),
		activityWindowDays: settings.activityWindowDays,
		timeZone: settings.timeZone,
		today: localDateOf(now, settings.timeZone)
	};
}

/**
 * Validates and stores the settings of /admin/settings. Only the settings whose value in force
 * changes are written, with one `settings.update` audit row in the same transaction naming their
 * keys — never the values. Nothing changed, nothing written. Returns the changed keys.
 */
export async function saveAdminSettings(
	db: Kysely<DB>,
	actorUserId: number | null,
	form: AdminSettingsForm,
	now = new Date()
): Promise<string[]> {
	return db.transaction().execute(async (trx) => {
		const current = await getSettings(trx);
		const next = validateAdminSettings(form, localDateOf(now, current.timeZone));
		const changed = ADMIN_SETTINGS_FIELDS.filter(
			(field) => JSON.stringify(next[field]) !== JSON.stringify(current[field])
		);
		if (changed.length === 0) return [];
		await updateSettings(
			trx,
			Object.fromEntries(changed.map((field) => [field, next[field]])) as Partial<Settings>
		);
		const keys = changed.map((field) => keyOf[field]);
		await recordAudit(trx, {
			actorUserId,
			action: 'settings.update',
			target: null,
			detail: { keys }
		});
		return keys;
	});
}
