import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { runInChunks, type ChunkProgress } from './chunked';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scratch table outside the schema
type Scratch = Kysely<any>;

interface Done {
	id: number;
	xact: string;
	start: number;
	end: number;
}

/**
 * A fake clock that only the work moves: item `id` "takes" costs[id] milliseconds. Each item
 * records the transaction it ran in (pg_current_xact_id), so the test sees the real commits.
 */
function fakeWork(costs: number[]) {
	let clock = 0;
	const done: Done[] = [];
	return {
		now: () => clock,
		done,
		async work(trx: Scratch, id: number) {
			const start = clock;
			const row = await sql<{ xact: string }>`
				insert into chunk_item (id) values (${id}) returning pg_current_xact_id()::text as xact`
				.execute(trx)
				.then((result) => result.rows[0]);
			clock += costs[id] ?? 0;
			done.push({ id, xact: String(row?.xact), start, end: clock });
		}
	};
}

/** The items of each transaction, in order, with the transaction's span on the fake clock. */
function transactionsOf(done: Done[]): { ids: number[]; ms: number }[] {
	const groups = new Map<string, Done[]>();
	for (const item of done) groups.set(item.xact, [...(groups.get(item.xact) ?? []), item]);
	return [...groups.values()].map((items) => ({
		ids: items.map((i) => i.id),
		ms: (items.at(-1)?.end ?? 0) - (items[0]?.start ?? 0)
	}));
}

describe('runInChunks', () => {
	let database: TestDatabase;
	let db: Scratch;

	beforeAll(async () => {
		database = await openTestDatabase({ migrate: false });
		db = database.db as Scratch;
		await sql`create table chunk_item (id int primary key)`.execute(db);
	});
	afterAll(() => database?.close());
	beforeEach(async () => {
		await sql`delete from chunk_item`.execute(db);
	});

	async function storedIds(): Promise<number[]> {
		const rows = await db.selectFrom('chunk_item').select('id').orderBy('id').execute();
		return rows.map((r) => Number(r.id));
	}

	it('commits before an item would take the transaction past the budget', async () => {
		const ids = Array.from({ length: 10 }, (_, i) => i);
		const fake = fakeWork(ids.map(() => 30));
		const progress: ChunkProgress[] = [];
		const result = await runInChunks(db, ids, fake.work, {
			budgetMs: 100,
			now: fake.now,
			onProgress: (p) => progress.push(p)
		});
		// 30 + 30 + 30 = 90 ms; a fourth item (30 more) would end at 120 > 100
		expect(transactionsOf(fake.done)).toEqual([
			{ ids: [0, 1, 2], ms: 90 },
			{ ids: [3, 4, 5], ms: 90 },
			{ ids: [6, 7, 8], ms: 90 },
			{ ids: [9], ms: 30 }
		]);
		expect(result).toEqual({ items: 10, transactions: 4 });
		expect(progress).toEqual([
			{ items: 3, transactions: 1 },
			{ items: 6, transactions: 2 },
			{ items: 9, transactions: 3 },
			{ items: 10, transactions: 4 }
		]);
		expect(await storedIds()).toEqual(ids);
	});

	it('keeps every transaction within the budget plus its last item, and commits right after an oversized item', async () => {
		const costs = [10, 10, 80, 20, 300, 5, 5, 5, 90, 90, 90, 1, 1, 250, 40];
		const ids = costs.map((_, i) => i);
		const fake = fakeWork(costs);
		const result = await runInChunks(db, ids, fake.work, { budgetMs: 100, now: fake.now });
		const transactions = transactionsOf(fake.done);
		for (const { ids: group, ms } of transactions) {
			const lastCost = costs[group.at(-1) ?? 0] ?? 0;
			expect(ms, `transaction of items ${group.join(', ')}`).toBeLessThanOrEqual(100 + lastCost);
		}
		// worked out by hand: 10+10+80 = 100; 20 then the 300 ms item; 5+5+5+90 = 105 (the
		// previous item cost 5); 90 alone twice (90+90 > 100); 1+1+250; 40
		expect(transactions.map((t) => t.ids)).toEqual([
			[0, 1, 2],
			[3, 4],
			[5, 6, 7, 8],
			[9],
			[10],
			[11, 12, 13],
			[14]
		]);
		expect(transactions.flatMap((t) => t.ids)).toEqual(ids);
		expect(result).toEqual({ items: costs.length, transactions: transactions.length });
		expect(await storedIds()).toEqual(ids);
	});

	it('reads an async iterable, and on a failing item keeps the earlier chunks and rolls back its own', async () => {
		let closed = false;
		async function* source() {
			try {
				for (let id = 0; id < 10; id++) yield id;
			} finally {
				closed = true;
			}
		}
		const fake = fakeWork(Array.from({ length: 10 }, () => 30));
		const run = runInChunks(
			db,
			source(),
			async (trx, id) => {
				if (id === 7) throw new Error('item 7 failed');
				await fake.work(trx, id);
			},
			{ budgetMs: 100, now: fake.now }
		);
		await expect(run).rejects.toThrow('item 7 failed');
		// [0, 1, 2] and [3, 4, 5] were committed; [6] went with the failing chunk
		expect(await storedIds()).toEqual([0, 1, 2, 3, 4, 5]);
		expect(closed, 'the source was closed').toBe(true);
	});

	it('does nothing for no items', async () => {
		const fake = fakeWork([]);
		expect(await runInChunks(db, [], fake.work, { now: fake.now })).toEqual({
			items: 0,
			transactions: 0
		});
		expect(await storedIds()).toEqual([]);
	});
});
