import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { RFM_SEGMENTS } from '../models/rfm';
import type { GenerationSpec } from '../rollups/facts';
import { memoized } from '../rollups/read';
import {
	defineMetric,
	emptyFigures,
	type MetricContext,
	type MetricFigures,
	type TableMetricEntry
} from './catalog-entry';

/**
 * PRODUCT.md §3 "High-value churn risk" on the board: each scoring writes one row of
 * `rollup_model_score`; a period shows the latest scoring on or before its last day.
 */

export const NOT_FITTED_REASON =
	'The customer models have not been fitted yet; fit them with "npm run cx -- model fit".';

interface Scoring {
	scoredOn: string;
	scoredAt: Date;
	active: number;
	highValue: number;
	atRisk: number;
	revenueAtRisk: number;
	clvTotal: number;
	segments: Record<string, number>;
}

interface Scorings {
	/** Every scoring, oldest first: one row per scoring day, so a few hundred at most. */
	all: Scoring[];
	/** The reason of the latest finished fit when it failed. */
	failure: string | null;
}

/** The scorings and the latest fit's failure, read once per request (a board asks 26 times). */
function loadScorings(db: Kysely<DB>, facts: GenerationSpec | null): Promise<Scorings> {
	const load = async (): Promise<Scorings> => {
		const [rows, fit] = await Promise.all([
			db.selectFrom('rollup_model_score').selectAll().orderBy('scored_on').execute(),
			db
				.selectFrom('model_fit')
				.select(['status', 'error'])
				.where('status', '<>', 'running')
				.orderBy('fit_id', 'desc')
				.limit(1)
				.executeTakeFirst()
		]);
		return {
			all: rows.map((row) => ({
				scoredOn: row.scored_on,
				scoredAt: row.scored_at,
				active: Number(row.active),
				highValue: Number(row.high_value),
				atRisk: Number(row.at_risk),
				revenueAtRisk: Number(row.revenue_at_risk),
				clvTotal: Number(row.clv_total),
				segments: row.segments
			})),
			failure: fit?.status === 'failed' ? fit.error : null
		};
	};
	return facts ? memoized(facts, 'model-scorings', load) : load();
}

/** The latest scoring on or before `day`, the first scoring day, and the latest failed fit. */
async function scoringOn(db: Kysely<DB>, facts: GenerationSpec | null, day: string) {
	const { all, failure } = await loadScorings(db, facts);
	const scoring = all.findLast((s) => s.scoredOn <= day) ?? null;
	return { scoring, firstScoredOn: all[0]?.scoredOn ?? null, failure };
}

/** The figures of a period from its scoring, or why there are none. */
async function fromScoring(
	db: Kysely<DB>,
	{ period, now, facts }: MetricContext,
	figures: (s: Scoring) => Omit<MetricFigures, 'asOf' | 'extra'> & { extra?: object }
): Promise<MetricFigures> {
	const { scoring, firstScoredOn, failure } = await scoringOn(db, facts, period.to);
	const notes: Record<string, unknown> = failure
		? { failedFit: `The latest fit failed: ${failure}` }
		: {};
	if (!scoring) {
		return emptyFigures(
			firstScoredOn
				? `The customers were first scored on ${firstScoredOn}, after this period.`
				: NOT_FITTED_REASON,
			{ ...notes, notFitted: firstScoredOn === null }
		);
	}
	const { extra, ...rest } = figures(scoring);
	return {
		...rest,
		asOf: scoring.scoredAt > now ? now : scoring.scoredAt,
		extra: { ...notes, ...extra, scoredOn: scoring.scoredOn }
	};
}

export const highValueAtRisk = defineMetric({
	id: 'high-value-at-risk',
	label: 'High-value customers at risk',
	definition:
		'Active customers of high value (net revenue in the last 365 days above zero and at least that of the customer at the top fifth) who are at risk: a probability of still being active (BG/NBD) under 50%, RFM segment "At risk" or "Can\'t lose them", or a single purchase day longer ago than 80% of second purchases take. As of the latest scoring on or before the period\'s last day.',
	unit: 'count',
	better: 'lower',
	minN: 0,
	compute: (db, context) =>
		fromScoring(db, context, (s) => ({
			value: s.atRisk,
			numerator: s.atRisk,
			denominator: s.highValue,
			n: s.highValue,
			extra: { highValue: s.highValue, activeCustomers: s.active }
		}))
});

export const revenueAtRisk = defineMetric({
	id: 'revenue-at-risk',
	label: 'High-value revenue at risk',
	definition:
		'The net revenue in the last 365 days of the high-value customers at risk (see "High-value customers at risk"), in the reporting currency. As of the latest scoring on or before the period\'s last day.',
	unit: 'currency',
	better: 'lower',
	minN: 0,
	compute: (db, context) =>
		fromScoring(db, context, (s) => ({
			value: s.revenueAtRisk,
			numerator: s.revenueAtRisk,
			denominator: null,
			n: s.atRisk,
			extra: { atRisk: s.atRisk }
		}))
});

export const averageClv = defineMetric({
	id: 'average-clv',
	label: 'Average CLV',
	definition:
		'The mean customer lifetime value over active customers: for each, the expected purchases of the next 12 months (BG/NBD) times the expected order value (Gamma-Gamma), each month discounted at the annual discount rate and multiplied by the margin ("revenue CLV" while the margin is 100%). As of the latest scoring on or before the period\'s last day.',
	unit: 'currency',
	better: 'higher',
	compute: (db, context) =>
		fromScoring(db, context, (s) => ({
			value: s.active > 0 ? s.clvTotal / s.active : null,
			numerator: s.clvTotal,
			denominator: s.active,
			n: s.active,
			extra: { margin: context.settings.margin, revenueClv: context.settings.margin === 1 }
		}))
});

export const rfmSegments: TableMetricEntry = {
	id: 'rfm-segments',
	label: 'RFM segments',
	definition:
		"Active customers by RFM segment: R scores recency (days since the last purchase) and M net revenue in 365 days, each 1–5 by percent rank; F scores purchase days in 365 days by fixed breakpoints (1 / 2 / 3 / 4–5 / 6 or more). The segment follows from R and F. As of the latest scoring on or before the period's last day.",
	async compute(db, { period, facts }) {
		const { scoring, firstScoredOn } = await scoringOn(db, facts, period.to);
		const columns = ['segment', 'r', 'f', 'customers', 'share'];
		if (!scoring) {
			return {
				asOf: null,
				columns,
				rows: [],
				extra: {
					reason: firstScoredOn
						? `The customers were first scored on ${firstScoredOn}, after this period.`
						: NOT_FITTED_REASON
				}
			};
		}
		const range = ([low, high]: readonly [number, number]) =>
			low === high ? `${low}` : `${low}–${high}`;
		return {
			asOf: scoring.scoredAt,
			columns,
			rows: RFM_SEGMENTS.map((segment) => {
				const customers = scoring.segments[segment.name] ?? 0;
				return {
					segment: segment.name,
					r: range(segment.r),
					f: range(segment.f),
					customers,
					share: scoring.active > 0 ? customers / scoring.active : null
				};
			}),
			extra: { scoredOn: scoring.scoredOn, activeCustomers: scoring.active }
		};
	}
};
