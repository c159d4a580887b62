import { describe, expect, it } from 'vitest';
import {
	PeriodError,
	addDays,
	comparePeriod,
	dayLabel,
	daysBetween,
	isValidTimeZone,
	localDateOf,
	parseLocalDate,
	periodFromDates,
	previousPeriods,
	resolvePeriod,
	startOfLocalDay,
	type Period,
	type PeriodContext
} from './period';

const HOUR = 3_600_000;

function ctx(timeZone: string, now: string, fiscalYearStartMonth = 1): PeriodContext {
	return { timeZone, fiscalYearStartMonth, now: new Date(now) };
}

const utc = (now: string, fy = 1) => ctx('UTC', now, fy);
const newYork = (now: string, fy = 1) => ctx('America/New_York', now, fy);
const berlin = (now: string) => ctx('Europe/Berlin', now);
const sydney = (now: string) => ctx('Australia/Sydney', now);

function expectPeriodError(run: () => unknown, message: string | RegExp): void {
	let caught: unknown;
	try {
		run();
	} catch (error) {
		caught = error;
	}
	expect(caught).toBeInstanceOf(PeriodError);
	expect(caught).toBeInstanceOf(Error);
	if (typeof message === 'string') expect((caught as Error).message).toBe(message);
	else expect((caught as Error).message).toMatch(message);
}

function span(p: Period) {
	return { from: p.from, to: p.to, nominalTo: p.nominalTo, label: p.label };
}

describe('civil date helpers', () => {
	it('parses strict, real YYYY-MM-DD dates', () => {
		expect(parseLocalDate('2026-03-08')).toBe('2026-03-08');
		expect(parseLocalDate('2024-02-29')).toBe('2024-02-29');
		expect(parseLocalDate('2000-02-29')).toBe('2000-02-29');
	});

	it('rejects malformed and impossible dates, naming the value', () => {
		expectPeriodError(() => parseLocalDate('2026-13-01'), /2026-13-01/);
		expectPeriodError(() => parseLocalDate('2026-02-30'), /2026-02-30/);
		expectPeriodError(() => parseLocalDate('2026-04-31'), /2026-04-31/);
		// 2100 is not a leap year (divisible by 100, not by 400).
		expectPeriodError(() => parseLocalDate('2100-02-29'), /2100-02-29/);
		expectPeriodError(() => parseLocalDate('2026-00-10'), /2026-00-10/);
		expectPeriodError(() => parseLocalDate('yesterday'), /"yesterday"/);
		expectPeriodError(() => parseLocalDate('2026-2-3'), /"2026-2-3"/);
		expectPeriodError(() => parseLocalDate('2026-02-03T00:00'), /2026-02-03T00:00/);
		expectPeriodError(() => parseLocalDate(' 2026-02-03'), /2026-02-03/);
		expectPeriodError(() => parseLocalDate(''), /""/);
	});

	it('adds days across month, leap-day and year boundaries', () => {
		expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
		expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
		expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
		expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
		// 2026 has 365 days.
		expect(addDays('2026-01-01', 365)).toBe('2027-01-01');
		expect(addDays('1970-01-01', -1)).toBe('1969-12-31');
		expect(addDays('2026-03-08', 0)).toBe('2026-03-08');
	});

	it('counts calendar days between dates', () => {
		expect(daysBetween('2026-01-01', '2027-01-01')).toBe(365);
		expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
		expect(daysBetween('2026-03-16', '2026-03-03')).toBe(-13);
		// A DST day still counts as one calendar day.
		expect(daysBetween('2026-03-08', '2026-03-09')).toBe(1);
	});

	it('reads the local date of an instant in a zone', () => {
		// 03:00Z on 1 Dec is 22:00 EST on 30 Nov.
		expect(localDateOf(new Date('2026-12-01T03:00:00Z'), 'America/New_York')).toBe('2026-11-30');
		expect(localDateOf(new Date('2026-12-01T03:00:00Z'), 'UTC')).toBe('2026-12-01');
		// Sydney is UTC+10 (AEST) in July: 14:00Z is midnight of the next day.
		expect(localDateOf(new Date('2026-06-30T14:00:00Z'), 'Australia/Sydney')).toBe('2026-07-01');
		expect(localDateOf(new Date('2026-06-30T13:59:59.999Z'), 'Australia/Sydney')).toBe(
			'2026-06-30'
		);
	});

	it('finds the start of a local day, including around DST changes', () => {
		// New York: EST (UTC-5) on 8 Mar 2026 at midnight; DST starts at 02:00 that day.
		expect(startOfLocalDay('2026-03-08', 'America/New_York')).toEqual(
			new Date('2026-03-08T05:00:00Z')
		);
		// From 9 Mar it is EDT (UTC-4).
		expect(startOfLocalDay('2026-03-09', 'America/New_York')).toEqual(
			new Date('2026-03-09T04:00:00Z')
		);
		// Berlin: CET (UTC+1) until 29 Mar 2026 02:00, then CEST (UTC+2).
		expect(startOfLocalDay('2026-03-29', 'Europe/Berlin')).toEqual(
			new Date('2026-03-28T23:00:00Z')
		);
		expect(startOfLocalDay('2026-03-30', 'Europe/Berlin')).toEqual(
			new Date('2026-03-29T22:00:00Z')
		);
		// Sydney: AEST (UTC+10) until 4 Oct 2026 02:00, then AEDT (UTC+11).
		expect(startOfLocalDay('2026-10-04', 'Australia/Sydney')).toEqual(
			new Date('2026-10-03T14:00:00Z')
		);
		expect(startOfLocalDay('2026-10-05', 'Australia/Sydney')).toEqual(
			new Date('2026-10-04T13:00:00Z')
		);
		// Chile skips local midnight on 6 Sep 2026 (00:00 -04 becomes 01:00 -03): the day starts at 01:00 -03.
		expect(startOfLocalDay('2026-09-06', 'America/Santiago')).toEqual(
			new Date('2026-09-06T04:00:00Z')
		);
	});

	it('validates IANA time zones', () => {
		expect(isValidTimeZone('America/New_York')).toBe(true);
		expect(isValidTimeZone('Australia/Sydney')).toBe(true);
		expect(isValidTimeZone('UTC')).toBe(true);
		expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
		expect(isValidTimeZone('')).toBe(false);
	});
});

