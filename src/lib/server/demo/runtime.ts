import type { Kysely } from 'kysely';
import { isLoopbackHost } from '../config';
import type { DB } from '../db/schema';
import { createMutex } from '../db/mutex';
import { appendDemo } from './append';
import { removeDemo } from './remove';
import { seedDemo, type DemoProgress } from './seed';
import { getDemoState, hasAnyCustomer, hasDemoRows, saveDemoState } from './state';
import { createDemoUsers } from './users';

/** What the board shows while the demo company is being written on first start. */
export type DemoActivity =
	| { state: 'idle' }
	| { state: 'seeding'; progress: DemoProgress; startedAt: number }
	| { state: 'removing'; removed: number; total: number }
	| { state: 'failed'; message: string };

const holder = globalThis as typeof globalThis & {
	__cxDemo?: { activity: DemoActivity; timer?: NodeJS.Timeout; stopping?: boolean };
};
const runtime = (holder.__cxDemo ??= { activity: { state: 'idle' } });

/** Seeding, appending and removing never overlap. */
const demoLock = createMutex();

export function demoActivity(): DemoActivity {
	return runtime.activity;
}

export interface FirstStartOptions {
	dataDir: string;
	env?: NodeJS.ProcessEnv;
	log: (message: string) => void;
}

/**
 * On a start with no customer data and no demo, seeds the demo company in the background (unless
 * CX_DEMO=0) and adds the demo users; a seed that a stop interrupted is removed and done again.
 * Then keeps a live demo current: at start and every hour it appends what happened since.
 */
export async function startDemo(db: Kysely<DB>, options: FirstStartOptions): Promise<void> {
	const env = options.env ?? process.env;
	const state = await getDemoState(db);
	if (state?.status === 'removing') {
		// A removal the last stop interrupted: finish it (its audit row then names no actor).
		void runExclusive(async () => {
			runtime.activity = { state: 'removing', removed: 0, total: 0 };
			try {
				await removeDemo(db, {
					onProgress: (removed, total) => {
						runtime.activity = { state: 'removing', removed, total };
					}
				});
				options.log('Finished removing the demo company.');
			} catch (error) {
				if (!runtime.stopping) {
					const message = error instanceof Error ? error.message : String(error);
					options.log(`Removing the demo company failed: ${message}`);
				}
			} finally {
				runtime.activity = { state: 'idle' };
			}
		});
	}
	const interrupted = state?.status === 'seeding';
	const empty = !state && !(await hasAnyCustomer(db));
	if (env.CX_DEMO !== '0' && (empty || interrupted)) {
		void runExclusive(async () => {
			if (interrupted || (await hasDemoRows(db))) {
				// the board shows the progress card, not a half-removed company
				runtime.activity = {
					state: 'seeding',
					progress: { done: 0, total: 0, rows: 0 },
					startedAt: Date.now()
				};
				await removeDemo(db);
			}
			await seedInBackground(db, options, env);
		});
	}
	scheduleLiveDemo(db, options.log);
}

async function seedInBackground(
	db: Kysely<DB>,
	options: FirstStartOptions,
	env: NodeJS.ProcessEnv
): Promise<void> {
	const startedAt = Date.now();
	runtime.activity = { state: 'seeding', progress: { done: 0, total: 0, rows: 0 }, startedAt };
	options.log('Creating the demo company (set CX_DEMO=0 to start empty)…');
	try {
		// The users first, so that they can watch the progress on the board.
		let userIds: number[] = [];
		const host = env.HOST || '0.0.0.0';
		if (isLoopbackHost(host) || env.CX_DEMO_USERS === '1') {
			const users = await db.transaction().execute((trx) => createDemoUsers(trx, options.dataDir));
			userIds = users.ids;
			if (users.credentialsFile) {
				options.log(
					`Demo users executive, cx_lead and viewer: passwords in ${users.credentialsFile}.`
				);
			}
		}
		const customers = env.CX_DEMO_CUSTOMERS ? Number(env.CX_DEMO_CUSTOMERS) : undefined;
		const summary = await seedDemo(db, {
			...(customers && Number.isInteger(customers) && customers >= 100 ? { customers } : {}),
			userIds,
			onProgress: (progress) => {
				runtime.activity = { state: 'seeding', progress, startedAt };
			}
		});
		options.log(
			`Demo company ready: ${summary.people.toLocaleString('en-US')} people, ${summary.rows.toLocaleString('en-US')} rows in ${summary.seconds.toFixed(1)} s.`
		);
		runtime.activity = { state: 'idle' };
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		runtime.activity = { state: 'failed', message };
		options.log(
			runtime.stopping
				? 'The server stopped before the demo company was complete; it is written again at the next start.'
				: `The demo company could not be created: ${message}`
		);
	}
}

