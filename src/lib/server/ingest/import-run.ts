import path from 'node:path';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { ImportSummary } from './import-result';

/**
 * Records an import around `work`: a 'running' row committed first, then 'done' with the counts or
 * 'failed'. Only the file's base name is kept, never its contents.
 */
export async function recordImport<T extends ImportSummary>(
	db: Kysely<DB>,
	kind: 'orders' | 'fx',
	file: string,
	work: () => Promise<T>
): Promise<T> {
	const run = await db
		.insertInto('import_run')
		.values({ kind, file_name: path.basename(file).slice(0, 200) })
		.returning('import_id')
		.executeTakeFirstOrThrow();
	const finish = (values: Partial<{ status: 'done' | 'failed' } & Record<string, unknown>>) =>
		db
			.updateTable('import_run')
			.set({ ...values, finished_at: new Date() })
			.where('import_id', '=', run.import_id)
			.execute();
	let summary: T;
	try {
		summary = await work();
	} catch (error) {
		await finish({ status: 'failed' }).catch(() => undefined);
		throw error;
	}
	await finish({
		status: 'done',
		rows_read: summary.rows,
		stored: summary.stored,
		skipped: summary.skipped,
		rejected: summary.rejected.length
	});
	return summary;
}

export interface LastImport {
	at: Date;
	kind: string;
	stored: number;
}

/** The newest import that finished without failing, if any. */
export async function lastImport(db: Kysely<DB>): Promise<LastImport | null> {
	const row = await db
		.selectFrom('import_run')
		.select(['finished_at', 'kind', 'stored'])
		.where('status', '=', 'done')
		.orderBy('finished_at', 'desc')
		.limit(1)
		.executeTakeFirst();
	return row?.finished_at ? { at: row.finished_at, kind: row.kind, stored: row.stored ?? 0 } : null;
}
