/**
 * One set of value conversions for both drivers, so application code sees the same JavaScript
 * types whichever database it runs on: int8 (counts, ids) → number, numeric (money) → string,
 * date → 'YYYY-MM-DD' string (a date has no time zone), timestamptz → Date.
 */
export const PG_TYPE = {
	int8: 20,
	numeric: 1700,
	date: 1082,
	timestamptz: 1184
} as const;

export function parseInt8(value: string): number {
	const parsed = Number(value);
	if (!Number.isSafeInteger(parsed)) {
		throw new RangeError(`The integer ${value} is too large to be handled exactly.`);
	}
	return parsed;
}

export const keepText = (value: string): string => value;

/** Parsers by type oid, in the form both PGlite's `parsers` option and pg's type overrides use. */
export const typeParsers: Record<number, (value: string) => unknown> = {
	[PG_TYPE.int8]: parseInt8,
	[PG_TYPE.numeric]: keepText,
	[PG_TYPE.date]: keepText
};
