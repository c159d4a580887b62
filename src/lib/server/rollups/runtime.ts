import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { fitWhenDue, noteDataLanded, stopModelFits } from '../scoring/schedule';
import { refreshRollups, yieldToRequests } from './refresh';

/**
 * The server keeps the rollups current: it looks for new data every few seconds (whatever process
 * wrote it — the queues are filled by triggers in the writers' transactions) and refreshes in short
 * steps with a yield between them, so requests keep being answered during a long rebuild.
 */

/** How often the server looks for data that landed; PRODUCT.md asks for within 15 s. */
export const POLL_MS = 5_000;

const holder = globalThis as typeof globalThis & {
	__cxRollups?: {
		timer?: NodeJS.Timeout;
		running?: Promise<void>;
		again?: boolean;
		stopped?: boolean;
	};
};
const runtime = (holder.__cxRollups ??= {});

export interface RollupRuntimeOptions {
	log: (message: string) => void;
	/** Keep the customer models fitted as data lands (scoring/schedule.ts); on by default. */
	fitModels?: boolean;
}

export function startRollups(db: Kysely<DB>, options: RollupRuntimeOptions): void {
	runtime.stopped = false;
	if (runtime.timer) clearInterval(runtime.timer);
	process.once('sveltekit:shutdown', () => void stopRollups());
	runtime.timer = setInterval(() => requestRollupRefresh(db, options), POLL_MS);
	runtime.timer.unref();
	requestRollupRefresh(db, options);
}

export function stopRollups(): Promise<void> {
	runtime.stopped = true;
	stopModelFits();
	if (runtime.timer) clearInterval(runtime.timer);
	runtime.timer = undefined;
	return runtime.running ?? Promise.resolve();
}

/** Refreshes now (after a settings change, say), or right after the refresh under way. */
export function requestRollupRefresh(db: Kysely<DB>, options: RollupRuntimeOptions): void {
	if (runtime.stopped) return;
	if (runtime.running) {
		runtime.again = true;
		return;
	}
	runtime.running = (async () => {
		try {
			do {
				runtime.again = false;
				const started = performance.now();
				const report = await refreshRollups(db, { pause: yieldToRequests });
				if (report.deltas + report.customers + report.built > 0) noteDataLanded();
				if (report.built > 0) {
					options.log(
						`Rollups rebuilt for ${report.built.toLocaleString('en-US')} customers in ${((performance.now() - started) / 1000).toFixed(1)} s.`
					);
				}
			} while (runtime.again && !runtime.stopped);
			if (options.fitModels !== false && !runtime.stopped) {
				await fitWhenDue(db, { log: options.log, env: process.env });
			}
		} catch (error) {
			if (!runtime.stopped) {
				const message = error instanceof Error ? error.message : String(error);
				options.log(`Refreshing the rollups failed (retrying in ${POLL_MS / 1000} s): ${message}`);
			}
		} finally {
			runtime.running = undefined;
		}
	})();
}