describe('periodFromDates: instants and DST', () => {
	it('builds [from 00:00, to+1 00:00) in UTC', () => {
		expect(periodFromDates('2026-03-03', '2026-03-16', utc('2027-01-01T00:00:00Z'))).toEqual({
			kind: 'custom',
			from: '2026-03-03',
			to: '2026-03-16',
			nominalTo: '2026-03-16',
			start: new Date('2026-03-03T00:00:00Z'),
			end: new Date('2026-03-17T00:00:00Z'),
			partial: false,
			label: '3–16 Mar 2026'
		});
	});

	it('makes the New York spring-forward day 23 hours long', () => {
		const p = periodFromDates('2026-03-08', '2026-03-08', newYork('2026-06-01T12:00:00Z'));
		// 00:00 EST (UTC-5) = 05:00Z; next midnight is 00:00 EDT (UTC-4) = 04:00Z.
		expect(p.start).toEqual(new Date('2026-03-08T05:00:00Z'));
		expect(p.end).toEqual(new Date('2026-03-09T04:00:00Z'));
		expect(p.end.getTime() - p.start.getTime()).toBe(23 * HOUR);
		expect(p.label).toBe('8 Mar 2026');
		expect(p.kind).toBe('custom');
	});

	it('makes the New York fall-back day 25 hours long', () => {
		const p = periodFromDates('2026-11-01', '2026-11-01', newYork('2027-01-01T00:00:00Z'));
		// 00:00 EDT (UTC-4) = 04:00Z; next midnight 00:00 EST (UTC-5) = 05:00Z.
		expect(p.start).toEqual(new Date('2026-11-01T04:00:00Z'));
		expect(p.end).toEqual(new Date('2026-11-02T05:00:00Z'));
		expect(p.end.getTime() - p.start.getTime()).toBe(25 * HOUR);
	});

	it('handles southern-hemisphere DST in Sydney', () => {
		// 5 Apr 2026: AEDT (UTC+11) ends at 03:00 -> 02:00 AEST (UTC+10): 25 hours.
		const autumn = periodFromDates('2026-04-05', '2026-04-05', sydney('2026-12-01T00:00:00Z'));
		expect(autumn.start).toEqual(new Date('2026-04-04T13:00:00Z'));
		expect(autumn.end).toEqual(new Date('2026-04-05T14:00:00Z'));
		expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * HOUR);
		// 4 Oct 2026: AEST (UTC+10) -> AEDT (UTC+11) at 02:00: 23 hours.
		const spring = periodFromDates('2026-10-04', '2026-10-04', sydney('2026-12-01T00:00:00Z'));
		expect(spring.start).toEqual(new Date('2026-10-03T14:00:00Z'));
		expect(spring.end).toEqual(new Date('2026-10-04T13:00:00Z'));
		expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * HOUR);
		// October 2026 starts in AEST and ends in AEDT.
		const october = periodFromDates('2026-10-01', '2026-10-31', sydney('2026-12-01T00:00:00Z'));
		expect(october.kind).toBe('month');
		expect(october.start).toEqual(new Date('2026-09-30T14:00:00Z'));
		expect(october.end).toEqual(new Date('2026-10-31T13:00:00Z'));
	});

	it('builds a Berlin month across the spring change', () => {
		expect(periodFromDates('2026-03-01', '2026-03-31', berlin('2026-06-01T00:00:00Z'))).toEqual({
			kind: 'month',
			from: '2026-03-01',
			to: '2026-03-31',
			nominalTo: '2026-03-31',
			// 1 Mar 00:00 CET (UTC+1); 1 Apr 00:00 CEST (UTC+2).
			start: new Date('2026-02-28T23:00:00Z'),
			end: new Date('2026-03-31T22:00:00Z'),
			partial: false,
			label: 'Mar 2026'
		});
	});

	it('ends being partial exactly at the end instant', () => {
		// 1 Dec 2026 00:00 EST (UTC-5) = 05:00Z is November's exclusive end.
		const done = periodFromDates('2026-11-01', '2026-11-30', newYork('2026-12-01T05:00:00Z'));
		expect(done.partial).toBe(false);
		expect(done.label).toBe('Nov 2026');
		expect(done.to).toBe('2026-11-30');
		expect(done.end).toEqual(new Date('2026-12-01T05:00:00Z'));
		const running = periodFromDates(
			'2026-11-01',
			'2026-11-30',
			newYork('2026-12-01T04:59:59.999Z')
		);
		expect(running.partial).toBe(true);
		expect(running.label).toBe('Nov 2026 to date');
		expect(running.to).toBe('2026-11-30');
		expect(running.end).toEqual(new Date('2026-12-01T04:59:59.999Z'));
	});
});

