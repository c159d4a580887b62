import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { GenerationSpec } from '../rollups/facts';
import type { JourneyStage, JourneyTransition } from '../rollups/journey';
import { latestAt, memoized } from '../rollups/read';
import {
	COMPUTING_REASON,
	type MetricContext,
	type TableFigures,
	type TableMetricEntry
} from './catalog-entry';
import { knownFirstPurchaseFrom, NO_ORDERS_REASON } from './history';
import { addDays, type LocalDate } from './period';

/**
 * PRODUCT.md §3 "Journey": the funnel by stage and the flow between stages over a period, from
 * the journey facts (`rollup_journey_edge`, `rollup_journey_time`, `rc_journey_stage`). The state
 * at the start is the one on the day before the period's first day, at the end the one on its
 * last day (today while it is under way).
 */

const STAGES: readonly { key: JourneyStage; label: string }[] = [
	{ key: 'prospect', label: 'Prospect' },
	{ key: 'first', label: 'First purchase' },
	{ key: 'repeat', label: 'Repeat' },
	{ key: 'loyal', label: 'Loyal' },
	{ key: 'advocate', label: 'Advocate' },
	{ key: 'lapsed', label: 'Lapsed' },
	{ key: 'unknown', label: 'History unknown' }
];

/** The flow's stage for customers not yet known at the start. */
const NOT_YET_KNOWN = 'Not yet known';

/** The funnel's order: a conversion is a move to a later stage of it. */
const FUNNEL_ORDER: Partial<Record<JourneyStage, number>> = {
	prospect: 0,
	first: 1,
	repeat: 2,
	loyal: 3,
	advocate: 4
};

/** The transition timed into each stage (from the stage before it in the funnel). */
const TIMED: Partial<Record<JourneyStage, JourneyTransition>> = {
	first: 'first',
	repeat: 'repeat',
	loyal: 'loyal',
	advocate: 'advocate'
};

const STAGE_WORDS =
	'A customer’s stage on a day is the first that applies: Lapsed (bought before, but not within the activity window up to the day); Advocate (Loyal, their latest NPS answer in the 365 days up to the day is 9 or 10, and a referral or review in those 365 days); Loyal (active, bought on at least 3 days in the 365 days up to the day and their latest NPS answer in them, if any, is 7 or more); Repeat (active, bought on 2 or more days so far); First purchase (active, bought on exactly one day so far); Prospect (created, no purchase yet). A first purchase the source gave that is earlier than every imported order counts as a purchase day. Repeat and First purchase count only customers whose first purchase is known (the source gave it, or it is at least 365 days after the history start); other active customers are shown as History unknown, so that the stages add up to every customer known on the day — known from the day they were created or first bought, whichever is earlier; merged records count as the customer they were merged into. Days are local dates in the organization’s time zone. A changed history start applies at the next full rebuild (cx refresh --full).';

export const journeyFunnel: TableMetricEntry = {
	id: 'journey-funnel',
	label: 'Journey funnel',
	definition: `${STAGE_WORDS} For each stage: the customers in it on the period’s last day (today while the period is under way) and their share of all customers known then; the customers in it on the day before the period; and the conversion: of those in Prospect, First purchase, Repeat or Loyal on the day before the period, the share in a later stage of that order (Prospect, First purchase, Repeat, Loyal, Advocate) on the last day. Median days from the previous stage, over customers whose first purchase is known and who entered the stage in the period, with their number (for an even number, the lower of the two middle values): from created to the first purchase (only when created on or before it), from the first to the second purchase day, from the second purchase day to the first day loyal, and from the first day loyal to the first day as an advocate.`,
	async compute(db, context) {
		const ready = check(context);
		if ('reason' in ready) return emptyTable(ready.reason);
		const { facts, startDay, endDay } = ready;
		const [atStart, atEnd, flow, times, asOf] = await Promise.all([
			stagesOn(db, facts, startDay),
			stagesOn(db, facts, endDay),
			flowBetween(db, facts, startDay, endDay),
			transitionTimes(db, facts, context.period.from, endDay),
			latestOf(db, facts, context.period.end)
		]);
		const total = [...atEnd.values()].reduce((a, b) => a + b, 0);
		const rows = STAGES.map(({ key, label }) => {
			const customers = atEnd.get(key) ?? 0;
			const before = atStart.get(key) ?? 0;
			const rank = FUNNEL_ORDER[key];
			const converts = rank !== undefined && key !== 'advocate';
			// The numerator from the same per-customer spells as its denominator.
			const converted = converts
				? flow
						.filter((f) => f.from === key && (FUNNEL_ORDER[f.to as JourneyStage] ?? -1) > rank)
						.reduce((sum, f) => sum + f.customers, 0)
				: null;
			const transition = TIMED[key];
			const time = transition ? times.get(transition) : undefined;
			return {
				stage: label,
				key,
				customers,
				share: total > 0 ? customers / total : null,
				atStart: before,
				converted,
				conversion: converted !== null && before > 0 ? converted / before : null,
				medianDaysFromPrevious: time?.median ?? null,
				n: transition ? (time?.n ?? 0) : null
			};
		});
		return {
			asOf,
			columns: [
				'stage',
				'customers',
				'share',
				'atStart',
				'converted',
				'conversion',
				'medianDaysFromPrevious',
				'n'
			],
			rows,
			extra: extraOf(ready, total)
		};
	}
};

