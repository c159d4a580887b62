import { refreshAfterBulkRemoval, yieldToRequests } from '../rollups/refresh';
import { sql, type Kysely } from 'kysely';
import { DemoCompany, dateOf } from '../../../../db/seed/company';
import { DEMO_MODEL, DEMO_SOURCES } from '../../../../db/seed/model';
import { recordAudit } from '../audit';
import type { DB } from '../db/schema';
import { nextChunkSize } from '../db/chunked';
import { getDemoState, saveDemoState } from './state';

/** Every table whose rows name their source, children before the customers they belong to. */
const SOURCED_TABLES = [
	'program_assignment',
	'consent',
	'survey_response',
	'service_case',
	'interaction_event',
	'customer_order',
	'ingest_key',
	'identity'
] as const;

export interface RemoveSummary {
	customers: number;
	rows: number;
	users: number;
	chunks: number;
	longestChunkMs: number;
	/** False when real orders exist, which may need the demo's exchange rates. */
	fxRatesRemoved: boolean;
}

/**
 * Deletes every row of a demo source, customer by customer in short transactions (a running
 * server keeps answering), then the demo's sources, programs, users, exchange rates (while no real
 * order needs them) and its state. Safe to run again after an interruption.
 */
export async function removeDemo(
	db: Kysely<DB>,
	options: {
		actorUserId?: number | null;
		/** Regenerating keeps the demo users (and their sessions). */
		keepUsers?: boolean;
		chunkBudgetMs?: number;
		onProgress?: (removed: number, total: number) => void;
	} = {}
): Promise<RemoveSummary> {
	const budget = Math.min(options.chunkBudgetMs ?? 120, 250);
	const state = await getDemoState(db);
	// From here on the demo is being removed: the hourly append leaves it alone, and a stop part-way
	// is finished at the next start.
	if (state && state.status !== 'removing')
		await saveDemoState(db, { ...state, status: 'removing' });
	const sources = [...DEMO_SOURCES];
	const totalRow = await db
		.selectFrom('customer')
		.select((eb) => eb.fn.countAll<number>().as('n'))
		.where('source', 'in', sources)
		.executeTakeFirstOrThrow();
	const total = Number(totalRow.n);

	let customers = 0;
	let rows = 0;
	let chunks = 0;
	let longest = 0;
	let size = 50;
	for (;;) {
		const begun = performance.now();
		const removed = await db.transaction().execute(async (trx) => {
			const batch = await trx
				.selectFrom('customer')
				.select('customer_id')
				.where('source', 'in', sources)
				.orderBy('customer_id')
				.limit(size)
				.execute();
			if (!batch.length) return null;
			const ids = batch.map((row) => Number(row.customer_id));
			let count = 0;
			for (const table of SOURCED_TABLES) {
				const result = await sql`
					delete from ${sql.table(table)}
					where customer_id = any(${ids}::bigint[]) and source = any(${sources}::text[])
				`.execute(trx);
				count += Number(result.numAffectedRows ?? 0);
			}
			await trx.deleteFrom('customer').where('customer_id', 'in', ids).execute();
			return { customers: ids.length, rows: count + ids.length };
		});
		if (!removed) break;
		const elapsed = performance.now() - begun;
		longest = Math.max(longest, elapsed);
		chunks++;
		customers += removed.customers;
		rows += removed.rows;
		options.onProgress?.(customers, total);
		size = nextChunkSize(size, elapsed, budget, { min: 5, max: 2000 });
		await new Promise((resolve) => setImmediate(resolve));
	}

	let fxRatesRemoved = false;
	const users = options.keepUsers ? [] : (state?.userIds ?? []);
	await db.transaction().execute(async (trx) => {
		// Rows of a demo source owned by customers of other sources (none are written, but be sure).
		for (const table of SOURCED_TABLES) {
			await sql`delete from ${sql.table(table)} where source = any(${sources}::text[])`.execute(
				trx
			);
		}
		const realOrder = await trx
			.selectFrom('customer_order')
			.select('customer_id')
			.limit(1)
			.executeTakeFirst();
		if (!realOrder && state) {
			// Only the rates the demo wrote: the same currency, day and value; imported ones stay.
			const company = new DemoCompany({
				seed: state.seed,
				customers: state.customers,
				anchor: state.anchor,
				timeZone: state.timeZone,
				reportingCurrency: state.reportingCurrency
			});
			const rates = company.fxRates(
				company.historyStartDay - 7,
				company.axis.dayAt(Date.parse(state.through) + 86_400_000)
			);
			await sql`
				delete from fx_rate f
				using unnest(
					${rates.map((r) => r.currency)}::text[],
					${rates.map((r) => dateOf(r.day))}::date[],
					${rates.map((r) => r.rate)}::numeric[]
				) as u(currency, day, rate)
				where f.currency = u.currency and f.day = u.day and f.rate = u.rate
			`.execute(trx);
			fxRatesRemoved = true;
		}
		const programs = Object.keys(DEMO_MODEL.programs);
		await trx
			.deleteFrom('program')
			.where('program', 'in', programs)
			.where(({ not, exists, selectFrom }) =>
				not(
					exists(
						selectFrom('program_assignment')
							.select('customer_id')
							.whereRef('program_assignment.program', '=', 'program.program')
					)
				)
			)
			.execute();
		await trx.deleteFrom('source').where('source', 'in', sources).execute();
		await trx.deleteFrom('metric_target').where('demo', '=', true).execute();
		// The model fits and scores were made on data the demo was part of: none holds any more.
		await trx.deleteFrom('customer_score').execute();
		await trx.deleteFrom('rollup_model_score').execute();
		await trx.deleteFrom('model_fit').execute();
		if (users.length) await trx.deleteFrom('app_user').where('user_id', 'in', users).execute();
		await saveDemoState(trx, null);
		await recordAudit(trx, {
			actorUserId: options.actorUserId ?? null,
			action: 'demo.remove',
			target: null,
			detail: { customers, users: users.length }
		});
	});
	// The figures drop the demo at once rather than at the server's next look.
	await refreshAfterBulkRemoval(db, { pause: yieldToRequests });
	return { customers, rows, users: users.length, chunks, longestChunkMs: longest, fxRatesRemoved };
}
