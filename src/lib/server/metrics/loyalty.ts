import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { answersOfPeriod, latestAt, type AnswerCounts } from '../rollups/read';
import {
	defineMetric,
	emptyFigures,
	type MetricContext,
	type MetricEntry,
	type MetricFigures
} from './catalog-entry';
import { addDays, startOfLocalDay } from './period';

/**
 * CSAT and effort (PRODUCT.md §3 "Loyalty"): over each customer's latest non-empty answer to the
 * question in the period, as NPS. Whole months, fiscal quarters and fiscal years come from the
 * rollups; a custom range or a comparison cut at the clock time from the answers themselves.
 */

type Question = 'csat' | 'effort';

/** Whether the period is one the answer rollups hold (and the facts are for its settings). */
function wholePeriod({ period, settings, facts }: MetricContext): boolean {
	return (
		facts !== null &&
		period.kind !== 'custom' &&
		facts.timeZone === settings.timeZone &&
		facts.fiscalYearStartMonth === settings.fiscalYearStartMonth &&
		(period.partial ||
			period.end.getTime() ===
				startOfLocalDay(addDays(period.nominalTo, 1), settings.timeZone).getTime())
	);
}

async function answersIn(
	db: Kysely<DB>,
	context: MetricContext,
	question: Question
): Promise<{ counts: AnswerCounts | null; asOf: Date | null }> {
	const { period, facts } = context;
	if (facts && period.kind !== 'custom' && wholePeriod(context)) {
		const counts = await answersOfPeriod(db, facts, question, period.kind, period.from);
		return { counts, asOf: await latestAt(db, 'survey_answers', period.end, facts) };
	}
	const result = await sql<{
		answered: number;
		satisfied: number;
		score_sum: number | null;
		as_of: Date | null;
	}>`
		with latest as (
			select distinct on (customer_id) customer_id, ${sql.ref(question)} as score, responded_at
			from survey_response
			where ${sql.ref(question)} is not null
				and responded_at >= ${period.start} and responded_at < ${period.end}
			order by customer_id, responded_at desc, response_id desc
		)
		select count(*)::int as answered, count(*) filter (where score >= 4)::int as satisfied,
			sum(score)::int as score_sum, max(responded_at) as as_of
		from latest
	`.execute(db);
	const row = result.rows[0];
	if (!row || Number(row.answered) === 0) return { counts: null, asOf: null };
	return {
		counts: {
			answered: Number(row.answered),
			satisfied: Number(row.satisfied),
			scoreSum: Number(row.score_sum ?? 0)
		},
		asOf: row.as_of ? new Date(row.as_of) : null
	};
}

export const csat = defineMetric({
	id: 'csat',
	label: 'CSAT',
	definition:
		'Customer satisfaction: the share of customers who answered 4 or 5 on the 1–5 satisfaction question in the period, each customer counting once with their latest answer.',
	unit: 'ratio',
	better: 'higher',
	async compute(db, context): Promise<MetricFigures> {
		const { counts, asOf } = await answersIn(db, context, 'csat');
		if (!counts) return emptyFigures(noAnswers('CSAT', '1–5'));
		return {
			value: counts.satisfied / counts.answered,
			numerator: counts.satisfied,
			denominator: counts.answered,
			n: counts.answered,
			asOf,
			extra: {}
		};
	}
});

export const effortScore = defineMetric({
	id: 'effort-score',
	label: 'Effort score',
	definition:
		'Customer effort: the mean answer on the 1–7 "how easy was it" question in the period (7 = very easy), each customer counting once with their latest answer.',
	unit: 'score',
	better: 'higher',
	tolerance: 0.2,
	async compute(db, context): Promise<MetricFigures> {
		const { counts, asOf } = await answersIn(db, context, 'effort');
		if (!counts) return emptyFigures(noAnswers('effort', '1–7'));
		return {
			value: counts.scoreSum / counts.answered,
			numerator: counts.scoreSum,
			denominator: counts.answered,
			n: counts.answered,
			asOf,
			extra: { scoreSum: counts.scoreSum }
		};
	}
});

function noAnswers(question: string, scale: string): string {
	return `No ${question} answers in this period; the figure appears once survey responses with a ${question} answer (${scale}) come in.`;
}

export const LOYALTY_METRICS: readonly MetricEntry[] = [csat, effortScore];