export const journeyFlow: TableMetricEntry = {
	id: 'journey-flow',
	label: 'Journey flow',
	definition: `${STAGE_WORDS} The flow: for every pair of a stage on the day before the period and a stage on its last day (today while the period is under way), the customers who were in the first and are in the second — the links of a Sankey diagram. Customers not yet known on the day before the period come from Not yet known.`,
	async compute(db, context) {
		const ready = check(context);
		if ('reason' in ready) return emptyTable(ready.reason);
		const { facts, startDay, endDay } = ready;
		const [flow, asOf] = await Promise.all([
			flowBetween(db, facts, startDay, endDay),
			latestOf(db, facts, context.period.end)
		]);
		const labelOf = (stage: JourneyStage | null) =>
			stage === null ? NOT_YET_KNOWN : (STAGES.find((s) => s.key === stage)?.label ?? stage);
		const position = (stage: JourneyStage | null) =>
			stage === null ? -1 : STAGES.findIndex((s) => s.key === stage);
		const rows = [...flow]
			.sort((a, b) => position(a.from) - position(b.from) || position(a.to) - position(b.to))
			.map((f) => ({ from: labelOf(f.from), to: labelOf(f.to), customers: f.customers }));
		const total = flow.reduce((sum, f) => sum + f.customers, 0);
		return {
			asOf,
			columns: ['from', 'to', 'customers'],
			rows,
			extra: extraOf(ready, total)
		};
	}
};

interface Ready {
	facts: GenerationSpec;
	historyStart: LocalDate;
	/** The day before the period's first day. */
	startDay: LocalDate;
	/** The period's last day (today while under way). */
	endDay: LocalDate;
}

function check({ period, historyStart, facts }: MetricContext): Ready | { reason: string } {
	if (!historyStart) return { reason: NO_ORDERS_REASON };
	if (period.to < historyStart) {
		return {
			reason: `This period ends before the history start (${historyStart}), so there is no data for it.`
		};
	}
	if (!facts) return { reason: COMPUTING_REASON };
	return { facts, historyStart, startDay: addDays(period.from, -1), endDay: period.to };
}

function extraOf(
	{ facts, historyStart, startDay, endDay }: Ready,
	total: number
): Record<string, unknown> {
	return {
		startDay,
		endDay,
		customers: total,
		firstPurchaseKnownFrom: knownFirstPurchaseFrom(historyStart),
		// Whether a customer is active or lapsed on the start day rests on the activity window
		// before it.
		...(addDays(startDay, -(facts.activityWindowDays - 1)) < historyStart
			? { historyIncomplete: true }
			: {}),
		...(total === 0 ? { reason: 'No customer was known on the period’s last day.' } : {})
	};
}

function emptyTable(reason: string): TableFigures {
	return { asOf: null, columns: [], rows: [], extra: { reason } };
}

