import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { getDemoState } from '../demo/state';
import { liveGeneration } from '../rollups/refresh';
import { getSettings } from '../settings';
import type { StoredBasis } from './customer-models';

/**
 * The server keeps the customer models current without ever fitting in its own process (a fit
 * reads every customer and runs for seconds at scale): it starts `cx model fit` as a child, which
 * reaches the database as any `cx` does (beside the server through its socket on PGlite). A fit is
 * due when none exists yet and customers have bought, a day after the last one, or when data
 * landed after the last one began and that is at least `CX_MODEL_REFIT_MINUTES` (default 60) ago:
 * so the scores follow new data within the hour, and a failed fit is tried again no sooner. A fit
 * is due at once when the margin, discount rate, F breakpoints or the facts' generation (time zone,
 * activity window) differ from the latest scoring's. Between fits, customers touched by new data
 * are rescored (`cx model score`) as soon as they are queued.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the server looks whether a fit is due, besides after each refresh with new data. */
const CHECK_MS = 10 * 60 * 1000;

const holder = globalThis as typeof globalThis & {
	__cxModels?: {
		child?: ChildProcess;
		dataLandedAt?: number;
		lastCheck?: number;
		checking?: boolean;
		warnedNoCli?: boolean;
	};
};
const state = (holder.__cxModels ??= {});

export interface ModelScheduleOptions {
	log: (message: string) => void;
	env: NodeJS.ProcessEnv;
}

/** Data landed (a refresh took in new rows): the models are due within the refit interval. */
export function noteDataLanded(): void {
	state.dataLandedAt = Date.now();
}

/** Looks whether a fit is due at the next refresh (a setting the scores depend on changed). */
export function requestModelCheck(): void {
	state.lastCheck = 0;
}

/**
 * Starts a fit in a child process when one is due, else a rescoring of the customers touched
 * since the last fit when any wait; at most one child at a time.
 */
export async function fitWhenDue(db: Kysely<DB>, options: ModelScheduleOptions): Promise<void> {
	if (state.child || state.checking) return;
	state.checking = true;
	try {
		const now = Date.now();
		const landedSinceCheck = (state.dataLandedAt ?? 0) > (state.lastCheck ?? 0);
		const lookForFit = landedSinceCheck || now - (state.lastCheck ?? 0) >= CHECK_MS;
		if (lookForFit) state.lastCheck = now;
		const work = await dueModelWork(db, {
			now,
			lookForFit,
			dataLandedAt: state.dataLandedAt ?? 0,
			env: options.env
		});
		if (work) startChild(options, work);
	} finally {
		state.checking = false;
	}
}

/**
 * What the models need now: a fit (`lookForFit`: the check of due fits, which runs after new data
 * and every few minutes), else a rescoring when customers wait for one, else nothing.
 */
export async function dueModelWork(
	db: Kysely<DB>,
	options: { now: number; lookForFit: boolean; dataLandedAt: number; env: NodeJS.ProcessEnv }
): Promise<'fit' | 'score' | null> {
	// the demo company fits itself once written; half-written or half-removed, it is no data
	const demo = await getDemoState(db);
	if (demo && demo.status !== 'ready') return null;
	if (options.lookForFit && (await isDue(db, options))) return 'fit';
	return (await rescoreDue(db)) ? 'score' : null;
}

/** The latest fit, and whether its scoring still matches the settings and facts in force. */
async function latestFit(db: Kysely<DB>) {
	const latest = await db
		.selectFrom('model_fit')
		.select(['status', 'started_at', 'basis'])
		.orderBy('fit_id', 'desc')
		.limit(1)
		.executeTakeFirst();
	if (!latest) return null;
	const basis = latest.basis as unknown as StoredBasis | null;
	const settings = await getSettings(db);
	const facts = await liveGeneration(db);
	const current =
		basis !== null &&
		facts !== null &&
		basis.generation === facts.generation &&
		basis.margin === settings.margin &&
		basis.discountRate === settings.discountRate &&
		JSON.stringify(basis.fBreakpoints) === JSON.stringify(settings.rfmFrequencyBreakpoints);
	return { ...latest, current };
}

