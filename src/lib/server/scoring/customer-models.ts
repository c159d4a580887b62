import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { EXIT, UserError } from '../errors';
import { findHistoryStart, knownFirstPurchaseFrom } from '../metrics/history';
import { localDateOf, type LocalDate } from '../metrics/period';
import { fitBgnbd, groupSummaries, type BgnbdFit } from '../models/bgnbd';
import {
	fitGammaGamma,
	populationMeanValue,
	type GammaGammaFit,
	type SpendRow
} from '../models/gamma-gamma';
import { liveGeneration } from '../rollups/refresh';
import { getSettings } from '../settings';
import { findNegativeOrder, readCustomerInputs, type CustomerInput } from './inputs';
import {
	scoreCustomers,
	type CustomerScore,
	type ScoreSummary,
	type ScoringBasis,
	type SpendFallback
} from './score';

/**
 * Fitting and scoring (issue 6): BG/NBD and Gamma-Gamma are fitted on the purchase days up to a
 * local date D of the customers whose first purchase is known; every purchasing customer is then
 * scored as of D, and the board figures are written to `rollup_model_score`. A failed fit is
 * recorded with its reason and leaves the previous scores in place.
 */

export interface FitOutcome {
	fitId: number;
	until: LocalDate;
	bgnbd: BgnbdFit;
	/** null when the spend model was not fitted: `spendFallback` says why and what CLV uses. */
	gammaGamma: GammaGammaFit | null;
	spendFallback: SpendFallback | null;
	summary: ScoreSummary;
	/** Milliseconds spent reading the inputs, fitting, scoring and writing the scores. */
	timings: { read: number; fit: number; score: number; write: number };
}

const WEEK = 7;
const WRITE_CHUNK = 5_000;

/** Fits the models on the data up to `until` (default: today, local) and scores as of it. */
export async function fitCustomerModels(
	db: Kysely<DB>,
	options: { until?: LocalDate; now?: Date } = {}
): Promise<FitOutcome> {
	const settings = await getSettings(db);
	const facts = await liveGeneration(db);
	if (!facts) {
		throw new UserError(
			'The rollups have not been built yet; run "npm run cx -- refresh" and fit again.'
		);
	}
	const today = localDateOf(options.now ?? new Date(), settings.timeZone);
	const until = options.until ?? today;
	if (until > today) {
		throw new UserError(
			`--until ${until} is after today (${today}); the models can only be fitted on data up to today.`,
			EXIT.usage
		);
	}
	const fitId = await startFit(db, until, options.now ?? new Date());
	// the customers queued for rescoring until now are read below: this scoring covers them
	const queuedUpTo = await lastQueued(db);
	let inputs: CustomerInput[];
	let bgnbd: BgnbdFit;
	let gammaGamma: GammaGammaFit | null;
	let spendFallback: SpendFallback | null = null;
	const timings = { read: 0, fit: 0, score: 0, write: 0 };
	let mark = performance.now();
	const lap = (phase: keyof typeof timings) => {
		const now = performance.now();
		timings[phase] = now - mark;
		mark = now;
	};
	try {
		const negative = await findNegativeOrder(db);
		if (negative) {
			throw new Error(
				`An order from source "${negative.source}" has a negative amount, and refunds are not purchases; import such rows as refunds and fit again.`
			);
		}
		const historyStart = await findHistoryStart(db, settings);
		const knownFrom = historyStart ? knownFirstPurchaseFrom(historyStart) : null;
		inputs = await readCustomerInputs(db, facts, until, knownFrom);
		// read in slices: facts rebuilt meanwhile (a new time zone) would have mixed two sets
		if ((await liveGeneration(db))?.generation !== facts.generation) {
			throw new Error(
				'The facts were rebuilt while the fit read them (a settings change); the next fit uses the new ones.'
			);
		}
		lap('read');
		const known = inputs.filter((c) => c.known);
		bgnbd = fitBgnbd(
			groupSummaries(known.map((c) => ({ x: c.x, t_x: c.lastDays / WEEK, T: c.ageDays / WEEK })))
		);
		// every known customer is given: those without repeat spend are counted as left out
		const spend = known.map((c) => ({ x: c.x, m: c.meanRepeatValue }));
		try {
			gammaGamma = fitGammaGamma(spend);
			if (!Number.isFinite(populationMeanValue(gammaGamma))) {
				throw new Error(
					`The Gamma-Gamma model found no finite mean order value (q = ${gammaGamma.q.toFixed(2)} is not above 1).`
				);
			}
		} catch (error) {
			// no refusal (PRODUCT.md: only too few BG/NBD customers or a negative order refuse)
			gammaGamma = null;
			spendFallback = averageRepeatValue(spend, error instanceof Error ? error.message : '');
		}
		lap('fit');
	} catch (error) {
		const reason = error instanceof Error ? error.message : String(error);
		await db
			.updateTable('model_fit')
			.set({ status: 'failed', finished_at: new Date(), error: reason })
			.where('fit_id', '=', fitId)
			.execute();
		throw new UserError(`The models were not fitted: ${reason}`);
	}
	try {
		const { scores, summary, basis } = scoreCustomers(
			inputs,
			{ bgnbd, gammaGamma, spendFallback },
			{
				discountRate: settings.discountRate,
				margin: settings.margin,
				fBreakpoints: settings.rfmFrequencyBreakpoints
			}
		);
		lap('score');
		await writeScores(db, fitId, until, inputs, scores, summary, {
			parameters: { bgnbd, gammaGamma, spendFallback },
			basis: { ...basis, generation: facts.generation },
			queuedUpTo
		});
		lap('write');
		return { fitId, until, bgnbd, gammaGamma, spendFallback, summary, timings };
	} catch (error) {
		// what this fit wrote goes; the previous fit's scores stay the current ones
		const reason = error instanceof Error ? error.message : String(error);
		await db.deleteFrom('customer_score').where('fit_id', '=', fitId).execute();
		await db
			.updateTable('model_fit')
			.set({ status: 'failed', finished_at: new Date(), error: `Scoring failed: ${reason}` })
			.where('fit_id', '=', fitId)
			.execute();
		throw error;
	}
}