/** The newest order or survey answer the stages rest on. */
async function latestOf(db: Kysely<DB>, facts: GenerationSpec, end: Date): Promise<Date | null> {
	const times = await Promise.all([
		latestAt(db, 'order_rows', end, facts),
		latestAt(db, 'survey_answers', end, facts)
	]);
	const known = times.filter((t): t is Date => t !== null);
	return known.length === 0 ? null : new Date(Math.max(...known.map((t) => t.getTime())));
}

/**
 * Customers per stage on a local date: the stage edges (entering less leaving) up to it, read once
 * per request — at most a row per day and stage of history.
 */
async function stagesOn(
	db: Kysely<DB>,
	facts: GenerationSpec,
	day: LocalDate
): Promise<Map<JourneyStage, number>> {
	const edges = await memoized(facts, 'journey edges', async () => {
		const result = await sql<{ day: string; stage: JourneyStage; customers: string }>`
			select day::text as day, stage, customers::text as customers
			from rollup_journey_edge
			where generation = ${facts.generation}::int and customers <> 0
			order by day
		`.execute(db);
		return result.rows.map((row) => ({
			day: row.day,
			stage: row.stage,
			customers: Number(row.customers)
		}));
	});
	const counts = new Map<JourneyStage, number>();
	for (const edge of edges) {
		if (edge.day > day) break;
		counts.set(edge.stage, (counts.get(edge.stage) ?? 0) + edge.customers);
	}
	return counts;
}

interface FlowPair {
	/** null: not yet known on the start day. */
	from: JourneyStage | null;
	to: JourneyStage;
	customers: number;
}

/**
 * Customers per (stage on `startDay`, stage on `endDay`). Unlike the other journey reads this one
 * aggregates the per-customer stage spells covering the two days (one row per known customer), as
 * who moved where cannot be told from per-day counts; it is read once per request.
 */
function flowBetween(
	db: Kysely<DB>,
	facts: GenerationSpec,
	startDay: LocalDate,
	endDay: LocalDate
): Promise<FlowPair[]> {
	return memoized(facts, `journey flow ${startDay} ${endDay}`, async () => {
		const g = facts.generation;
		const result = await sql<{
			from_stage: JourneyStage | null;
			to_stage: JourneyStage;
			n: string;
		}>`
			select s.stage as from_stage, e.stage as to_stage, count(*)::text as n
			from rc_journey_stage e
			left join rc_journey_stage s on s.generation = e.generation
				and s.customer_id = e.customer_id
				and s.start_day <= ${startDay}::date and (s.end_day is null or s.end_day > ${startDay}::date)
			where e.generation = ${g}::int and e.start_day <= ${endDay}::date
				and (e.end_day is null or e.end_day > ${endDay}::date)
			group by 1, 2
		`.execute(db);
		return result.rows.map((row) => ({
			from: row.from_stage,
			to: row.to_stage,
			customers: Number(row.n)
		}));
	});
}

/**
 * The exact median (the lower middle value for an even count) of the whole days each transition
 * took, over the customers who made it on a day in [from, to], and their number.
 */
async function transitionTimes(
	db: Kysely<DB>,
	facts: GenerationSpec,
	from: LocalDate,
	to: LocalDate
): Promise<Map<JourneyTransition, { median: number | null; n: number }>> {
	const result = await sql<{ transition: JourneyTransition; days: number; customers: string }>`
		select transition, days, sum(customers)::text as customers
		from rollup_journey_time
		where generation = ${facts.generation}::int
			and entered_day >= ${from}::date and entered_day <= ${to}::date
		group by transition, days
		having sum(customers) <> 0
		order by transition, days
	`.execute(db);
	const histograms = new Map<JourneyTransition, { days: number; customers: number }[]>();
	for (const row of result.rows) {
		const list = histograms.get(row.transition) ?? [];
		list.push({ days: Number(row.days), customers: Number(row.customers) });
		histograms.set(row.transition, list);
	}
	const times = new Map<JourneyTransition, { median: number | null; n: number }>();
	for (const [transition, bins] of histograms) {
		const n = bins.reduce((sum, b) => sum + b.customers, 0);
		const rank = Math.ceil(n / 2);
		let seen = 0;
		let median: number | null = null;
		for (const bin of bins) {
			seen += bin.customers;
			if (seen >= rank) {
				median = bin.days;
				break;
			}
		}
		times.set(transition, { median: n > 0 ? median : null, n });
	}
	return times;
}
