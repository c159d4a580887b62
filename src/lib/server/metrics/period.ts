import { TZDate } from '@date-fns/tz';

export type LocalDate = string;
export type PeriodKind = 'month' | 'quarter' | 'year' | 'custom';
export type CompareBasis = 'previous' | 'year';

export interface PeriodContext {
	timeZone: string;
	fiscalYearStartMonth: number;
	now: Date;
}

export interface Period {
	kind: PeriodKind;
	from: LocalDate;
	to: LocalDate;
	nominalTo: LocalDate;
	start: Date;
	end: Date;
	partial: boolean;
	label: string;
}

export class PeriodError extends Error {
	override name = 'PeriodError';
}

interface Civil {
	y: number;
	m: number;
	d: number;
}

interface Clock {
	h: number;
	mi: number;
	s: number;
	ms: number;
}

const MONTH_NAMES = [
	'Jan',
	'Feb',
	'Mar',
	'Apr',
	'May',
	'Jun',
	'Jul',
	'Aug',
	'Sep',
	'Oct',
	'Nov',
	'Dec'
] as const;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The month `count` months after 'YYYY-MM' `month` (before it when negative). */
export function addMonths(month: string, count: number): string {
	const [y, m] = month.split('-').map(Number) as [number, number];
	const index = y * 12 + (m - 1) + count;
	return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** 'Jun 2025' for '2025-06'. */
export function monthLabel(month: string): string {
	return `${MONTH_NAMES[Number(month.slice(5, 7)) - 1] ?? ''} ${month.slice(0, 4)}`;
}

/** '7 Dec 2026' for '2026-12-07'. */
export function dayLabel(date: LocalDate): string {
	const month = MONTH_NAMES[Number(date.slice(5, 7)) - 1] ?? '';
	return `${Number(date.slice(8, 10))} ${month} ${date.slice(0, 4)}`;
}

function isLeapYear(y: number): boolean {
	return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
	if (m === 2) return isLeapYear(y) ? 29 : 28;
	return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

// Day number since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
function dayNumber({ y, m, d }: Civil): number {
	const yy = m <= 2 ? y - 1 : y;
	const era = Math.floor(yy / 400);
	const yoe = yy - era * 400;
	const doy = Math.floor((153 * ((m + 9) % 12) + 2) / 5) + d - 1;
	const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
	return era * 146097 + doe - 719468;
}

function civilOfDayNumber(n: number): Civil {
	const z = n + 719468;
	const era = Math.floor(z / 146097);
	const doe = z - era * 146097;
	const yoe = Math.floor(
		(doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365
	);
	const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
	const mp = Math.floor((5 * doy + 2) / 153);
	const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
	const m = mp < 10 ? mp + 3 : mp - 9;
	return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

function pad(value: number, width: number): string {
	return String(value).padStart(width, '0');
}

function format({ y, m, d }: Civil): LocalDate {
	return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

function describeInput(text: unknown): string {
	const raw = typeof text === 'string' ? text : String(text);
	return JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
}

function parseAs(text: string, what: string): Civil {
	const match = typeof text === 'string' ? DATE_PATTERN.exec(text) : null;
	if (!match) {
		throw new PeriodError(
			`The ${what} ${describeInput(text)} is not a date in the form YYYY-MM-DD.`
		);
	}
	const y = Number(match[1]);
	const m = Number(match[2]);
	const d = Number(match[3]);
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
		throw new PeriodError(`The ${what} ${text} is not a real calendar date.`);
	}
	return { y, m, d };
}

export function parseLocalDate(text: string): LocalDate {
	return format(parseAs(text, 'date'));
}

export function addDays(date: LocalDate, days: number): LocalDate {
	if (!Number.isInteger(days)) throw new RangeError(`addDays needs a whole number of days.`);
	return format(civilOfDayNumber(dayNumber(parseAs(date, 'date')) + days));
}

export function daysBetween(from: LocalDate, to: LocalDate): number {
	return dayNumber(parseAs(to, 'date')) - dayNumber(parseAs(from, 'date'));
}

function localParts(instant: number, timeZone: string): { date: Civil; clock: Clock } {
	const local = new TZDate(instant, timeZone);
	const y = local.getFullYear();
	if (Number.isNaN(y)) throw new RangeError(`Cannot read ${timeZone} local time of that instant.`);
	return {
		date: { y, m: local.getMonth() + 1, d: local.getDate() },
		clock: {
			h: local.getHours(),
			mi: local.getMinutes(),
			s: local.getSeconds(),
			ms: local.getMilliseconds()
		}
	};
}

function instantAt(date: Civil, clock: Clock, timeZone: string): number {
	const { y, m, d } = date;
	const ms = new TZDate(y, m - 1, d, clock.h, clock.mi, clock.s, clock.ms, timeZone).getTime();
	if (Number.isNaN(ms))
		throw new RangeError(`Cannot place ${format(date)} in time zone ${timeZone}.`);
	return ms;
}

const MIDNIGHT: Clock = { h: 0, mi: 0, s: 0, ms: 0 };

export function localDateOf(instant: Date, timeZone: string): LocalDate {
	return format(localParts(instant.getTime(), timeZone).date);
}

export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
	return new Date(instantAt(parseAs(date, 'date'), MIDNIGHT, timeZone));
}

const validZones = new Set<string>();

export function isValidTimeZone(timeZone: string): boolean {
	if (typeof timeZone !== 'string' || timeZone === '') return false;
	if (validZones.has(timeZone)) return true;
	try {
		new Intl.DateTimeFormat('en-US', { timeZone });
	} catch {
		return false;
	}
	validZones.add(timeZone);
	return true;
}

function checkContext(ctx: PeriodContext): void {
	if (!isValidTimeZone(ctx.timeZone)) {
		throw new RangeError(`Unknown time zone ${describeInput(ctx.timeZone)}.`);
	}
	const fy = ctx.fiscalYearStartMonth;
	if (!Number.isInteger(fy) || fy < 1 || fy > 12) {
		throw new RangeError(`The fiscal year start month must be 1..12, got ${String(fy)}.`);
	}
	if (!(ctx.now instanceof Date) || Number.isNaN(ctx.now.getTime())) {
		throw new RangeError('The context needs a valid `now`.');
	}
}

function shiftMonths(date: LocalDate, months: number): LocalDate {
	const { y, m, d } = parseAs(date, 'date');
	const index = y * 12 + (m - 1) + months;
	const ny = Math.floor(index / 12);
	const nm = index - ny * 12 + 1;
	return format({ y: ny, m: nm, d: Math.min(d, daysInMonth(ny, nm)) });
}

export function sameDateYearEarlier(date: LocalDate): LocalDate {
	const { y, m, d } = parseAs(date, 'date');
	return format({ y: y - 1, m, d: Math.min(d, daysInMonth(y - 1, m)) });
}

function fiscalYearName(y: number, m: number, fiscalYearStartMonth: number): number {
	return fiscalYearStartMonth !== 1 && m >= fiscalYearStartMonth ? y + 1 : y;
}

function customLabel(a: Civil, b: Civil): string {
	const monthA = MONTH_NAMES[a.m - 1] ?? '';
	const monthB = MONTH_NAMES[b.m - 1] ?? '';
	if (a.y !== b.y) return `${a.d} ${monthA} ${a.y} – ${b.d} ${monthB} ${b.y}`;
	if (a.m !== b.m) return `${a.d} ${monthA} – ${b.d} ${monthB} ${b.y}`;
	if (a.d !== b.d) return `${a.d}–${b.d} ${monthB} ${b.y}`;
	return `${b.d} ${monthB} ${b.y}`;
}

function classify(
	from: LocalDate,
	to: LocalDate,
	fiscalYearStartMonth: number
): { kind: PeriodKind; label: string } {
	const a = parseAs(from, 'start date');
	const b = parseAs(to, 'end date');
	if (a.d === 1 && b.d === daysInMonth(b.y, b.m)) {
		const months = b.y * 12 + b.m - (a.y * 12 + a.m) + 1;
		const offset = (a.m - fiscalYearStartMonth + 12) % 12;
		const fiscal = fiscalYearStartMonth !== 1;
		const fyName = fiscalYearName(a.y, a.m, fiscalYearStartMonth);
		if (months === 1) return { kind: 'month', label: `${MONTH_NAMES[a.m - 1] ?? ''} ${a.y}` };
		if (months === 3 && offset % 3 === 0) {
			const q = offset / 3 + 1;
			return { kind: 'quarter', label: fiscal ? `Q${q} FY${fyName}` : `Q${q} ${a.y}` };
		}
		if (months === 12 && offset === 0) {
			return { kind: 'year', label: fiscal ? `FY${fyName}` : `${a.y}` };
		}
	}
	return { kind: 'custom', label: customLabel(a, b) };
}

function buildPeriod(
	from: LocalDate,
	nominalTo: LocalDate,
	ctx: PeriodContext,
	mayBePartial: boolean
): Period {
	const { kind, label } = classify(from, nominalTo, ctx.fiscalYearStartMonth);
	const start = startOfLocalDay(from, ctx.timeZone);
	const end = startOfLocalDay(addDays(nominalTo, 1), ctx.timeZone);
	const now = ctx.now.getTime();
	if (mayBePartial && now < end.getTime()) {
		return {
			kind,
			from,
			to: localDateOf(ctx.now, ctx.timeZone),
			nominalTo,
			start,
			end: new Date(now),
			partial: true,
			label: `${label} to date`
		};
	}
	return { kind, from, to: nominalTo, nominalTo, start, end, partial: false, label };
}

function assertNotFuture(from: LocalDate, ctx: PeriodContext): void {
	const today = localDateOf(ctx.now, ctx.timeZone);
	if (from > today) {
		throw new PeriodError(`The start date ${from} is in the future (today is ${today}).`);
	}
}

export function periodFromDates(from: LocalDate, to: LocalDate, ctx: PeriodContext): Period {
	checkContext(ctx);
	const fromDate = format(parseAs(from, 'start date'));
	const toDate = format(parseAs(to, 'end date'));
	if (fromDate > toDate) {
		throw new PeriodError(`The start date ${fromDate} is after the end date ${toDate}.`);
	}
	assertNotFuture(fromDate, ctx);
	return buildPeriod(fromDate, toDate, ctx, true);
}

function isGiven(value: string | undefined): value is string {
	return value !== undefined && value !== '';
}

export function resolvePeriod(input: { from?: string; to?: string }, ctx: PeriodContext): Period {
	checkContext(ctx);
	const today = localDateOf(ctx.now, ctx.timeZone);
	if (isGiven(input.from)) {
		if (isGiven(input.to)) return periodFromDates(input.from, input.to, ctx);
		assertNotFuture(format(parseAs(input.from, 'start date')), ctx);
		return periodFromDates(input.from, today, ctx);
	}
	if (isGiven(input.to)) {
		throw new PeriodError(
			`The end date ${describeInput(input.to)} was given without a start date.`
		);
	}
	const monthStart = `${today.slice(0, 8)}01`;
	return periodFromDates(monthStart, addDays(shiftMonths(monthStart, 1), -1), ctx);
}

function monthsPerStep(kind: PeriodKind): number | undefined {
	if (kind === 'month') return 1;
	if (kind === 'quarter') return 3;
	if (kind === 'year') return 12;
	return undefined;
}

function lengthInDays(period: Period): number {
	return daysBetween(period.from, period.nominalTo) + 1;
}

function cutLike(base: Period, partial: Period, ctx: PeriodContext): Period {
	const { date: today, clock } = localParts(partial.end.getTime(), ctx.timeZone);
	const elapsedDays = daysBetween(partial.from, format(today));
	const cutDate = addDays(base.from, elapsedDays);
	if (cutDate > base.nominalTo) return base;
	const cut = instantAt(parseAs(cutDate, 'date'), clock, ctx.timeZone);
	if (cut >= base.end.getTime()) return base;
	const lastDay = localDateOf(new Date(cut - 1), ctx.timeZone);
	const to = lastDay < base.from ? base.from : lastDay > base.nominalTo ? base.nominalTo : lastDay;
	return { ...base, to, end: new Date(cut) };
}

export function comparePeriod(period: Period, basis: CompareBasis, ctx: PeriodContext): Period {
	checkContext(ctx);
	let from: LocalDate;
	let nominalTo: LocalDate;
	if (basis === 'previous') {
		const step = monthsPerStep(period.kind);
		from =
			step === undefined
				? addDays(period.from, -lengthInDays(period))
				: shiftMonths(period.from, -step);
		nominalTo = addDays(period.from, -1);
	} else if (basis === 'year') {
		// A month, quarter or year compares with the whole same period a year earlier (Feb 2025 with
		// all 29 days of Feb 2024); a custom range with the same local dates (29 Feb → 28 Feb).
		const step = monthsPerStep(period.kind);
		if (step === undefined) {
			from = sameDateYearEarlier(period.from);
			nominalTo = sameDateYearEarlier(period.nominalTo);
		} else {
			from = shiftMonths(period.from, -12);
			nominalTo = addDays(shiftMonths(from, step), -1);
		}
	} else {
		throw new RangeError(`Unknown comparison basis ${describeInput(basis)}.`);
	}
	const base = buildPeriod(from, nominalTo, ctx, false);
	return period.partial ? cutLike(base, period, ctx) : base;
}

export function previousPeriods(period: Period, count: number, ctx: PeriodContext): Period[] {
	checkContext(ctx);
	if (!Number.isInteger(count) || count < 0) {
		throw new RangeError(`previousPeriods needs a whole, non-negative count, got ${count}.`);
	}
	const step = monthsPerStep(period.kind);
	const length = lengthInDays(period);
	const periods: Period[] = [];
	for (let back = count - 1; back >= 1; back--) {
		const from =
			step === undefined
				? addDays(period.from, -back * length)
				: shiftMonths(period.from, -back * step);
		const nominalTo =
			step === undefined
				? addDays(from, length - 1)
				: addDays(shiftMonths(period.from, -(back - 1) * step), -1);
		periods.push(buildPeriod(from, nominalTo, ctx, true));
	}
	if (count > 0) periods.push(period);
	return periods;
}

/** The month, fiscal quarter or fiscal year that contains `date` (partial when it runs today). */
export function periodContaining(
	kind: Exclude<PeriodKind, 'custom'>,
	date: LocalDate,
	ctx: PeriodContext
): Period {
	checkContext(ctx);
	const { y, m } = parseAs(date, 'date');
	const monthStart = format({ y, m, d: 1 });
	const step = monthsPerStep(kind) ?? 1;
	const intoFiscalYear = (m - ctx.fiscalYearStartMonth + 12) % 12;
	const back = kind === 'month' ? 0 : kind === 'quarter' ? intoFiscalYear % 3 : intoFiscalYear;
	const from = shiftMonths(monthStart, -back);
	return periodFromDates(from, addDays(shiftMonths(from, step), -1), ctx);
}
