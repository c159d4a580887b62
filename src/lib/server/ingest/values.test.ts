import { describe, expect, it } from 'vitest';
import {
	FieldError,
	isCalendarDate,
	optionalText,
	parseCurrency,
	parseDecimal,
	parseInstant,
	parseSource,
	requireText
} from './values';

/** Runs `run` and returns the FieldError it throws (failing the test if it throws nothing). */
function fieldError(run: () => unknown): FieldError {
	let caught: unknown;
	try {
		run();
	} catch (error) {
		caught = error;
	}
	expect(caught, 'expected a FieldError').toBeInstanceOf(FieldError);
	return caught as FieldError;
}

/** The instant parseInstant gives, as an ISO string in UTC. */
const utc = (text: string, timeZone = 'UTC') =>
	parseInstant('ordered_at', text, timeZone).at.toISOString();

describe('parseInstant', () => {
	it('reads the offset forms Z, z, +01:00 and +0100', () => {
		expect(parseInstant('ordered_at', '2026-03-05T10:00:00Z', 'UTC')).toEqual({
			at: new Date('2026-03-05T10:00:00.000Z'),
			on: null
		});
		expect(utc('2026-03-05T10:00:00z')).toBe('2026-03-05T10:00:00.000Z');
		// 10:00 at +01:00 is 09:00 UTC
		expect(utc('2026-03-05T10:00:00+01:00')).toBe('2026-03-05T09:00:00.000Z');
		expect(utc('2026-03-05T10:00:00+0100')).toBe('2026-03-05T09:00:00.000Z');
		// 10:00 at -03:30 is 13:30 UTC; seconds may be left out
		expect(utc('2026-03-05T10:00-03:30')).toBe('2026-03-05T13:30:00.000Z');
		// a space instead of T; 10:00 at +05:30 is 04:30 UTC
		expect(utc('2026-03-05 10:00:00+05:30')).toBe('2026-03-05T04:30:00.000Z');
		// 23:30 at -05:00 is 04:30 UTC on the next day
		expect(utc('2026-03-05T23:30:00-05:00')).toBe('2026-03-06T04:30:00.000Z');
	});

	it('reads an offset of hours only (-05, +01)', () => {
		// 10:00 at -05 is 15:00 UTC; 10:00 at +01 is 09:00 UTC
		expect(utc('2026-03-05T10:00:00-05')).toBe('2026-03-05T15:00:00.000Z');
		expect(utc('2026-03-05T10:00:00+01')).toBe('2026-03-05T09:00:00.000Z');
	});

	it('keeps fractional seconds (to the millisecond)', () => {
		expect(utc('2026-03-05T10:00:00.5Z')).toBe('2026-03-05T10:00:00.500Z');
		expect(utc('2026-03-05T10:00:00.25+01:00')).toBe('2026-03-05T09:00:00.250Z');
		expect(utc('2026-03-05T10:00:00.123456789Z')).toBe('2026-03-05T10:00:00.123Z');
	});

	it('ignores the time zone for a value with an offset', () => {
		const berlin = parseInstant('ordered_at', '2026-03-05T10:00:00Z', 'Europe/Berlin');
		const auckland = parseInstant('ordered_at', '2026-03-05T10:00:00Z', 'Pacific/Auckland');
		expect(berlin.at.toISOString()).toBe('2026-03-05T10:00:00.000Z');
		expect(auckland.at.toISOString()).toBe('2026-03-05T10:00:00.000Z');
		expect(berlin.on).toBeNull();
	});

	it('turns a date into local midnight in America/New_York and keeps its calendar date', () => {
		// EST (-05:00) before the DST switch at 02:00 on 8 March 2026: midnight is 05:00 UTC
		expect(parseInstant('ordered_at', '2026-03-08', 'America/New_York')).toEqual({
			at: new Date('2026-03-08T05:00:00.000Z'),
			on: '2026-03-08'
		});
		// EDT (-04:00) in July: midnight is 04:00 UTC
		expect(parseInstant('ordered_at', '2026-07-04', 'America/New_York')).toEqual({
			at: new Date('2026-07-04T04:00:00.000Z'),
			on: '2026-07-04'
		});
	});

	it('turns a date into local midnight in Pacific/Auckland, the previous UTC day', () => {
		// NZDT (+13:00) in January: midnight of the 15th is 11:00 UTC on the 14th
		expect(parseInstant('ordered_at', '2026-01-15', 'Pacific/Auckland')).toEqual({
			at: new Date('2026-01-14T11:00:00.000Z'),
			on: '2026-01-15'
		});
		// NZST (+12:00) in July: midnight of the 15th is 12:00 UTC on the 14th
		expect(parseInstant('ordered_at', '2026-07-15', 'Pacific/Auckland')).toEqual({
			at: new Date('2026-07-14T12:00:00.000Z'),
			on: '2026-07-15'
		});
	});

	it('refuses a time without an offset, saying so', () => {
		for (const text of ['2026-03-05T10:00:00', '2026-03-05T10:00', '2026-03-05 10:00:00.250']) {
			const error = fieldError(() => parseInstant('ordered_at', text, 'UTC'));
			expect(error.field).toBe('ordered_at');
			expect(error.message, text).toContain(text);
			expect(error.message, text).toMatch(/offset/);
		}
	});

	it('refuses dates that are not on the calendar', () => {
		for (const text of ['2026-02-30', '2026-02-29', '2026-13-01', '2026-04-31', '2026-00-10']) {
			const error = fieldError(() => parseInstant('ordered_at', text, 'UTC'));
			expect(error.message, text).toMatch(/not a calendar date/);
		}
		expect(parseInstant('ordered_at', '2028-02-29', 'UTC').on).toBe('2028-02-29');
		expect(fieldError(() => utc('2026-02-30T10:00:00Z')).message).toMatch(/not a valid time/);
	});

	it('refuses hours, minutes and seconds out of range (24:00 included)', () => {
		for (const text of [
			'2026-03-05T24:00:00Z',
			'2026-03-05T24:00Z',
			'2026-03-05T10:60:00Z',
			'2026-03-05T10:00:60Z',
			'2026-03-05T10:00:00+25:00'
		]) {
			expect(fieldError(() => utc(text)).message, text).toMatch(/not a valid time/);
		}
		expect(utc('2026-03-05T23:59:59Z')).toBe('2026-03-05T23:59:59.000Z');
	});

	it('refuses other layouts, pointing to ISO 8601', () => {
		for (const text of ['', '05/03/2026', '2026-3-5', '2026-03-05T10Z', 'yesterday']) {
			const error = fieldError(() => utc(text));
			expect(error.message, text).toMatch(/ISO 8601/);
		}
	});
});