describe('classification', () => {
	const now = '2028-06-01T00:00:00Z';
	const classify = (from: string, to: string, fy = 1) => {
		const p = periodFromDates(from, to, utc(now, fy));
		return [p.kind, p.label];
	};

	it('recognises calendar months, quarters and years', () => {
		expect(classify('2026-11-01', '2026-11-30')).toEqual(['month', 'Nov 2026']);
		expect(classify('2026-02-01', '2026-02-28')).toEqual(['month', 'Feb 2026']);
		expect(classify('2024-02-01', '2024-02-29')).toEqual(['month', 'Feb 2024']);
		expect(classify('2026-01-01', '2026-03-31')).toEqual(['quarter', 'Q1 2026']);
		expect(classify('2026-07-01', '2026-09-30')).toEqual(['quarter', 'Q3 2026']);
		expect(classify('2026-01-01', '2026-12-31')).toEqual(['year', '2026']);
	});

	it('treats any other pair as custom', () => {
		// 2024 is a leap year, so 1–28 Feb is not the whole month.
		expect(classify('2024-02-01', '2024-02-28')).toEqual(['custom', '1–28 Feb 2024']);
		expect(classify('2026-11-02', '2026-11-30')).toEqual(['custom', '2–30 Nov 2026']);
		expect(classify('2026-01-01', '2026-02-28')).toEqual(['custom', '1 Jan – 28 Feb 2026']);
		// Three whole months, but not a calendar quarter.
		expect(classify('2026-02-01', '2026-04-30')).toEqual(['custom', '1 Feb – 30 Apr 2026']);
		expect(classify('2026-03-03', '2026-03-16')).toEqual(['custom', '3–16 Mar 2026']);
		expect(classify('2025-12-28', '2026-01-03')).toEqual(['custom', '28 Dec 2025 – 3 Jan 2026']);
		// Twelve whole months that do not start the (calendar) fiscal year.
		expect(classify('2026-04-01', '2027-03-31')).toEqual(['custom', '1 Apr 2026 – 31 Mar 2027']);
	});

	it('follows a fiscal year starting in April, named by the year it ends in', () => {
		expect(classify('2026-04-01', '2027-03-31', 4)).toEqual(['year', 'FY2027']);
		expect(classify('2026-04-01', '2026-06-30', 4)).toEqual(['quarter', 'Q1 FY2027']);
		expect(classify('2026-07-01', '2026-09-30', 4)).toEqual(['quarter', 'Q2 FY2027']);
		expect(classify('2026-10-01', '2026-12-31', 4)).toEqual(['quarter', 'Q3 FY2027']);
		// Jan–Mar 2026 closes the fiscal year 1 Apr 2025 – 31 Mar 2026.
		expect(classify('2026-01-01', '2026-03-31', 4)).toEqual(['quarter', 'Q4 FY2026']);
		expect(classify('2026-04-01', '2026-04-30', 4)).toEqual(['month', 'Apr 2026']);
		expect(classify('2026-01-01', '2026-12-31', 4)).toEqual(['custom', '1 Jan – 31 Dec 2026']);
		expect(classify('2026-02-01', '2026-04-30', 4)).toEqual(['custom', '1 Feb – 30 Apr 2026']);
	});

	it('follows a fiscal year starting in February', () => {
		expect(classify('2026-02-01', '2026-04-30', 2)).toEqual(['quarter', 'Q1 FY2027']);
		expect(classify('2026-02-01', '2027-01-31', 2)).toEqual(['year', 'FY2027']);
		expect(classify('2026-01-01', '2026-03-31', 2)).toEqual(['custom', '1 Jan – 31 Mar 2026']);
	});

	it('places a fiscal year in New York time', () => {
		const p = periodFromDates('2026-04-01', '2027-03-31', newYork(now, 4));
		expect(p.kind).toBe('year');
		// 1 Apr 00:00 EDT (UTC-4) in both years (DST started 8 Mar 2026 and 14 Mar 2027).
		expect(p.start).toEqual(new Date('2026-04-01T04:00:00Z'));
		expect(p.end).toEqual(new Date('2027-04-01T04:00:00Z'));
	});
});

