/**
 * Long writes as a series of short transactions. PGlite is one session shared by the app and by
 * `cx` through the server's socket, and a transaction holds it from BEGIN to COMMIT (STACK.md
 * pitfall 4): one long transaction stalls every request. The long writers (demo seeding and
 * removal, an import beside the running server) therefore commit chunk by chunk and size each
 * chunk from the last one's cost, so that a transaction stays near its time budget.
 */

/** No chunk's transaction should stay open longer than this, in milliseconds. */
export const MAX_CHUNK_BUDGET_MS = 250;

/**
 * The size of the next chunk: the last chunk's size scaled to the budget by its measured cost,
 * growing at most twofold (a cheap chunk says little about the next) and kept within [min, max].
 */
export function nextChunkSize(
	size: number,
	elapsedMs: number,
	budgetMs: number,
	{ min = 1, max = Number.POSITIVE_INFINITY }: { min?: number; max?: number } = {}
): number {
	const budget = Math.min(budgetMs, MAX_CHUNK_BUDGET_MS);
	const scaled = Math.floor((size * budget) / Math.max(elapsedMs, 1));
	return Math.max(min, Math.min(size * 2, max, scaled));
}
