import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { thrownBy } from '../../../../tests/helpers/errors';
import { loadBoard } from '../board/board';
import { recordImport, lastImport } from './import-run';
import { importOrdersCsv } from './orders';

const HEADER = 'source,order_ref,customer_ref,ordered_at,kind,amount,currency,channel,refers_to';
const NOW = new Date('2026-03-20T12:00:00Z');
let database: TestDatabase;
let folder: string;

beforeAll(async () => {
	database = await openTestDatabase();
	folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-import-run-'));
});

afterAll(async () => {
	await database?.close();
	fs.rmSync(folder, { recursive: true, force: true });
});

function csv(name: string, lines: string[]): string {
	const file = path.join(folder, name);
	fs.writeFileSync(file, lines.join('\n') + '\n');
	return file;
}

describe('import runs', () => {
	it('records each import with its counts, a failed one as failed, and the board names the last', async () => {
		expect(await lastImport(database.db)).toBeNull();
		expect((await loadBoard(database.db, { now: NOW })).lastImport).toBeNull();

		const good = csv('march.csv', [
			HEADER,
			'shop,r-1,c1,2026-03-05T10:00:00Z,order,10,,,',
			'shop,r-2,c2,2026-03-06T10:00:00Z,order,-3,,,'
		]);
		const before = Date.now();
		const summary = await recordImport(database.db, 'orders', good, () =>
			importOrdersCsv(database.db, good, { now: NOW })
		);
		expect(summary).toMatchObject({ rows: 2, stored: 1 });

		const bad = csv('broken.csv', [HEADER, 'shop,r-3,c3,"2026-03-07T10:00:00Z,order,10,,,']);
		const error = await thrownBy(() =>
			recordImport(database.db, 'orders', bad, () =>
				importOrdersCsv(database.db, bad, { now: NOW })
			)
		);
		expect(error.message).toMatch(/never closed/);

		const runs = await database.db
			.selectFrom('import_run')
			.select(['kind', 'file_name', 'status', 'rows_read', 'stored', 'skipped', 'rejected'])
			.orderBy('import_id')
			.execute();
		expect(runs).toEqual([
			{
				kind: 'orders',
				file_name: 'march.csv',
				status: 'done',
				rows_read: 2,
				stored: 1,
				skipped: 0,
				rejected: 1
			},
			{
				kind: 'orders',
				file_name: 'broken.csv',
				status: 'failed',
				rows_read: null,
				stored: null,
				skipped: null,
				rejected: null
			}
		]);
		const last = await lastImport(database.db);
		expect(last?.kind).toBe('orders');
		expect(last?.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
		expect((await loadBoard(database.db, { now: NOW })).lastImport).toBe(last?.at.toISOString());
	});
});
