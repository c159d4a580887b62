import { sql, type Kysely } from 'kysely';
import type { DB } from './db/schema';
import { DEFAULT_F_BREAKPOINTS } from './models/rfm';

export interface Settings {
	/** Set at the first admin sign-in (/admin/setup); null until then. */
	organizationName: string | null;
	timeZone: string;
	reportingCurrency: string;
	/** 1 = January. */
	fiscalYearStartMonth: number;
	/** The activity window W in days. */
	activityWindowDays: number;
	/** 'YYYY-MM-DD', or null: then the earliest imported order's local date. */
	historyStart: string | null;
	/** Marketing messages per customer per ISO week above which contact pressure counts them. */
	frequencyCapPerWeek: number;
	/** The annual discount rate d of CLV, a fraction: 0 ≤ d < 1 (0.10 = 10%). */
	discountRate: number;
	/** The margin applied to CLV, a fraction: 0 < m ≤ 1; at 1 the figure is "revenue CLV". */
	margin: number;
	/** RFM's F: the least purchase days in 365 days for F = 2, 3, 4 and 5 (increasing). */
	rfmFrequencyBreakpoints: number[];
}

type Key =
	| 'organization_name'
	| 'time_zone'
	| 'reporting_currency'
	| 'fiscal_year_start_month'
	| 'activity_window_days'
	| 'history_start'
	| 'frequency_cap_per_week'
	| 'discount_rate'
	| 'margin'
	| 'rfm_f_breakpoints';

export const keyOf: Record<keyof Settings, Key> = {
	organizationName: 'organization_name',
	timeZone: 'time_zone',
	reportingCurrency: 'reporting_currency',
	fiscalYearStartMonth: 'fiscal_year_start_month',
	activityWindowDays: 'activity_window_days',
	historyStart: 'history_start',
	frequencyCapPerWeek: 'frequency_cap_per_week',
	discountRate: 'discount_rate',
	margin: 'margin',
	rfmFrequencyBreakpoints: 'rfm_f_breakpoints'
};

/** Until the organization is set up: the server's IANA zone, USD and a January fiscal year. */
export function defaultSettings(): Settings {
	return {
		organizationName: null,
		timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
		reportingCurrency: 'USD',
		fiscalYearStartMonth: 1,
		activityWindowDays: 365,
		historyStart: null,
		frequencyCapPerWeek: 4,
		discountRate: 0.1,
		margin: 1,
		rfmFrequencyBreakpoints: [...DEFAULT_F_BREAKPOINTS]
	};
}

export async function getSettings(db: Kysely<DB>): Promise<Settings> {
	const rows = await db.selectFrom('setting').select(['key', 'value']).execute();
	const stored = new Map(rows.map((row) => [row.key, row.value]));
	const settings = defaultSettings();
	const pick = <K extends keyof Settings>(name: K, valid: (v: unknown) => boolean) => {
		const value = stored.get(keyOf[name]);
		if (value !== undefined && valid(value)) settings[name] = value as Settings[K];
	};
	pick('organizationName', (v) => v === null || (typeof v === 'string' && v.trim() !== ''));
	pick('timeZone', (v) => typeof v === 'string');
	pick('reportingCurrency', (v) => typeof v === 'string' && /^[A-Z]{3}$/.test(v));
	pick(
		'fiscalYearStartMonth',
		(v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 12
	);
	pick('activityWindowDays', (v) => Number.isInteger(v) && (v as number) >= 1);
	pick('historyStart', (v) => v === null || (typeof v === 'string' && /^\d{4}-\d\d-\d\d$/.test(v)));
	pick('frequencyCapPerWeek', (v) => Number.isInteger(v) && (v as number) >= 1);
	pick('discountRate', (v) => typeof v === 'number' && v >= 0 && v < 1);
	pick('margin', (v) => typeof v === 'number' && v > 0 && v <= 1);
	pick('rfmFrequencyBreakpoints', isFrequencyBreakpoints);
	return settings;
}

export async function updateSettings(db: Kysely<DB>, changes: Partial<Settings>): Promise<void> {
	for (const [name, value] of Object.entries(changes) as [keyof Settings, unknown][]) {
		const key = keyOf[name];
		const json = JSON.stringify(value);
		await db
			.insertInto('setting')
			.values({ key, value: json })
			.onConflict((oc) =>
				oc.column('key').doUpdateSet({ value: json, updated_at: sql<Date>`now()` })
			)
			.execute();
	}
}

/** Four whole purchase-day counts, increasing, the first at least 2 (F = 1 is one purchase day). */
export function isFrequencyBreakpoints(value: unknown): value is number[] {
	return (
		Array.isArray(value) &&
		value.length === 4 &&
		value.every((v, i) => Number.isInteger(v) && v >= (i === 0 ? 2 : (value[i - 1] as number) + 1))
	);
}
