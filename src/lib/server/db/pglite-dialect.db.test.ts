import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('transactions (STACK.md pitfall 3: one PGlite session must not be shared)', () => {
	let database: TestDatabase;
	let db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a scratch table

	beforeAll(async () => {
		database = await openTestDatabase({ migrate: false });
		db = database.db as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
		await sql`create table scratch (id int primary key)`.execute(db);
	});
	afterAll(() => database.close());

	it('does not commit a rolled-back transaction through a concurrent one', async () => {
		await sql`delete from scratch`.execute(db);
		const rolledBack = db.transaction().execute(async (trx) => {
			await trx.insertInto('scratch').values({ id: 1 }).execute();
			await sleep(50);
			throw new Error('roll back');
		});
		const committed = db.transaction().execute(async (trx) => {
			await trx.insertInto('scratch').values({ id: 2 }).execute();
		});
		await expect(rolledBack).rejects.toThrow('roll back');
		await committed;
		const rows = await db.selectFrom('scratch').select('id').orderBy('id').execute();
		expect(rows).toEqual([{ id: 2 }]);
	});

	it('lets a plain query wait for a running transaction instead of seeing its writes', async () => {
		await sql`delete from scratch`.execute(db);
		let inside!: () => void;
		const started = new Promise<void>((resolve) => (inside = resolve));
		const transaction = db.transaction().execute(async (trx) => {
			await trx.insertInto('scratch').values({ id: 3 }).execute();
			inside();
			await sleep(50);
			throw new Error('roll back');
		});
		await started;
		const seen = await db.selectFrom('scratch').select('id').execute();
		await expect(transaction).rejects.toThrow('roll back');
		expect(seen).toEqual([]);
	});

	it('reports affected rows of writes', async () => {
		await sql`delete from scratch`.execute(db);
		await db
			.insertInto('scratch')
			.values([{ id: 1 }, { id: 2 }, { id: 3 }])
			.execute();
		const result = await db
			.updateTable('scratch')
			.set({ id: sql`id + 10` })
			.where('id', '>', 1)
			.executeTakeFirst();
		expect(result.numUpdatedRows).toBe(2n);
		const deleted = await db.deleteFrom('scratch').executeTakeFirst();
		expect(deleted.numDeletedRows).toBe(3n);
	});

	it('rolls back to a savepoint inside a transaction', async () => {
		await sql`delete from scratch`.execute(db);
		await db.transaction().execute(async (trx) => {
			await trx.insertInto('scratch').values({ id: 1 }).execute();
			await sql`savepoint before_two`.execute(trx);
			await trx.insertInto('scratch').values({ id: 2 }).execute();
			await sql`rollback to savepoint before_two`.execute(trx);
		});
		expect(await db.selectFrom('scratch').select('id').execute()).toEqual([{ id: 1 }]);
	});
});

describe('driver types are normalised at the boundary', () => {
	let database: TestDatabase;
	beforeAll(async () => (database = await openTestDatabase({ migrate: false })));
	afterAll(() => database.close());

	it('returns the same JavaScript types from either driver', async () => {
		const { rows } = await sql<Record<string, unknown>>`
			select
				count(*) as counted,
				9007199254740991::bigint as big,
				12.50::numeric as money,
				date '2026-03-08' as day,
				timestamptz '2026-03-08 05:00:00+00' as instant,
				'{"a": [1, 2]}'::jsonb as doc,
				true as flag
			from generate_series(1, 3)
		`.execute(database.db);
		expect(rows[0]).toEqual({
			counted: 3,
			big: 9007199254740991,
			money: '12.50',
			day: '2026-03-08',
			instant: new Date('2026-03-08T05:00:00Z'),
			doc: { a: [1, 2] },
			flag: true
		});
	});

	it('refuses an int8 too large to be a JavaScript number rather than rounding it', async () => {
		await expect(sql`select 9007199254740993::bigint as big`.execute(database.db)).rejects.toThrow(
			/too large/
		);
	});
});
