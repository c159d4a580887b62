import type { BetterDirection, MetricStatus, MetricUnit } from '$lib/metric-types';

/** A real minus sign (U+2212): it lines up with '+' and is read as "minus", not "dash". */
export const MINUS = '\u2212';
/** Shown wherever a figure is missing, never 'NaN', 'null' or 'undefined'. */
export const MISSING = '—';

// One fixed locale, so that the server-rendered page and the hydrated one print the same text.
const LOCALE = 'en-US';

const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
	const key = JSON.stringify(options);
	let format = numberFormats.get(key);
	if (format === undefined) {
		format = new Intl.NumberFormat(LOCALE, options);
		numberFormats.set(key, format);
	}
	return format;
}

function isFigure(value: number | null | undefined): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}

/** Formats an absolute value (no sign) with `digits` decimals at most and at least `minDigits`. */
function plain(value: number, digits: number, minDigits = 0): string {
	return numberFormat({
		minimumFractionDigits: minDigits,
		maximumFractionDigits: digits
	}).format(Math.abs(value));
}

/** Whole numbers for counts; a fraction such as orders per customer keeps one decimal. */
function countDigits(value: number): number {
	return Number.isInteger(value) ? 0 : 1;
}

/** Cents only where they matter (an order value of $48.50), whole units from $100 up. */
function currencyDigits(value: number): number {
	return Math.abs(value) < 100 ? 2 : 0;
}

function money(value: number, currency: string): string {
	const digits = currencyDigits(value);
	return numberFormat({
		style: 'currency',
		currency,
		minimumFractionDigits: digits,
		maximumFractionDigits: digits
	}).format(Math.abs(value));
}

const DURATION_WORDS = {
	hours: ['hour', 'hours'],
	days: ['day', 'days'],
	months: ['month', 'months']
} as const;

function duration(value: number, unit: 'hours' | 'days' | 'months'): string {
	const text = plain(value, 1);
	const [one, many] = DURATION_WORDS[unit];
	return `${text} ${text === '1' ? one : many}`;
}

/** The magnitude of a value or change in the unit's display form, without any sign. */
function magnitude(unit: MetricUnit, value: number, currency: string, isDelta: boolean): string {
	switch (unit) {
		case 'ratio':
			return isDelta ? `${plain(value * 100, 1, 1)} pts` : `${plain(value * 100, 1, 1)}%`;
		case 'index':
			return isDelta ? `${plain(value, 0)} pts` : plain(value, 0);
		case 'count':
			return plain(value, countDigits(value));
		case 'score':
			return plain(value, 1, 1);
		case 'currency':
			return money(value, currency);
		case 'hours':
		case 'days':
		case 'months':
			return duration(value, unit);
	}
}

/** True when `value` prints as zero in the unit's display form (0.0004 of a ratio is '0.0'). */
function printsAsZero(unit: MetricUnit, value: number, currency: string): boolean {
	return !/[1-9]/.test(magnitude(unit, value, currency, true));
}

/**
 * A value as shown on a tile: '41.3%', '12,345', '+42' (NPS), '$1,234', '12.5 days'; '—' when
 * missing. Negative values carry a real minus sign.
 */
export function formatValue(
	unit: MetricUnit,
	value: number | null | undefined,
	currency = 'USD'
): string {
	if (!isFigure(value)) return MISSING;
	if (printsAsZero(unit, value, currency)) return magnitude(unit, 0, currency, false);
	const text = magnitude(unit, value, currency, false);
	if (value < 0) return `${MINUS}${text}`;
	// NPS runs from −100 to +100, so its sign is part of the figure.
	return unit === 'index' ? `+${text}` : text;
}

/**
 * A change against the comparison period, always signed: ratio changes in percentage points
 * ('+2.1 pts'), NPS in points ('+3 pts'), counts '+120' / '−35'; a change that prints as zero is
 * '±0' (with the unit's suffix). '—' when missing.
 */
export function formatDelta(
	unit: MetricUnit,
	delta: number | null | undefined,
	currency = 'USD'
): string {
	if (!isFigure(delta)) return MISSING;
	if (printsAsZero(unit, delta, currency)) {
		return `±${magnitude(unit, 0, currency, true).replace(/[.,]0+\b/, '')}`;
	}
	return `${delta < 0 ? MINUS : '+'}${magnitude(unit, delta, currency, true)}`;
}

/** True when a change would be shown as '±0', so no better/worse should be claimed for it. */
export function deltaPrintsAsZero(
	unit: MetricUnit,
	delta: number | null | undefined,
	currency = 'USD'
): boolean {
	return !isFigure(delta) || printsAsZero(unit, delta, currency);
}

export type DeltaDirection = 'better' | 'worse' | 'same';

/** Whether a change is good news, given which way is better for the metric. */
export function deltaDirection(
	delta: number | null | undefined,
	better: BetterDirection
): DeltaDirection {
	if (!isFigure(delta) || delta === 0) return 'same';
	return delta > 0 === (better === 'higher') ? 'better' : 'worse';
}

export type Tone = 'good' | 'warn' | 'bad' | 'muted' | 'neutral';

export interface StatusPresentation {
	/** A text symbol, so the status reads without colour. */
	icon: string;
	word: string;
	tone: Tone;
}

const STATUS: Record<MetricStatus, StatusPresentation> = {
	'on-target': { icon: '✓', word: 'On target', tone: 'good' },
	near: { icon: '!', word: 'Near target', tone: 'warn' },
	'off-target': { icon: '✕', word: 'Off target', tone: 'bad' },
	'not-enough-data': { icon: '?', word: 'Not enough data', tone: 'muted' },
	'no-target': { icon: '–', word: 'No target', tone: 'neutral' }
};

/** Icon, word and tone of a status: always all three (PRODUCT.md §3 "Status"). */
export function statusPresentation(status: MetricStatus): StatusPresentation {
	return STATUS[status];
}
