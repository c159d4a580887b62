import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { localDateOf, type LocalDate } from '../metrics/period';
import type { BgnbdParameters } from '../models/bgnbd';
import type { GammaGammaParameters } from '../models/gamma-gamma';
import { liveGeneration } from '../rollups/refresh';
import { getSettings } from '../settings';
import { insertScores, SCORE_LOCK, writeBoardFigures, type StoredBasis } from './customer-models';
import { readCustomerInputs } from './inputs';
import {
	countScore,
	emptySummary,
	scoreOnBasis,
	type ScoreSummary,
	type SpendFallback
} from './score';

/**
 * Between fits, the customers touched by new data are rescored as of today with the current
 * fit's parameters and on its basis (the R and M boundaries, the high-value threshold, … of the
 * whole scoring), so a high-value customer who buys again leaves the at-risk list within minutes,
 * not at the next fit. The cost follows the customers touched: each step claims a slice of
 * `score_queue`, rescores those customers, and moves the day's board figures by the difference
 * between their old and new scores. Customers not touched keep the scores of the fit, which the
 * daily fit brings up to date (time passing lowers P(alive) for everyone).
 *
 * Nothing is rescored while a fit runs (it will score everyone anyway), on a fit from before
 * bases were kept, or on facts of another generation (a new time zone or activity window: a refit
 * is due) — the queue then waits for the fit, which clears what it read.
 */

export interface RescoreReport {
	/** Customers rescored, and those whose scores went (no purchase left as of today). */
	rescored: number;
	removed: number;
	/** Why nothing was rescored although customers wait, in one sentence. */
	waiting: string | null;
}

const STEP = 2_000;

interface CurrentFit {
	fitId: number;
	parameters: {
		bgnbd: BgnbdParameters;
		gammaGamma: GammaGammaParameters | null;
		spendFallback?: SpendFallback | null;
	};
	basis: StoredBasis | null;
}

/** Rescores every queued customer, a slice per short transaction. */
export async function rescoreQueued(
	db: Kysely<DB>,
	options: { now?: Date; step?: number } = {}
): Promise<RescoreReport> {
	const report: RescoreReport = { rescored: 0, removed: 0, waiting: null };
	for (;;) {
		const step = await rescoreStep(db, options.now ?? new Date(), options.step ?? STEP);
		if ('waiting' in step) {
			report.waiting = step.waiting;
			return report;
		}
		if (step.claimed === 0) return report;
		report.rescored += step.rescored;
		report.removed += step.removed;
		await new Promise((resolve) => setImmediate(resolve));
	}
}

async function rescoreStep(
	db: Kysely<DB>,
	now: Date,
	limit: number
): Promise<{ claimed: number; rescored: number; removed: number } | { waiting: string | null }> {
	const settings = await getSettings(db);
	const facts = await liveGeneration(db);
	const today: LocalDate = localDateOf(now, settings.timeZone);
	return db.transaction().execute(async (trx) => {
		await sql`select pg_advisory_xact_lock(${SCORE_LOCK}::bigint)`.execute(trx);
		const queued = await trx.selectFrom('score_queue').select('seq').limit(1).execute();
		if (queued.length === 0) return { claimed: 0, rescored: 0, removed: 0 };
		const fit = await currentFit(trx);
		const running = await trx
			.selectFrom('model_fit')
			.select('fit_id')
			.where('status', '=', 'running')
			.where('fit_id', '>', fit?.fitId ?? 0)
			.executeTakeFirst();
		if (!fit) return { waiting: 'No fit of the customer models exists yet.' };
		if (running) return { waiting: 'A fit is under way; it scores every customer.' };
		if (!fit.basis || !facts || fit.basis.generation !== facts.generation) {
			return { waiting: 'The facts changed since the last fit; the next fit scores everyone.' };
		}
		const claimed = await sql<{ customer_id: string }>`
			delete from score_queue
			where customer_id in (select customer_id from score_queue order by seq limit ${limit}::int)
			returning customer_id
		`.execute(trx);
		const ids = claimed.rows.map((row) => Number(row.customer_id));
		const inputs = await readCustomerInputs(trx, facts, today, null, ids);
		const before = await trx
			.selectFrom('customer_score')
			.select(['customer_id', 'active', 'high_value', 'at_risk', 'clv', 'net_revenue_365'])
			.select('segment')
			.where('fit_id', '=', fit.fitId)
			.where('customer_id', 'in', ids.length > 0 ? ids : [-1])
			.execute();
		const { scores } = scoreOnBasis(inputs, fit.parameters, fit.basis);
		// the day's figures move by (new − old) of the customers rescored
		const delta = emptySummary(fit.basis);
		for (const row of before) {
			countScore(
				delta,
				{
					active: row.active,
					highValue: row.high_value,
					atRisk: row.at_risk,
					clv: Number(row.clv),
					netRevenue365: Number(row.net_revenue_365),
					segment: row.segment
				},
				-1
			);
		}
		for (const score of scores) countScore(delta, score);
		const kept = new Set(inputs.map((input) => input.customerId));
		const gone = before.map((row) => Number(row.customer_id)).filter((id) => !kept.has(id));
		if (gone.length > 0) {
			await trx
				.deleteFrom('customer_score')
				.where('fit_id', '=', fit.fitId)
				.where('customer_id', 'in', gone)
				.execute();
		}
		if (inputs.length > 0) await insertScores(trx, fit.fitId, today, inputs, scores);
		const figures = await trx
			.selectFrom('rollup_model_score')
			.selectAll()
			.where('fit_id', '=', fit.fitId)
			.orderBy('scored_on', 'desc')
			.limit(1)
			.executeTakeFirstOrThrow();
		await writeBoardFigures(trx, today, fit.fitId, added(figures, delta));
		return { claimed: ids.length, rescored: inputs.length, removed: gone.length };
	});
}

/** A day's figures moved by a difference. */
function added(
	figures: {
		scored: number;
		active: number;
		high_value: number;
		at_risk: number;
		revenue_at_risk: string;
		clv_total: string;
		segments: Record<string, number>;
	},
	delta: ScoreSummary
) {
	const segments = { ...figures.segments };
	for (const [name, change] of Object.entries(delta.segments)) {
		segments[name] = (segments[name] ?? 0) + change;
		if (segments[name] === 0) delete segments[name];
	}
	return {
		scored: figures.scored + delta.scored,
		active: figures.active + delta.active,
		highValue: figures.high_value + delta.highValue,
		atRisk: figures.at_risk + delta.atRisk,
		revenueAtRisk: Number(figures.revenue_at_risk) + delta.revenueAtRisk,
		clvTotal: Number(figures.clv_total) + delta.clvTotal,
		segments
	};
}

async function currentFit(db: Kysely<DB>): Promise<CurrentFit | null> {
	const row = await db
		.selectFrom('model_fit')
		.select(['fit_id', 'parameters', 'basis'])
		.where('status', '=', 'succeeded')
		.orderBy('fit_id', 'desc')
		.limit(1)
		.executeTakeFirst();
	if (!row?.parameters) return null;
	return {
		fitId: Number(row.fit_id),
		parameters: row.parameters as unknown as CurrentFit['parameters'],
		basis: (row.basis as unknown as StoredBasis | null) ?? null
	};
}