const HOUR_MS = 3_600_000;

function scheduleLiveDemo(db: Kysely<DB>, log: (message: string) => void): void {
	if (runtime.timer) clearInterval(runtime.timer);
	const tick = () =>
		void runExclusive(async () => {
			try {
				await appendDemo(db);
			} catch (error) {
				if (runtime.stopping) return; // the next start catches up
				const message = error instanceof Error ? error.message : String(error);
				log(`The live demo could not append the latest simulated hours: ${message}`);
			}
		});
	tick();
	runtime.timer = setInterval(tick, HOUR_MS);
	runtime.timer.unref();
	process.once('sveltekit:shutdown', () => {
		runtime.stopping = true;
		if (runtime.timer) clearInterval(runtime.timer);
	});
}

/**
 * The admin button: starts removing the demo in the background (the page shows the progress) and
 * returns at once; false when removal or seeding is already under way.
 */
export function startDemoRemoval(
	db: Kysely<DB>,
	actorUserId: number,
	log: (message: string) => void = console.log
): boolean {
	if (runtime.activity.state === 'removing' || runtime.activity.state === 'seeding') return false;
	runtime.activity = { state: 'removing', removed: 0, total: 0 };
	void runExclusive(async () => {
		try {
			const summary = await removeDemo(db, {
				actorUserId,
				onProgress: (removed, total) => {
					runtime.activity = { state: 'removing', removed, total };
				}
			});
			runtime.activity = { state: 'idle' };
			log(`Removed the demo company: ${summary.customers} customers, ${summary.rows} rows.`);
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			runtime.activity = { state: 'failed', message: `Removing the demo failed: ${message}` };
			log(`Removing the demo failed: ${message}`);
		}
	});
	return true;
}

/**
 * After the reporting currency changed: the demo's amounts and rates were drawn for the old one, so
 * the demo is removed and drawn again with the same seed and size (its users stay). Returns false
 * when there is no demo or other demo work is under way.
 */
export function startDemoRegeneration(
	db: Kysely<DB>,
	log: (message: string) => void = console.log
): boolean {
	if (runtime.activity.state === 'removing' || runtime.activity.state === 'seeding') return false;
	const startedAt = Date.now();
	runtime.activity = { state: 'seeding', progress: { done: 0, total: 0, rows: 0 }, startedAt };
	void runExclusive(async () => {
		try {
			const state = await getDemoState(db);
			if (!state) return;
			await removeDemo(db, { keepUsers: true });
			await seedDemo(db, {
				seed: state.seed,
				customers: state.customers,
				...(state.live ? {} : { anchor: state.anchor }),
				onProgress: (progress) => {
					runtime.activity = { state: 'seeding', progress, startedAt };
				}
			});
			const fresh = await getDemoState(db);
			if (fresh) await saveDemoState(db, { ...fresh, userIds: state.userIds });
			log('Regenerated the demo company in the new reporting currency.');
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			runtime.activity = { state: 'failed', message: `Regenerating the demo failed: ${message}` };
			log(`Regenerating the demo failed: ${message}`);
			return;
		}
		runtime.activity = { state: 'idle' };
	});
	return true;
}

async function runExclusive<T>(work: () => Promise<T>): Promise<T> {
	const release = await demoLock.lock();
	try {
		return await work();
	} finally {
		release();
	}
}
