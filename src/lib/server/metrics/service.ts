import type { Kysely } from 'kysely';
import type { DB, RollupMeasure } from '../db/schema';
import { sumMeasures } from '../rollups/read';
import {
	defineMetric,
	emptyFigures,
	medianBin,
	type MetricEntry,
	type MetricFigures
} from './catalog-entry';
import type { Period } from './period';

/**
 * The service figures of PRODUCT.md §3 "Service and experience", from the case measures the
 * service_case triggers keep per 15-minute bucket (migration 2026_11_22_2500).
 */

/** Before any case: the sums "up to the period's end" start here. */
const ORIGIN = new Date('1970-01-01T00:00:00Z');

/** The time-to-resolution bins: 1 h up to 48 h, then 1 day, the last from 365 days on. */
export const TTR_BINS: readonly number[] = [
	...Array.from({ length: 48 }, (_, h) => h),
	...Array.from({ length: 364 }, (_, d) => (d + 2) * 24)
];

function binOf(lowerHours: number): { from: number; to: number | null; resolution: string } {
	if (lowerHours < 48) return { from: lowerHours, to: lowerHours + 1, resolution: '1 hour' };
	if (lowerHours >= 365 * 24) return { from: lowerHours, to: null, resolution: '1 day' };
	return { from: lowerHours, to: lowerHours + 24, resolution: '1 day' };
}

const NO_RESOLVED = 'No case was resolved in this period.';

async function openAndAged(db: Kysely<DB>, end: Date) {
	const { values, latestAt } = await sumMeasures(
		db,
		['cases_opened', 'cases_resolved', 'cases_aged', 'cases_aged_resolved'] as const,
		ORIGIN,
		end
	);
	const get = (m: RollupMeasure) => values.get(m as never) ?? 0;
	return {
		open: get('cases_opened') - get('cases_resolved'),
		aged: get('cases_aged') - get('cases_aged_resolved'),
		latestAt: latestAt && latestAt > end ? end : latestAt
	};
}

export const openCases = defineMetric({
	id: 'open-cases',
	label: 'Open cases',
	definition:
		'Service cases open at the end of the period (today while it runs): opened before it and not resolved by then.',
	unit: 'count',
	better: 'lower',
	minN: 0,
	async compute(db, { period }) {
		const { open, latestAt } = await openAndAged(db, period.end);
		return { value: open, numerator: open, denominator: null, n: open, asOf: latestAt, extra: {} };
	}
});

export const casesUnresolved7d = defineMetric({
	id: 'cases-unresolved-7d',
	label: 'Cases unresolved after 7 days',
	definition:
		'Of the service cases open at the end of the period, the share opened at least 7 × 24 hours before it: the cases that have waited a week or more.',
	unit: 'ratio',
	better: 'lower',
	async compute(db, { period }) {
		const { open, aged, latestAt } = await openAndAged(db, period.end);
		if (open <= 0)
			return { ...emptyFigures('No case is open at the end of this period.'), asOf: latestAt };
		return {
			value: aged / open,
			numerator: aged,
			denominator: open,
			n: open,
			asOf: latestAt,
			extra: { openCases: open }
		};
	}
});

const RESOLVED_MEASURES = [
	'cases_resolved',
	'cases_first_contact',
	'cases_reopened',
	'case_csat_answers',
	'case_csat_satisfied'
] as const;

async function resolvedIn(db: Kysely<DB>, period: Period) {
	const { values, latestAt } = await sumMeasures(db, RESOLVED_MEASURES, period.start, period.end);
	return {
		resolved: values.get('cases_resolved') ?? 0,
		firstContact: values.get('cases_first_contact') ?? 0,
		reopened: values.get('cases_reopened') ?? 0,
		csatAnswers: values.get('case_csat_answers') ?? 0,
		satisfied: values.get('case_csat_satisfied') ?? 0,
		latestAt
	};
}

function resolvedRate(options: {
	id: string;
	label: string;
	definition: string;
	better: 'higher' | 'lower';
	pick: (r: Awaited<ReturnType<typeof resolvedIn>>) => [number, number];
	empty: string;
}): MetricEntry {
	return defineMetric({
		id: options.id,
		label: options.label,
		definition: options.definition,
		unit: 'ratio',
		better: options.better,
		async compute(db, { period }): Promise<MetricFigures> {
			const figures = await resolvedIn(db, period);
			const [numerator, denominator] = options.pick(figures);
			if (denominator <= 0) return { ...emptyFigures(options.empty), asOf: figures.latestAt };
			return {
				value: numerator / denominator,
				numerator,
				denominator,
				n: denominator,
				asOf: figures.latestAt,
				extra: { resolved: figures.resolved }
			};
		}
	});
}

export const firstContactResolutionRate = resolvedRate({
	id: 'first-contact-resolution-rate',
	label: 'First-contact resolution',
	definition:
		'Of the service cases resolved in the period, the share resolved at the first contact: one contact and never reopened.',
	better: 'higher',
	pick: (r) => [r.firstContact, r.resolved],
	empty: NO_RESOLVED
});

export const caseCsat = resolvedRate({
	id: 'case-csat',
	label: 'Case CSAT',
	definition:
		'Of the service cases resolved in the period with a satisfaction answer (1–5), the share answered 4 or 5.',
	better: 'higher',
	pick: (r) => [r.satisfied, r.csatAnswers],
	empty: 'No case resolved in this period has a satisfaction answer.'
});

export const reopenedRate = resolvedRate({
	id: 'reopened-rate',
	label: 'Reopened cases',
	definition: 'Of the service cases resolved in the period, the share that had been reopened.',
	better: 'lower',
	pick: (r) => [r.reopened, r.resolved],
	empty: NO_RESOLVED
});

export const timeToResolution = defineMetric({
	id: 'time-to-resolution',
	label: 'Time to resolution',
	definition:
		'The median time from opening to resolution of the service cases resolved in the period, read from a histogram with bins of 1 hour up to 48 hours and of 1 day beyond: the figure is the middle of the bin holding the median case (for an even count, the lower of the two middle cases), and its resolution is shown with it.',
	unit: 'hours',
	better: 'lower',
	exactness: 'binned',
	async compute(db, { period }) {
		const measures = TTR_BINS.map((h) => `ttr_bin_${h}` as const);
		const { values, latestAt } = await sumMeasures(db, measures, period.start, period.end);
		const counts = TTR_BINS.map((h) => values.get(`ttr_bin_${h}`) ?? 0);
		const { index, total } = medianBin(counts);
		if (total <= 0) return { ...emptyFigures(NO_RESOLVED), asOf: latestAt };
		const bin = binOf(TTR_BINS[index] ?? 0);
		const value = bin.to === null ? bin.from : (bin.from + bin.to) / 2;
		return {
			value,
			numerator: null,
			denominator: null,
			n: total,
			asOf: latestAt,
			extra: {
				binFromHours: bin.from,
				binToHours: bin.to,
				resolution: bin.resolution,
				histogram: TTR_BINS.flatMap((h, i) =>
					counts[i] ? [{ fromHours: h, cases: counts[i] as number }] : []
				)
			}
		};
	}
});

export const SERVICE_METRICS: readonly MetricEntry[] = [
	openCases,
	casesUnresolved7d,
	firstContactResolutionRate,
	timeToResolution,
	caseCsat,
	reopenedRate
];
