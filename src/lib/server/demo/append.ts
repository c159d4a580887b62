import type { Kysely } from 'kysely';
import { DemoCompany } from '../../../../db/seed/company';
import type { DB } from '../db/schema';
import { demoCustomerIds, simulateAndWrite, writeFxRates, type DemoSummary } from './seed';
import { getDemoState, saveDemoState } from './state';

/**
 * The live demo's clock: appends what the simulated company did since the last run, up to `now`
 * (a whole new day after midnight, the morning's orders at ten). Rows come from the same streams
 * as the seed, so the result equals a demo seeded today. Returns null when there is nothing to do.
 */
export async function appendDemo(
	db: Kysely<DB>,
	now = new Date(),
	options: { chunkBudgetMs?: number } = {}
): Promise<(Pick<DemoSummary, 'rows' | 'chunks' | 'longestChunkMs'> & { through: Date }) | null> {
	const state = await getDemoState(db);
	if (!state || state.status !== 'ready' || !state.live) return null;
	const from = Date.parse(state.through);
	const to = now.getTime();
	if (!(to > from)) return null;
	const company = new DemoCompany({
		seed: state.seed,
		customers: state.customers,
		anchor: state.anchor,
		timeZone: state.timeZone,
		reportingCurrency: state.reportingCurrency
	});
	await writeFxRates(db, company, company.axis.dayAt(from) - 1, company.axis.dayAt(to - 1));
	const ids = await demoCustomerIds(db);
	const written = await simulateAndWrite(db, company, { from, to }, options, ids);
	const latest = await getDemoState(db);
	// Removed or regenerated meanwhile: the rows written belong to no demo; leave the new state.
	if (latest?.seed === state.seed && latest.through === state.through) {
		await saveDemoState(db, { ...latest, through: new Date(to).toISOString() });
	}
	return { ...written, through: new Date(to) };
}