describe('comparePeriod for finished periods', () => {
	const done = (fy = 1) => utc('2029-01-01T00:00:00Z', fy);

	it('previous month crosses the year boundary', () => {
		const jan = periodFromDates('2026-01-01', '2026-01-31', done());
		expect(comparePeriod(jan, 'previous', done())).toEqual({
			kind: 'month',
			from: '2025-12-01',
			to: '2025-12-31',
			nominalTo: '2025-12-31',
			start: new Date('2025-12-01T00:00:00Z'),
			end: new Date('2026-01-01T00:00:00Z'),
			partial: false,
			label: 'Dec 2025'
		});
	});

	it('previous month of March is February, whatever its length', () => {
		const march = periodFromDates('2024-03-01', '2024-03-31', done());
		expect(span(comparePeriod(march, 'previous', done()))).toEqual({
			from: '2024-02-01',
			to: '2024-02-29',
			nominalTo: '2024-02-29',
			label: 'Feb 2024'
		});
	});

	it('year comparison of a month, Feb 29 becoming Feb 28', () => {
		const feb = periodFromDates('2024-02-01', '2024-02-29', done());
		const compare = comparePeriod(feb, 'year', done());
		expect(compare.kind).toBe('month');
		expect(span(compare)).toEqual({
			from: '2023-02-01',
			to: '2023-02-28',
			nominalTo: '2023-02-28',
			label: 'Feb 2023'
		});
		expect(compare.end).toEqual(new Date('2023-03-01T00:00:00Z'));
	});

	it('previous and year comparison of a calendar quarter', () => {
		const q1 = periodFromDates('2026-01-01', '2026-03-31', done());
		const previous = comparePeriod(q1, 'previous', done());
		expect(previous.kind).toBe('quarter');
		expect(span(previous)).toEqual({
			from: '2025-10-01',
			to: '2025-12-31',
			nominalTo: '2025-12-31',
			label: 'Q4 2025'
		});
		const q3 = periodFromDates('2026-07-01', '2026-09-30', done());
		expect(span(comparePeriod(q3, 'year', done()))).toEqual({
			from: '2025-07-01',
			to: '2025-09-30',
			nominalTo: '2025-09-30',
			label: 'Q3 2025'
		});
	});

	it('previous and year comparison of a fiscal quarter', () => {
		const q1 = periodFromDates('2026-04-01', '2026-06-30', done(4));
		expect(span(comparePeriod(q1, 'previous', done(4)))).toEqual({
			from: '2026-01-01',
			to: '2026-03-31',
			nominalTo: '2026-03-31',
			label: 'Q4 FY2026'
		});
		expect(span(comparePeriod(q1, 'year', done(4)))).toEqual({
			from: '2025-04-01',
			to: '2025-06-30',
			nominalTo: '2025-06-30',
			label: 'Q1 FY2026'
		});
	});

	it('previous and year comparison of a year', () => {
		const y2026 = periodFromDates('2026-01-01', '2026-12-31', done());
		expect(span(comparePeriod(y2026, 'previous', done()))).toEqual({
			from: '2025-01-01',
			to: '2025-12-31',
			nominalTo: '2025-12-31',
			label: '2025'
		});
		expect(comparePeriod(y2026, 'year', done()).kind).toBe('year');
		expect(span(comparePeriod(y2026, 'year', done()))).toEqual({
			from: '2025-01-01',
			to: '2025-12-31',
			nominalTo: '2025-12-31',
			label: '2025'
		});
		const fy2027 = periodFromDates('2026-04-01', '2027-03-31', done(4));
		expect(span(comparePeriod(fy2027, 'previous', done(4)))).toEqual({
			from: '2025-04-01',
			to: '2026-03-31',
			nominalTo: '2026-03-31',
			label: 'FY2026'
		});
		expect(span(comparePeriod(fy2027, 'year', done(4)))).toEqual({
			from: '2025-04-01',
			to: '2026-03-31',
			nominalTo: '2026-03-31',
			label: 'FY2026'
		});
	});

	it('previous custom range is the same number of days immediately before', () => {
		const p = periodFromDates('2026-03-03', '2026-03-16', done());
		const compare = comparePeriod(p, 'previous', done());
		// 14 days: 17–28 Feb (12) + 1–2 Mar (2).
		expect(compare).toEqual({
			kind: 'custom',
			from: '2026-02-17',
			to: '2026-03-02',
			nominalTo: '2026-03-02',
			start: new Date('2026-02-17T00:00:00Z'),
			end: new Date('2026-03-03T00:00:00Z'),
			partial: false,
			label: '17 Feb – 2 Mar 2026'
		});
	});

	it('previous custom range in New York keeps whole local days across DST', () => {
		const nyDone = newYork('2027-01-01T00:00:00Z');
		const week = periodFromDates('2026-03-08', '2026-03-14', nyDone);
		const compare = comparePeriod(week, 'previous', nyDone);
		expect(span(compare)).toEqual({
			from: '2026-03-01',
			to: '2026-03-07',
			nominalTo: '2026-03-07',
			label: '1–7 Mar 2026'
		});
		// Both bounds are midnight EST (UTC-5).
		expect(compare.start).toEqual(new Date('2026-03-01T05:00:00Z'));
		expect(compare.end).toEqual(new Date('2026-03-08T05:00:00Z'));
	});

	it('a custom range whose previous stretch is a whole month is that month', () => {
		const p = periodFromDates('2026-03-01', '2026-03-28', done());
		const compare = comparePeriod(p, 'previous', done());
		expect(compare.kind).toBe('month');
		expect(compare.label).toBe('Feb 2026');
		expect(compare.from).toBe('2026-02-01');
		expect(compare.to).toBe('2026-02-28');
	});

	it('year comparison of Feb 2025 is the whole of Feb 2024, its 29th day included', () => {
		const feb = periodFromDates('2025-02-01', '2025-02-28', done());
		const compare = comparePeriod(feb, 'year', done());
		expect(compare.kind).toBe('month');
		expect(span(compare)).toEqual({
			from: '2024-02-01',
			to: '2024-02-29',
			nominalTo: '2024-02-29',
			label: 'Feb 2024'
		});
	});

	it('year comparison of a custom range maps 29 Feb to 28 Feb', () => {
		const p = periodFromDates('2024-02-29', '2024-03-10', done());
		expect(span(comparePeriod(p, 'year', done()))).toEqual({
			from: '2023-02-28',
			to: '2023-03-10',
			nominalTo: '2023-03-10',
			label: '28 Feb – 10 Mar 2023'
		});
		const leapDay = periodFromDates('2028-02-29', '2028-02-29', done());
		expect(span(comparePeriod(leapDay, 'year', done()))).toEqual({
			from: '2027-02-28',
			to: '2027-02-28',
			nominalTo: '2027-02-28',
			label: '28 Feb 2027'
		});
		const endsOnLeapDay = periodFromDates('2028-02-20', '2028-02-29', done());
		expect(span(comparePeriod(endsOnLeapDay, 'year', done()))).toEqual({
			from: '2027-02-20',
			to: '2027-02-28',
			nominalTo: '2027-02-28',
			label: '20–28 Feb 2027'
		});
	});
});

