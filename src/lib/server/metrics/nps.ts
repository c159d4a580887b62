import { sql } from 'kysely';
import { defineMetric, emptyFigures, type MetricFigures } from './catalog-entry';
import { addDays, startOfLocalDay } from './period';
import { latestAt, npsOfPeriod } from '../rollups/read';

interface NpsRow {
	promoters: number;
	passives: number;
	detractors: number;
	answered: number;
	as_of: Date | null;
}

/** 100 × (promoters − detractors) / answered, rounded half away from zero, in integer arithmetic. */
export function roundNps(promoters: number, detractors: number, answered: number): number {
	const net = promoters - detractors;
	const magnitude = Math.floor((200 * Math.abs(net) + answered) / (2 * answered));
	return net < 0 ? -magnitude : magnitude;
}

export const nps = defineMetric({
	id: 'nps',
	label: 'NPS',
	definition:
		'Net Promoter Score: the share of promoters (9–10) minus the share of detractors (0–6) among customers who answered "How likely are you to recommend us?" in the period, from −100 to +100. Each customer counts once, with their latest answer in the period.',
	unit: 'index',
	better: 'higher',
	async compute(db, { period, settings, facts }) {
		// Whole months, fiscal quarters and fiscal years (and the one running, up to now) come from
		// the rollups; a custom range, or a comparison cut at the clock time, from the answers.
		const whole =
			period.kind !== 'custom' &&
			(period.partial ||
				period.end.getTime() ===
					startOfLocalDay(addDays(period.nominalTo, 1), settings.timeZone).getTime());
		if (
			facts &&
			whole &&
			period.kind !== 'custom' &&
			facts.timeZone === settings.timeZone &&
			facts.fiscalYearStartMonth === settings.fiscalYearStartMonth
		) {
			const counts = await npsOfPeriod(db, facts, period.kind, period.from);
			if (!counts) return emptyFigures(NO_ANSWERS);
			return figuresOf(
				counts.promoters,
				counts.passives,
				counts.detractors,
				await latestAt(db, 'survey_answers', period.end, facts)
			);
		}
		const result = await sql<NpsRow>`
			with latest as (
				select distinct on (customer_id) customer_id, nps, responded_at
				from survey_response
				where nps is not null
					and responded_at >= ${period.start} and responded_at < ${period.end}
				order by customer_id, responded_at desc, response_id desc
			)
			select
				count(*) filter (where nps >= 9)::int as promoters,
				count(*) filter (where nps between 7 and 8)::int as passives,
				count(*) filter (where nps <= 6)::int as detractors,
				count(*)::int as answered,
				max(responded_at) as as_of
			from latest
		`.execute(db);
		const row = result.rows[0];
		if (!row || Number(row.answered ?? 0) === 0) return emptyFigures(NO_ANSWERS);
		return figuresOf(
			Number(row.promoters),
			Number(row.passives),
			Number(row.detractors),
			row.as_of ? new Date(row.as_of) : null
		);
	}
});

const NO_ANSWERS =
	'No NPS answers in this period; the score appears once survey responses with an nps answer (0–10) come in.';

function figuresOf(
	promoters: number,
	passives: number,
	detractors: number,
	asOf: Date | null
): MetricFigures {
	const answered = promoters + passives + detractors;
	return {
		value: roundNps(promoters, detractors, answered),
		exactValue: (100 * (promoters - detractors)) / answered,
		numerator: null,
		denominator: answered,
		n: answered,
		asOf,
		extra: { promoters, passives, detractors, responses: answered }
	};
}