describe('parseDecimal', () => {
	it('gives the canonical form: no plus sign, no leading or trailing zeros, no negative zero', () => {
		expect(parseDecimal('amount', '12.50')).toBe('12.5');
		expect(parseDecimal('amount', '007')).toBe('7');
		expect(parseDecimal('amount', '-0.00')).toBe('0');
		expect(parseDecimal('amount', '-0')).toBe('0');
		expect(parseDecimal('amount', '+3')).toBe('3');
		expect(parseDecimal('amount', '100')).toBe('100');
		expect(parseDecimal('amount', '100.00')).toBe('100');
		expect(parseDecimal('amount', '10.010')).toBe('10.01');
		expect(parseDecimal('amount', '000.5')).toBe('0.5');
		expect(parseDecimal('amount', '-0.50')).toBe('-0.5');
		expect(parseDecimal('amount', '-19.99')).toBe('-19.99');
	});

	it('refuses a decimal comma, telling to use a dot', () => {
		const error = fieldError(() => parseDecimal('amount', '12,50'));
		expect(error.field).toBe('amount');
		expect(error.message).toContain('"12,50"');
		expect(error.message).toMatch(/dot/);
		expect(fieldError(() => parseDecimal('amount', '-3,5')).message).toMatch(/dot/);
	});

	it('accepts up to 15 integer and 6 fraction digits and refuses more', () => {
		expect(parseDecimal('amount', '123456789012345')).toBe('123456789012345');
		expect(parseDecimal('amount', '1.123456')).toBe('1.123456');
		fieldError(() => parseDecimal('amount', '1234567890123456'));
		fieldError(() => parseDecimal('amount', '1.1234567'));
	});

	it('refuses what is not a plain decimal', () => {
		for (const text of ['', '12.5x', '1e3', '1.', '--1', '1 000', 'NaN', '€5']) {
			const error = fieldError(() => parseDecimal('rate', text));
			expect(error.field, text).toBe('rate');
			expect(error.message, text).toMatch(/is not a rate/);
			expect(error.message, text).not.toMatch(/dot/);
		}
	});
});