/** A fit's parameters as stored (`model_fit.parameters`). */
export interface StoredParameters {
	bgnbd: BgnbdFit;
	gammaGamma: GammaGammaFit | null;
	spendFallback?: SpendFallback | null;
}

/** The mean of the repeat buyers' mean repeat values (0 without one), when Gamma-Gamma is not fitted. */
export function averageRepeatValue(rows: readonly SpendRow[], reason: string): SpendFallback {
	const means = rows.filter((row) => row.x >= 1 && row.m > 0).map((row) => row.m);
	return {
		averageValue: means.length > 0 ? means.reduce((sum, m) => sum + m, 0) / means.length : 0,
		customers: means.length,
		reason
	};
}

/** What a fit keeps of its scoring, for the customers rescored after it. */
export interface StoredBasis extends ScoringBasis {
	/** The facts' generation the scoring read (a new one, as after a time-zone change, refits). */
	generation: number;
}

/**
 * Taken by the transaction that publishes a fit's scoring and by each rescoring step, so that a
 * rescoring never writes into a scoring being replaced.
 */
export const SCORE_LOCK = 7_402_532;

async function lastQueued(db: Kysely<DB>): Promise<number> {
	const row = await db
		.selectFrom('score_queue')
		.select((eb) => eb.fn.max('seq').as('seq'))
		.executeTakeFirst();
	return Number(row?.seq ?? 0);
}

/**
 * Marks the fits left 'running' as failed. Only where no other process can be fitting: the
 * embedded database at the start of the server that holds it (a `cx` beside it goes through
 * that server, and one without it holds the folder's lock). Elsewhere a fit that hangs for an
 * hour stops blocking others.
 */
export async function abandonInterruptedFits(db: Kysely<DB>): Promise<number> {
	const result = await db
		.updateTable('model_fit')
		.set({
			status: 'failed',
			finished_at: new Date(),
			error: 'Interrupted: the command center stopped while the fit ran.'
		})
		.where('status', '=', 'running')
		.executeTakeFirst();
	return Number(result.numUpdatedRows);
}

