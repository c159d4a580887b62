import { startOfLocalDay, type LocalDate } from '../metrics/period';

/** A field that failed validation; `message` completes "<field>: …" for the person fixing it. */
export class FieldError extends Error {
	readonly field: string;
	constructor(field: string, message: string) {
		super(message);
		this.field = field;
	}
}

export interface ParsedInstant {
	at: Date;
	/** Set when the source gave a date only: it keeps that calendar date in every time zone. */
	on: LocalDate | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/** A real date PostgreSQL can store: there is no year 0, and 10000 is out of range. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
	if (year < 1 || month < 1 || month > 12 || day < 1) return false;
	return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * An ISO 8601 time with an offset (`2026-03-05T10:00:00+01:00`, `…Z`) or a date (`2026-03-05`).
 * A date becomes the start of that local day in `timeZone` and keeps its calendar date in `on`.
 */
export function parseInstant(field: string, text: string, timeZone: string): ParsedInstant {
	const date = DATE.exec(text);
	if (date) {
		if (!isCalendarDate(Number(date[1]), Number(date[2]), Number(date[3]))) {
			throw new FieldError(field, `"${text}" is not a calendar date.`);
		}
		return { at: startOfLocalDay(text, timeZone), on: text };
	}
	const match = DATE_TIME.exec(text);
	if (!match) {
		const hint = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)
			? ' it has no time zone offset; add one such as Z or +01:00, or give the date only'
			: ' use ISO 8601 with an offset (2026-03-05T10:00:00+01:00) or a date (2026-03-05)';
		throw new FieldError(field, `"${text}" is not a time:${hint}.`);
	}
	const [, y, mo, d, h, mi, s = '0'] = match;
	if (
		!isCalendarDate(Number(y), Number(mo), Number(d)) ||
		Number(h) > 23 ||
		Number(mi) > 59 ||
		Number(s) > 59
	) {
		throw new FieldError(field, `"${text}" is not a valid time.`);
	}
	const iso = text
		.replace(' ', 'T')
		.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')
		.replace(/([+-]\d{2})$/, '$1:00');
	const at = new Date(iso);
	if (Number.isNaN(at.getTime())) throw new FieldError(field, `"${text}" is not a valid time.`);
	return { at, on: null };
}

const DECIMAL = /^([+-]?)(\d{1,15})(?:\.(\d+))?$/;

/**
 * A dot-decimal number in canonical form (no '+', no trailing zeros): '12.50' → '12.5'. Amounts
 * keep up to 6 decimals; exchange rates need more (1 VND is about 0.0000393 USD).
 */
export function parseDecimal(field: string, text: string, maxDecimals = 6): string {
	const match = DECIMAL.exec(text);
	const decimals = match?.[3]?.replace(/0+$/, '') ?? '';
	if (!match || decimals.length > maxDecimals) {
		const hint = /^[+-]?\d+,\d+$/.test(text)
			? '; use a dot as the decimal mark'
			: match
				? `; it has more than ${maxDecimals} decimals`
				: '';
		throw new FieldError(
			field,
			`"${text}" is not ${field === 'rate' ? 'a rate' : 'an amount'}${hint}.`
		);
	}
	const [, sign, whole = '0'] = match;
	const integer = whole.replace(/^0+(?=\d)/, '');
	const canonical = decimals ? `${integer}.${decimals}` : integer;
	return sign === '-' && /[1-9]/.test(canonical) ? `-${canonical}` : canonical;
}

export function parseCurrency(field: string, text: string): string {
	const code = text.toUpperCase();
	if (!/^[A-Z]{3}$/.test(code)) {
		throw new FieldError(field, `"${text}" is not a three-letter currency code such as EUR.`);
	}
	return code;
}

export function requireText(field: string, text: string, maxLength = 200): string {
	if (!text) throw new FieldError(field, 'is empty.');
	if (text.length > maxLength)
		throw new FieldError(field, `is longer than ${maxLength} characters.`);
	// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
	if (/[\u0000-\u001f\u007f]/.test(text))
		throw new FieldError(field, 'contains control characters.');
	return text;
}

export function optionalText(field: string, text: string, maxLength = 200): string | null {
	return text ? requireText(field, text, maxLength) : null;
}

const SOURCE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export function parseSource(field: string, text: string): string {
	if (!SOURCE.test(text)) {
		throw new FieldError(
			field,
			text
				? `"${text}" is not a source name (letters, digits, _ . : -, up to 64 characters).`
				: 'is empty; give each row a source or name one for the whole file with --source.'
		);
	}
	return text;
}