describe('partial periods', () => {
	// 14 Nov 2026 10:00 EST (UTC-5).
	const nyNov14 = newYork('2026-11-14T15:00:00Z');

	it('defaults to the current month to date', () => {
		expect(resolvePeriod({}, nyNov14)).toEqual({
			kind: 'month',
			from: '2026-11-01',
			to: '2026-11-14',
			nominalTo: '2026-11-30',
			// 1 Nov 00:00 is still EDT (UTC-4); DST ends at 02:00 that day.
			start: new Date('2026-11-01T04:00:00Z'),
			end: new Date('2026-11-14T15:00:00Z'),
			partial: true,
			label: 'Nov 2026 to date'
		});
		expect(resolvePeriod({ from: '2026-11-01', to: '2026-11-30' }, nyNov14)).toEqual(
			resolvePeriod({}, nyNov14)
		);
		expect(resolvePeriod({ from: '', to: '' }, nyNov14).label).toBe('Nov 2026 to date');
	});

	it('uses the local month, not the UTC one, for the default', () => {
		// 1 Dec 03:00Z is 30 Nov 22:00 EST.
		const p = resolvePeriod({}, newYork('2026-12-01T03:00:00Z'));
		expect(span(p)).toEqual({
			from: '2026-11-01',
			to: '2026-11-30',
			nominalTo: '2026-11-30',
			label: 'Nov 2026 to date'
		});
		expect(p.partial).toBe(true);
	});

	it('compares 1–14 Nov 10:00 with 1–14 Oct 10:00 local', () => {
		const p = resolvePeriod({}, nyNov14);
		expect(comparePeriod(p, 'previous', nyNov14)).toEqual({
			kind: 'month',
			from: '2026-10-01',
			to: '2026-10-14',
			nominalTo: '2026-10-31',
			start: new Date('2026-10-01T04:00:00Z'),
			// 14 Oct 10:00 EDT (UTC-4). Adding the elapsed 13 d 11 h (1 Nov has 25 h) would give 15:00Z.
			end: new Date('2026-10-14T14:00:00Z'),
			partial: false,
			label: 'Oct 2026'
		});
	});

	it('compares with the same dates a year earlier, cut at the same local time', () => {
		const p = resolvePeriod({}, nyNov14);
		expect(comparePeriod(p, 'year', nyNov14)).toEqual({
			kind: 'month',
			from: '2025-11-01',
			to: '2025-11-14',
			nominalTo: '2025-11-30',
			// DST ended on 2 Nov 2025, so 1 Nov 2025 00:00 is EDT (UTC-4).
			start: new Date('2025-11-01T04:00:00Z'),
			// 14 Nov 2025 10:00 EST (UTC-5).
			end: new Date('2025-11-14T15:00:00Z'),
			partial: false,
			label: 'Nov 2025'
		});
	});

	it('compares 1–31 Mar 10:00 with all of February, never past its end', () => {
		// 31 Mar 2026 10:00 CEST (UTC+2) in Berlin.
		const now = berlin('2026-03-31T08:00:00Z');
		const p = resolvePeriod({}, now);
		expect(p).toEqual({
			kind: 'month',
			from: '2026-03-01',
			to: '2026-03-31',
			nominalTo: '2026-03-31',
			start: new Date('2026-02-28T23:00:00Z'),
			end: new Date('2026-03-31T08:00:00Z'),
			partial: true,
			label: 'Mar 2026 to date'
		});
		expect(comparePeriod(p, 'previous', now)).toEqual({
			kind: 'month',
			from: '2026-02-01',
			to: '2026-02-28',
			nominalTo: '2026-02-28',
			// 1 Feb and 1 Mar 00:00 CET (UTC+1).
			start: new Date('2026-01-31T23:00:00Z'),
			end: new Date('2026-02-28T23:00:00Z'),
			partial: false,
			label: 'Feb 2026'
		});
		expect(comparePeriod(p, 'year', now)).toEqual({
			kind: 'month',
			from: '2025-03-01',
			to: '2025-03-31',
			nominalTo: '2025-03-31',
			start: new Date('2025-02-28T23:00:00Z'),
			// 31 Mar 2025 10:00 CEST (DST began 30 Mar 2025), before March's end at 22:00Z.
			end: new Date('2025-03-31T08:00:00Z'),
			partial: false,
			label: 'Mar 2025'
		});
	});

	it('cuts by local clock time when the partial period spans a DST change', () => {
		// 9 Mar 2026 10:00 EDT (UTC-4), the day after DST began in New York.
		const now = newYork('2026-03-09T14:00:00Z');
		const p = resolvePeriod({}, now);
		expect(p.start).toEqual(new Date('2026-03-01T05:00:00Z'));
		expect(p.end).toEqual(new Date('2026-03-09T14:00:00Z'));
		const previous = comparePeriod(p, 'previous', now);
		expect(span(previous)).toEqual({
			from: '2026-02-01',
			to: '2026-02-09',
			nominalTo: '2026-02-28',
			label: 'Feb 2026'
		});
		expect(previous.start).toEqual(new Date('2026-02-01T05:00:00Z'));
		// 9 Feb 10:00 EST (UTC-5); adding the elapsed 8 d 9 h would give 14:00Z (09:00 EST).
		expect(previous.end).toEqual(new Date('2026-02-09T15:00:00Z'));
		const lastYear = comparePeriod(p, 'year', now);
		// 9 Mar 2025 was the DST day in 2025: 10:00 EDT (UTC-4).
		expect(lastYear.end).toEqual(new Date('2025-03-09T14:00:00Z'));
		expect(lastYear.to).toBe('2025-03-09');
	});

	it('cuts by local clock time across southern-hemisphere DST', () => {
		// 10 Oct 2026 11:00 AEDT (UTC+11) in Sydney.
		const now = sydney('2026-10-10T00:00:00Z');
		const p = resolvePeriod({}, now);
		// 1 Oct 00:00 AEST (UTC+10).
		expect(p.start).toEqual(new Date('2026-09-30T14:00:00Z'));
		expect(p.label).toBe('Oct 2026 to date');
		const previous = comparePeriod(p, 'previous', now);
		expect(previous.start).toEqual(new Date('2026-08-31T14:00:00Z'));
		// 10 Sep 11:00 AEST (UTC+10).
		expect(previous.end).toEqual(new Date('2026-09-10T01:00:00Z'));
		expect(previous.to).toBe('2026-09-10');
		const lastYear = comparePeriod(p, 'year', now);
		// 1 Oct 2025 00:00 AEST; DST began 5 Oct 2025, so 10 Oct 2025 11:00 is AEDT (UTC+11).
		expect(lastYear.start).toEqual(new Date('2025-09-30T14:00:00Z'));
		expect(lastYear.end).toEqual(new Date('2025-10-10T00:00:00Z'));
	});

	it('cuts a partial fiscal quarter after the same elapsed days', () => {
		// 15 May 2026 12:00 UTC: 44 days after 1 Apr (30 in April + 14).
		const now = utc('2026-05-15T12:00:00Z', 4);
		const p = resolvePeriod({ from: '2026-04-01', to: '2026-06-30' }, now);
		expect(p.kind).toBe('quarter');
		expect(p.label).toBe('Q1 FY2027 to date');
		expect(p.to).toBe('2026-05-15');
		const previous = comparePeriod(p, 'previous', now);
		expect(span(previous)).toEqual({
			from: '2026-01-01',
			to: '2026-02-14',
			nominalTo: '2026-03-31',
			label: 'Q4 FY2026'
		});
		// 1 Jan + 44 days = 14 Feb, at 12:00.
		expect(previous.end).toEqual(new Date('2026-02-14T12:00:00Z'));
	});

	it('runs `from` alone to today as a custom range', () => {
		const now = utc('2026-11-14T10:00:00Z');
		const p = resolvePeriod({ from: '2026-11-03' }, now);
		expect(p).toEqual({
			kind: 'custom',
			from: '2026-11-03',
			to: '2026-11-14',
			nominalTo: '2026-11-14',
			start: new Date('2026-11-03T00:00:00Z'),
			end: new Date('2026-11-14T10:00:00Z'),
			partial: true,
			label: '3–14 Nov 2026 to date'
		});
		// 12 days immediately before, cut 11 days and 10 hours after its start.
		expect(comparePeriod(p, 'previous', now)).toEqual({
			kind: 'custom',
			from: '2026-10-22',
			to: '2026-11-02',
			nominalTo: '2026-11-02',
			start: new Date('2026-10-22T00:00:00Z'),
			end: new Date('2026-11-02T10:00:00Z'),
			partial: false,
			label: '22 Oct – 2 Nov 2026'
		});
		expect(resolvePeriod({ from: '2026-11-01' }, now).kind).toBe('custom');
		expect(resolvePeriod({ from: '2026-11-14' }, now).label).toBe('14 Nov 2026 to date');
	});

	it('keeps the nominal end of a custom range that ends in the future', () => {
		const p = resolvePeriod({ from: '2026-11-03', to: '2026-12-31' }, utc('2026-11-14T10:00:00Z'));
		expect(span(p)).toEqual({
			from: '2026-11-03',
			to: '2026-11-14',
			nominalTo: '2026-12-31',
			label: '3 Nov – 31 Dec 2026 to date'
		});
		expect(p.partial).toBe(true);
		expect(p.end).toEqual(new Date('2026-11-14T10:00:00Z'));
	});

	it('cuts at the compare start when now is exactly the period start', () => {
		const now = utc('2026-11-01T00:00:00Z');
		const p = resolvePeriod({}, now);
		expect(p.start).toEqual(new Date('2026-11-01T00:00:00Z'));
		expect(p.end).toEqual(new Date('2026-11-01T00:00:00Z'));
		const compare = comparePeriod(p, 'previous', now);
		expect(compare.start).toEqual(new Date('2026-10-01T00:00:00Z'));
		expect(compare.end).toEqual(new Date('2026-10-01T00:00:00Z'));
		expect(compare.to).toBe('2026-10-01');
	});
});

