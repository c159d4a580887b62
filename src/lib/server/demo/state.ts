import { sql, type Kysely } from 'kysely';
import { DEMO_SOURCES } from '../../../../db/seed/model';
import type { DB } from '../db/schema';

/** What was seeded, kept in settings under `demo` so the daily job and removal know it. */
export interface DemoState {
	/**
	 * 'seeding' until the last chunk committed: a start that finds it so removes and re-seeds.
	 * 'removing' from the first deleted chunk: nothing is appended, and a start finishes the job.
	 */
	status: 'seeding' | 'ready' | 'removing';
	seed: string;
	customers: number;
	/** The anchor date, 'YYYY-MM-DD': the last day of the three simulated years. */
	anchor: string;
	/** The time zone and currency the demo was drawn in (changing the currency regenerates it). */
	timeZone: string;
	reportingCurrency: string;
	/** True when the anchor was today: the demo then keeps up with the clock. */
	live: boolean;
	/** Rows up to this instant are stored (ISO 8601). */
	through: string;
	/** The demo users' ids, deleted with the demo. */
	userIds: number[];
}

const KEY = 'demo';

export async function getDemoState(db: Kysely<DB>): Promise<DemoState | null> {
	const row = await db
		.selectFrom('setting')
		.select('value')
		.where('key', '=', KEY)
		.executeTakeFirst();
	const value = row?.value as Partial<DemoState> | null | undefined;
	if (!value || typeof value !== 'object' || typeof value.seed !== 'string') return null;
	return {
		status: value.status === 'ready' || value.status === 'removing' ? value.status : 'seeding',
		seed: value.seed,
		customers: Number(value.customers),
		anchor: String(value.anchor),
		timeZone: String(value.timeZone),
		reportingCurrency: String(value.reportingCurrency),
		live: value.live === true,
		through: String(value.through),
		userIds: Array.isArray(value.userIds) ? value.userIds.map(Number) : []
	};
}

export async function saveDemoState(db: Kysely<DB>, state: DemoState | null): Promise<void> {
	if (state === null) {
		await db.deleteFrom('setting').where('key', '=', KEY).execute();
		return;
	}
	const json = JSON.stringify(state);
	await db
		.insertInto('setting')
		.values({ key: KEY, value: json })
		.onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: sql<Date>`now()` }))
		.execute();
}

/** True when the installation holds any customer at all. */
export async function hasAnyCustomer(db: Kysely<DB>): Promise<boolean> {
	return (
		(await db.selectFrom('customer').select('customer_id').limit(1).executeTakeFirst()) !==
		undefined
	);
}

/** True when any customer came from somewhere other than the demo. */
export async function hasRealCustomers(db: Kysely<DB>): Promise<boolean> {
	const row = await db
		.selectFrom('customer')
		.select('customer_id')
		.where('source', 'not in', [...DEMO_SOURCES])
		.limit(1)
		.executeTakeFirst();
	return row !== undefined;
}

/** True when any row names a demo source (the demo, or a half-finished or removed one). */
export async function hasDemoRows(db: Kysely<DB>): Promise<boolean> {
	const row = await db
		.selectFrom('customer')
		.select('customer_id')
		.where('source', 'in', [...DEMO_SOURCES])
		.limit(1)
		.executeTakeFirst();
	return row !== undefined;
}