/** A fit under way that started less than this long ago keeps others from starting. */
const RUNNING_FOR_MS = 60 * 60 * 1000;
/** Serializes the start of fits across processes (the check and the insert). */
const FIT_LOCK = 7_402_531;

/** Records a running fit, unless another one is under way (one at a time, in any process). */
async function startFit(db: Kysely<DB>, until: LocalDate, now: Date): Promise<number> {
	return db.transaction().execute(async (trx) => {
		await sql`select pg_advisory_xact_lock(${FIT_LOCK}::bigint)`.execute(trx);
		const running = await trx
			.selectFrom('model_fit')
			.select(['started_at'])
			.where('status', '=', 'running')
			.where('started_at', '>', new Date(now.getTime() - RUNNING_FOR_MS))
			.executeTakeFirst();
		if (running) {
			throw new UserError(
				`Another fit of the customer models is under way (started ${running.started_at.toISOString()}); wait for it to finish.`
			);
		}
		const fit = await trx
			.insertInto('model_fit')
			.values({ status: 'running', until_day: until })
			.returning('fit_id')
			.executeTakeFirstOrThrow();
		return Number(fit.fit_id);
	});
}

/**
 * Writes the scores beside the current ones in chunks (short transactions, so the app never waits
 * long), then in one transaction marks the fit succeeded, drops the previous fit's scores and
 * writes the board figures: readers see one whole scoring or the other.
 */
async function writeScores(
	db: Kysely<DB>,
	fitId: number,
	scoredOn: LocalDate,
	inputs: readonly CustomerInput[],
	scores: readonly CustomerScore[],
	summary: ScoreSummary,
	{
		parameters,
		basis,
		queuedUpTo
	}: {
		parameters: StoredParameters;
		basis: StoredBasis;
		queuedUpTo: number;
	}
): Promise<void> {
	for (let start = 0; start < scores.length; start += WRITE_CHUNK) {
		await insertScores(
			db,
			fitId,
			scoredOn,
			inputs.slice(start, start + WRITE_CHUNK),
			scores.slice(start, start + WRITE_CHUNK)
		);
		await new Promise((resolve) => setImmediate(resolve));
	}
	await db.transaction().execute(async (trx) => {
		await sql`select pg_advisory_xact_lock(${SCORE_LOCK}::bigint)`.execute(trx);
		const marked = await trx
			.updateTable('model_fit')
			.set({
				status: 'succeeded',
				finished_at: new Date(),
				customers: parameters.bgnbd.customers,
				parameters: JSON.stringify(parameters),
				basis: JSON.stringify(basis)
			})
			.where('fit_id', '=', fitId)
			.where('status', '=', 'running')
			.executeTakeFirst();
		// gone meanwhile (the demo removed with every fit): this scoring must not be published
		if (Number(marked.numUpdatedRows) !== 1) {
			throw new Error('the fit was withdrawn while it ran (its data was removed)');
		}
		await trx.deleteFrom('customer_score').where('fit_id', '<', fitId).execute();
		await trx.deleteFrom('score_queue').where('seq', '<=', queuedUpTo).execute();
		await writeBoardFigures(trx, scoredOn, fitId, summary);
	});
}

/**
 * Writes the scores of `inputs` (scores[i] is inputs[i]'s) into a fit's rows; a customer already
 * there (rescored) is overwritten.
 */