describe('usage errors', () => {
	const now = newYork('2026-11-14T15:00:00Z');

	it('rejects `to` without `from`', () => {
		expectPeriodError(() => resolvePeriod({ to: '2026-11-10' }, now), /2026-11-10.*start date/);
	});

	it('rejects a start after the end', () => {
		expectPeriodError(
			() => resolvePeriod({ from: '2026-05-01', to: '2026-04-01' }, now),
			'The start date 2026-05-01 is after the end date 2026-04-01.'
		);
		expectPeriodError(
			() => periodFromDates('2026-05-01', '2026-04-01', now),
			'The start date 2026-05-01 is after the end date 2026-04-01.'
		);
	});

	it('rejects malformed and impossible dates', () => {
		expectPeriodError(() => resolvePeriod({ from: '2026-13-01' }, now), /start date 2026-13-01/);
		expectPeriodError(
			() => resolvePeriod({ from: '2026-02-30', to: '2026-03-01' }, now),
			/start date 2026-02-30/
		);
		expectPeriodError(
			() => resolvePeriod({ from: '2026-02-01', to: 'yesterday' }, now),
			/end date "yesterday"/
		);
		expectPeriodError(() => resolvePeriod({ from: 'yesterday' }, now), /"yesterday"/);
	});

	it('rejects a start after today in local time', () => {
		expectPeriodError(
			() => resolvePeriod({ from: '2026-11-15' }, now),
			'The start date 2026-11-15 is in the future (today is 2026-11-14).'
		);
		expectPeriodError(
			() => resolvePeriod({ from: '2026-12-01', to: '2026-12-31' }, now),
			/2026-12-01 is in the future/
		);
		// 15 Nov 03:00Z is still 14 Nov 22:00 EST.
		expectPeriodError(
			() => resolvePeriod({ from: '2026-11-15' }, newYork('2026-11-15T03:00:00Z')),
			/today is 2026-11-14/
		);
	});

	it('rejects a broken context as a programming error, not a usage error', () => {
		expect(() => resolvePeriod({}, ctx('Mars/Olympus_Mons', '2026-11-14T15:00:00Z'))).toThrow(
			RangeError
		);
		expect(() => resolvePeriod({}, utc('2026-11-14T15:00:00Z', 13))).toThrow(RangeError);
	});
});