describe('parseCurrency', () => {
	it('upper-cases a three-letter code', () => {
		expect(parseCurrency('currency', 'eur')).toBe('EUR');
		expect(parseCurrency('currency', 'Usd')).toBe('USD');
		expect(parseCurrency('currency', 'GBP')).toBe('GBP');
	});

	it('refuses anything but three letters', () => {
		for (const text of ['EURO', 'EU', 'E1R', '', '€']) {
			const error = fieldError(() => parseCurrency('currency', text));
			expect(error.field, text).toBe('currency');
			expect(error.message, text).toMatch(/three-letter currency code/);
		}
	});
});

describe('parseSource', () => {
	it('accepts letters, digits and _ . : - up to 64 characters', () => {
		expect(parseSource('source', 'shop')).toBe('shop');
		expect(parseSource('source', 'Shop_1.eu:web-2')).toBe('Shop_1.eu:web-2');
		expect(parseSource('source', 'a'.repeat(64))).toBe('a'.repeat(64));
	});

	it('refuses other names', () => {
		for (const text of ['a'.repeat(65), '-shop', '.shop', 'my shop', 'shop/eu', 'café']) {
			const error = fieldError(() => parseSource('source', text));
			expect(error.field, text).toBe('source');
			expect(error.message, text).toMatch(/is not a source name/);
		}
	});

	it('refuses an empty source, pointing to --source', () => {
		expect(fieldError(() => parseSource('source', '')).message).toMatch(/empty.*--source/);
	});
});

describe('requireText and optionalText', () => {
	it('return the text as given', () => {
		expect(requireText('order_ref', 'A-1 ü')).toBe('A-1 ü');
		expect(optionalText('channel', 'web')).toBe('web');
		expect(optionalText('channel', '')).toBeNull();
	});

	it('refuse an empty value', () => {
		const error = fieldError(() => requireText('order_ref', ''));
		expect(error.field).toBe('order_ref');
		expect(error.message).toBe('is empty.');
	});

	it('refuse control characters', () => {
		for (const text of ['a\u0000b', 'a\tb', 'line\nbreak', 'cr\r', '\u007f']) {
			const error = fieldError(() => requireText('customer_ref', text));
			expect(error.message, JSON.stringify(text)).toBe('contains control characters.');
		}
		expect(fieldError(() => optionalText('channel', 'we\nb')).field).toBe('channel');
	});

	it('refuse a value longer than the limit (200 unless given)', () => {
		expect(requireText('order_ref', 'x'.repeat(200))).toHaveLength(200);
		expect(fieldError(() => requireText('order_ref', 'x'.repeat(201))).message).toBe(
			'is longer than 200 characters.'
		);
		expect(optionalText('channel', 'x'.repeat(50), 50)).toHaveLength(50);
		expect(fieldError(() => optionalText('channel', 'x'.repeat(51), 50)).message).toBe(
			'is longer than 50 characters.'
		);
	});
});

describe('isCalendarDate', () => {
	it('knows month lengths and leap years', () => {
		expect(isCalendarDate(2026, 2, 28)).toBe(true);
		expect(isCalendarDate(2026, 2, 29)).toBe(false);
		expect(isCalendarDate(2028, 2, 29)).toBe(true);
		expect(isCalendarDate(1900, 2, 29)).toBe(false);
		expect(isCalendarDate(2000, 2, 29)).toBe(true);
		expect(isCalendarDate(2026, 4, 31)).toBe(false);
		expect(isCalendarDate(2026, 12, 31)).toBe(true);
		expect(isCalendarDate(2026, 0, 1)).toBe(false);
		expect(isCalendarDate(2026, 13, 1)).toBe(false);
		expect(isCalendarDate(2026, 1, 0)).toBe(false);
	});
});
