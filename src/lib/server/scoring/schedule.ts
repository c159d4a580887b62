import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { getDemoState } from '../demo/state';

/**
 * The server keeps the customer models current without ever fitting in its own process (a fit
 * reads every customer and runs for seconds at scale): it starts `cx model fit` as a child, which
 * reaches the database as any `cx` does (beside the server through its socket on PGlite). A fit is
 * due when none exists yet and customers have bought, a day after the last one, or when data
 * landed after the last one began and that is at least `CX_MODEL_REFIT_MINUTES` (default 60) ago:
 * so the scores follow new data within the hour, and a failed fit is tried again no sooner.
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

/** Starts a fit in a child process when one is due; at most one at a time. */
export async function fitWhenDue(db: Kysely<DB>, options: ModelScheduleOptions): Promise<void> {
	const now = Date.now();
	const landedSinceCheck = (state.dataLandedAt ?? 0) > (state.lastCheck ?? 0);
	if (state.child || state.checking) return;
	if (!landedSinceCheck && now - (state.lastCheck ?? 0) < CHECK_MS) return;
	state.checking = true;
	state.lastCheck = now;
	try {
		if (await isDue(db, now, options.env)) startFit(options);
	} finally {
		state.checking = false;
	}
}

async function isDue(db: Kysely<DB>, now: number, env: NodeJS.ProcessEnv): Promise<boolean> {
	const latest = await db
		.selectFrom('model_fit')
		.select(['status', 'started_at'])
		.orderBy('fit_id', 'desc')
		.limit(1)
		.executeTakeFirst();
	// the demo company fits itself once written; half-written or half-removed, it is no data
	const demo = await getDemoState(db);
	if (demo && demo.status !== 'ready') return false;
	if (!latest) {
		const order = await db.selectFrom('customer_order').select('order_id').limit(1).execute();
		return order.length > 0;
	}
	const started = latest.started_at.getTime();
	// a fit under way elsewhere (cx model fit by hand): leave it, unless it has hung for an hour
	if (latest.status === 'running' && now - started < 60 * 60 * 1000) return false;
	if (now - started >= DAY_MS) return true;
	const minutes = Number(env.CX_MODEL_REFIT_MINUTES ?? 60);
	const interval = (Number.isFinite(minutes) && minutes >= 0 ? minutes : 60) * 60 * 1000;
	return (state.dataLandedAt ?? 0) > started && now - started >= interval;
}

function startFit(options: ModelScheduleOptions): void {
	const cli = path.resolve('build-cli', 'cli.js');
	if (!fs.existsSync(cli)) {
		if (!state.warnedNoCli) {
			options.log(
				`The customer models are due for a fit, but ${cli} is missing; build it with "npm run build".`
			);
			state.warnedNoCli = true;
		}
		return;
	}
	const started = performance.now();
	const child = spawn(process.execPath, [cli, 'model', 'fit'], {
		env: options.env,
		stdio: ['ignore', 'ignore', 'pipe']
	});
	state.child = child;
	let errors = '';
	child.on('error', (error) => {
		state.child = undefined;
		options.log(`The customer models could not be fitted: ${error.message}`);
	});
	child.stderr?.on('data', (chunk: Buffer) => {
		errors = (errors + chunk.toString()).slice(-2000);
	});
	child.on('exit', (code) => {
		state.child = undefined;
		const seconds = ((performance.now() - started) / 1000).toFixed(1);
		// the fit's own record says why it failed; its messages name no customer and no ref
		options.log(
			code === 0
				? `Customer models fitted and every customer scored in ${seconds} s.`
				: `Fitting the customer models failed after ${seconds} s: ${errors.trim().split('\n')[0] || `exit ${code}`}`
		);
	});
}

/** Ends a fit under way (the server is stopping). */
export function stopModelFits(): void {
	state.child?.kill('SIGTERM');
	state.child = undefined;
}