describe('previousPeriods', () => {
	it('returns 12 months ending with the partial current one, across a year boundary', () => {
		const now = newYork('2026-11-14T15:00:00Z');
		const periods = previousPeriods(resolvePeriod({}, now), 12, now);
		expect(periods.map((p) => p.label)).toEqual([
			'Dec 2025',
			'Jan 2026',
			'Feb 2026',
			'Mar 2026',
			'Apr 2026',
			'May 2026',
			'Jun 2026',
			'Jul 2026',
			'Aug 2026',
			'Sep 2026',
			'Oct 2026',
			'Nov 2026 to date'
		]);
		expect(periods.map((p) => p.partial)).toEqual([...Array<boolean>(11).fill(false), true]);
		expect(periods[0]).toEqual({
			kind: 'month',
			from: '2025-12-01',
			to: '2025-12-31',
			nominalTo: '2025-12-31',
			// Midnight EST (UTC-5) at both ends.
			start: new Date('2025-12-01T05:00:00Z'),
			end: new Date('2026-01-01T05:00:00Z'),
			partial: false,
			label: 'Dec 2025'
		});
		expect(span(periods[2] as Period)).toEqual({
			from: '2026-02-01',
			to: '2026-02-28',
			nominalTo: '2026-02-28',
			label: 'Feb 2026'
		});
		// October ends at 1 Nov 00:00 EDT (UTC-4), where November starts.
		expect(periods[10]?.end).toEqual(new Date('2026-11-01T04:00:00Z'));
		expect(periods[11]?.start).toEqual(new Date('2026-11-01T04:00:00Z'));
	});

	it('returns fiscal quarters', () => {
		const now = utc('2027-01-01T00:00:00Z', 4);
		const q1 = periodFromDates('2026-04-01', '2026-06-30', now);
		const periods = previousPeriods(q1, 4, now);
		expect(periods.map(span)).toEqual([
			{ from: '2025-07-01', to: '2025-09-30', nominalTo: '2025-09-30', label: 'Q2 FY2026' },
			{ from: '2025-10-01', to: '2025-12-31', nominalTo: '2025-12-31', label: 'Q3 FY2026' },
			{ from: '2026-01-01', to: '2026-03-31', nominalTo: '2026-03-31', label: 'Q4 FY2026' },
			{ from: '2026-04-01', to: '2026-06-30', nominalTo: '2026-06-30', label: 'Q1 FY2027' }
		]);
		expect(periods.every((p) => p.kind === 'quarter')).toBe(true);
		expect(periods[3]).toBe(q1);
	});

	it('returns calendar years', () => {
		const now = utc('2027-01-01T00:00:00Z');
		const periods = previousPeriods(periodFromDates('2026-01-01', '2026-12-31', now), 3, now);
		expect(periods.map((p) => p.label)).toEqual(['2024', '2025', '2026']);
		expect(periods[0]?.start).toEqual(new Date('2024-01-01T00:00:00Z'));
		expect(periods[0]?.end).toEqual(new Date('2025-01-01T00:00:00Z'));
	});

	it('returns back-to-back custom windows of the same length', () => {
		const now = utc('2027-01-01T00:00:00Z');
		const periods = previousPeriods(periodFromDates('2026-03-03', '2026-03-16', now), 3, now);
		expect(periods.map(span)).toEqual([
			{ from: '2026-02-03', to: '2026-02-16', nominalTo: '2026-02-16', label: '3–16 Feb 2026' },
			{
				from: '2026-02-17',
				to: '2026-03-02',
				nominalTo: '2026-03-02',
				label: '17 Feb – 2 Mar 2026'
			},
			{ from: '2026-03-03', to: '2026-03-16', nominalTo: '2026-03-16', label: '3–16 Mar 2026' }
		]);
		expect(periods[0]?.end).toEqual(new Date('2026-02-17T00:00:00Z'));
	});

	it('handles small and invalid counts', () => {
		const now = utc('2027-01-01T00:00:00Z');
		const p = periodFromDates('2026-03-01', '2026-03-31', now);
		expect(previousPeriods(p, 1, now)).toEqual([p]);
		expect(previousPeriods(p, 0, now)).toEqual([]);
		expect(() => previousPeriods(p, -1, now)).toThrow(RangeError);
		expect(() => previousPeriods(p, 1.5, now)).toThrow(RangeError);
	});
});

describe('dayLabel', () => {
	it('names a local date in words, without a leading zero', () => {
		expect(dayLabel('2026-12-07')).toBe('7 Dec 2026');
		expect(dayLabel('2025-02-28')).toBe('28 Feb 2025');
	});
});