async function isDue(
	db: Kysely<DB>,
	{ now, dataLandedAt, env }: { now: number; dataLandedAt: number; env: NodeJS.ProcessEnv }
): Promise<boolean> {
	const latest = await latestFit(db);
	if (!latest) {
		// the first fit waits for the facts of the first purchases: orders that landed during the
		// refresh just ended are still queued, and a fit on none would fail (retried only an
		// interval later)
		const facts = await liveGeneration(db);
		if (!facts) return false;
		const pending = await db.selectFrom('rollup_dirty').select('seq').limit(1).execute();
		const bought = await db
			.selectFrom('rc_customer')
			.select('customer_id')
			.where('generation', '=', facts.generation)
			.limit(1)
			.execute();
		return pending.length === 0 && bought.length > 0;
	}
	const started = latest.started_at.getTime();
	// a fit under way elsewhere (cx model fit by hand): leave it, unless it has hung for an hour
	if (latest.status === 'running' && now - started < 60 * 60 * 1000) return false;
	// the scores were made with another margin, discount rate, F breakpoints or facts
	if (latest.status === 'succeeded' && !latest.current) return true;
	if (now - started >= DAY_MS) return true;
	const minutes = Number(env.CX_MODEL_REFIT_MINUTES ?? 60);
	const interval = (Number.isFinite(minutes) && minutes >= 0 ? minutes : 60) * 60 * 1000;
	return dataLandedAt > started && now - started >= interval;
}

/** Customers wait to be rescored, and the latest fit can rescore them. */
async function rescoreDue(db: Kysely<DB>): Promise<boolean> {
	const queued = await db.selectFrom('score_queue').select('customer_id').limit(1).execute();
	if (queued.length === 0) return false;
	const latest = await latestFit(db);
	return latest !== null && latest.status === 'succeeded' && latest.current;
}

function startChild(options: ModelScheduleOptions, action: 'fit' | 'score'): void {
	const cli = path.resolve('build-cli', 'cli.js');
	if (!fs.existsSync(cli)) {
		if (!state.warnedNoCli) {
			options.log(
				`The customer models are due for a ${action === 'fit' ? 'fit' : 'rescoring'}, but ${cli} is missing; build it with "npm run build".`
			);
			state.warnedNoCli = true;
		}
		return;
	}
	const started = performance.now();
	const child = spawn(process.execPath, [cli, 'model', action], {
		env: options.env,
		stdio: ['ignore', 'ignore', 'pipe']
	});
	state.child = child;
	let errors = '';
	child.on('error', (error) => {
		state.child = undefined;
		options.log(
			`The customer models could not be ${action === 'fit' ? 'fitted' : 'rescored'}: ${error.message}`
		);
	});
	child.stderr?.on('data', (chunk: Buffer) => {
		errors = (errors + chunk.toString()).slice(-2000);
	});
	child.on('exit', (code) => {
		state.child = undefined;
		const seconds = ((performance.now() - started) / 1000).toFixed(1);
		// the fit's own record says why it failed; its messages name no customer and no ref
		const why = errors.trim().split('\n')[0] || `exit ${code}`;
		if (action === 'fit') {
			options.log(
				code === 0
					? `Customer models fitted and every customer scored in ${seconds} s.`
					: `Fitting the customer models failed after ${seconds} s: ${why}`
			);
		} else if (code !== 0) {
			// rescorings follow every batch of data: only a failure is worth a line
			options.log(`Rescoring the customers touched by new data failed: ${why}`);
		}
	});
}

/** Ends a fit under way (the server is stopping). */
export function stopModelFits(): void {
	state.child?.kill('SIGTERM');
	state.child = undefined;
}