export async function insertScores(
	db: Kysely<DB>,
	fitId: number,
	scoredOn: LocalDate,
	inputs: readonly CustomerInput[],
	scores: readonly CustomerScore[]
): Promise<void> {
	const column = <T>(pick: (s: CustomerScore) => T) => scores.map(pick);
	await sql`
		insert into customer_score (customer_id, fit_id, scored_on, first_day, last_day,
			purchase_days, p_alive, expected_purchases_90d, clv, net_revenue_365, active, r, f, m,
			segment, high_value, at_risk)
		select u.customer_id, ${fitId}::bigint, ${scoredOn}::date, u.first_day,
			u.first_day + u.last_days, u.purchase_days, u.p_alive, u.expected, round(u.clv::numeric, 2),
			u.net_revenue, u.active, u.r, u.f, u.m, u.segment, u.high_value, u.at_risk
		from unnest(
			${column((s) => s.customerId)}::bigint[],
			${inputs.map((c) => c.firstDay)}::date[],
			${inputs.map((c) => c.lastDays)}::int[],
			${inputs.map((c) => c.x + 1)}::int[],
			${column((s) => s.pAlive)}::float8[],
			${column((s) => s.expected90)}::float8[],
			${column((s) => s.clv)}::float8[],
			${column((s) => s.netRevenue365)}::numeric[],
			${column((s) => s.active)}::boolean[],
			${column((s) => s.r)}::smallint[],
			${column((s) => s.f)}::smallint[],
			${column((s) => s.m)}::smallint[],
			${column((s) => s.segment)}::text[],
			${column((s) => s.highValue)}::boolean[],
			${column((s) => s.atRisk)}::boolean[]
		) as u(customer_id, first_day, last_days, purchase_days, p_alive, expected, clv, net_revenue,
			active, r, f, m, segment, high_value, at_risk)
		on conflict (fit_id, customer_id) do update set
			scored_on = excluded.scored_on, first_day = excluded.first_day,
			last_day = excluded.last_day, purchase_days = excluded.purchase_days,
			p_alive = excluded.p_alive, expected_purchases_90d = excluded.expected_purchases_90d,
			clv = excluded.clv, net_revenue_365 = excluded.net_revenue_365, active = excluded.active,
			r = excluded.r, f = excluded.f, m = excluded.m, segment = excluded.segment,
			high_value = excluded.high_value, at_risk = excluded.at_risk
	`.execute(db);
}

/** The board figures of a scoring day (one row per day: the day's latest scoring). */
export async function writeBoardFigures(
	db: Kysely<DB>,
	scoredOn: LocalDate,
	fitId: number,
	summary: Pick<
		ScoreSummary,
		'scored' | 'active' | 'highValue' | 'atRisk' | 'revenueAtRisk' | 'clvTotal' | 'segments'
	>
): Promise<void> {
	await db
		.insertInto('rollup_model_score')
		.values({
			scored_on: scoredOn,
			fit_id: fitId,
			scored_at: new Date(),
			scored: summary.scored,
			active: summary.active,
			high_value: summary.highValue,
			at_risk: summary.atRisk,
			revenue_at_risk: summary.revenueAtRisk.toFixed(2),
			clv_total: summary.clvTotal.toFixed(2),
			segments: JSON.stringify(summary.segments)
		})
		.onConflict((oc) =>
			oc.column('scored_on').doUpdateSet((eb) => ({
				fit_id: eb.ref('excluded.fit_id'),
				scored_at: eb.ref('excluded.scored_at'),
				scored: eb.ref('excluded.scored'),
				active: eb.ref('excluded.active'),
				high_value: eb.ref('excluded.high_value'),
				at_risk: eb.ref('excluded.at_risk'),
				revenue_at_risk: eb.ref('excluded.revenue_at_risk'),
				clv_total: eb.ref('excluded.clv_total'),
				segments: eb.ref('excluded.segments')
			}))
		)
		.execute();
}

export interface StoredFit {
	fitId: number;
	status: 'running' | 'succeeded' | 'failed';
	startedAt: Date;
	finishedAt: Date | null;
	until: LocalDate;
	customers: number | null;
	parameters: StoredParameters | null;
	error: string | null;
}

/** The latest fits, newest first (the admin page shows them). */
export async function listFits(db: Kysely<DB>, limit = 10): Promise<StoredFit[]> {
	const rows = await db
		.selectFrom('model_fit')
		.selectAll()
		.orderBy('fit_id', 'desc')
		.limit(limit)
		.execute();
	return rows.map((row) => ({
		fitId: Number(row.fit_id),
		status: row.status,
		startedAt: row.started_at,
		finishedAt: row.finished_at,
		until: row.until_day,
		customers: row.customers,
		parameters: row.parameters as StoredFit['parameters'],
		error: row.error
	}));
}
