/**
 * Long writes as a series of short transactions. PGlite is one session shared by the app and by
 * `cx` through the server's socket, and a transaction holds it from BEGIN to COMMIT (STACK.md
 * pitfall 4): one long transaction stalls every request. `runInChunks` commits whenever the next
 * item would take the open transaction past its time budget, so others wait at most about that long.
 *
 * Earlier chunks stay committed when an item fails; the failing chunk is rolled back. Make the work
 * idempotent (e.g. `on conflict do nothing`) or undo it, if a half-done run must not remain.
 */
import type { Kysely, Transaction } from 'kysely';

export const DEFAULT_CHUNK_BUDGET_MS = 250;

export interface ChunkProgress {
	/** Items committed so far. */
	items: number;
	/** Transactions committed so far. */
	transactions: number;
}

export interface ChunkOptions {
	/** Longest a transaction should stay open, in milliseconds (default 250). */
	budgetMs?: number;
	/** Called after each commit. */
	onProgress?: (progress: ChunkProgress) => void;
	/** The clock, in milliseconds (tests give a fake one); performance.now by default. */
	now?: () => number;
}

/**
 * Runs `work` for every item, in transactions of at most `budgetMs`: before each item it commits
 * if the time already spent plus the previous item's cost would exceed the budget. A transaction
 * always gets at least one item, so an item costlier than the budget runs alone.
 */
export async function runInChunks<D, T>(
	db: Kysely<D>,
	items: Iterable<T> | AsyncIterable<T>,
	work: (trx: Transaction<D>, item: T) => Promise<void>,
	{
		budgetMs = DEFAULT_CHUNK_BUDGET_MS,
		onProgress,
		now = () => performance.now()
	}: ChunkOptions = {}
): Promise<ChunkProgress> {
	const iterator =
		Symbol.asyncIterator in items
			? items[Symbol.asyncIterator]()
			: (items as Iterable<T>)[Symbol.iterator]();
	const progress: ChunkProgress = { items: 0, transactions: 0 };
	let lastCost = 0;
	let finished = false;
	try {
		while (!finished) {
			const committed = await db.transaction().execute(async (trx) => {
				const started = now();
				let count = 0;
				for (;;) {
					if (count > 0 && now() - started + lastCost > budgetMs) break;
					const itemStarted = now();
					const next = await iterator.next();
					if (next.done) {
						finished = true;
						break;
					}
					await work(trx, next.value);
					lastCost = now() - itemStarted;
					count++;
				}
				return count;
			});
			if (committed === 0) break;
			progress.items += committed;
			progress.transactions++;
			onProgress?.({ ...progress });
		}
	} finally {
		if (!finished) await iterator.return?.();
	}
	return progress;
}
