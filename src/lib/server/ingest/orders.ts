import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB, OrderKind } from '../db/schema';
import { nextChunkSize } from '../db/chunked';
import { localDateOf } from '../metrics/period';
import { getSettings } from '../settings';
import {
	CDNOW_SOURCE,
	noteFirstOrder,
	openCdnow,
	storeFirstOrders,
	type FirstOrders
} from './cdnow';
import { openCsv, type CsvReader, type CsvRow } from './csv-reader';
import { customerKey, ensureSources, resolveCustomers } from './customers';
import { loadFxTable, type FxTable } from './fx';
import {
	emptySummary,
	type ImportProgress,
	type ImportSummary,
	type RejectedRow
} from './import-result';
import {
	FieldError,
	optionalText,
	parseCurrency,
	parseDecimal,
	parseInstant,
	parseSource,
	requireText
} from './values';

export const ORDER_COLUMNS = {
	required: ['order_ref', 'customer_ref', 'ordered_at', 'amount'],
	optional: ['source', 'kind', 'currency', 'channel', 'refers_to']
} as const;

/** The layouts an orders file can come in: the canonical CSV, or CDNOW's purchase files. */
export const ORDER_FORMATS = ['canonical', 'cdnow'] as const;
export type OrderFormat = (typeof ORDER_FORMATS)[number];

const KINDS: readonly OrderKind[] = ['order', 'refund', 'cancellation'];
/** Orders dated further ahead than this are taken for clock or data errors. */
const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

export interface OrderRecord {
	line: number;
	source: string;
	orderRef: string;
	customerRef: string;
	orderedAt: Date;
	orderedOn: string | null;
	kind: OrderKind;
	amount: string;
	currency: string;
	rate: string;
	channel: string | null;
	refersTo: string | null;
	digest: string;
}

export interface OrderImportOptions {
	/** The source for a file without a source column, or the one every row must name. */
	source?: string;
	/** canonical (the default) or cdnow, whose source is "cdnow" unless `source` names another. */
	format?: OrderFormat;
	batchSize?: number;
	now?: Date;
	onProgress?: (progress: ImportProgress) => void;
	/**
	 * Beside a running server (through its socket): commit in chunks of about this many
	 * milliseconds instead of one transaction, so the app never waits long for the database; a
	 * failure then deletes what the earlier chunks stored, so still nothing of the file remains.
	 */
	chunkBudgetMs?: number;
}

/** What a chunked import stored, so that a failure can take it back. */
interface Stored {
	orders: { source: string; ref: string }[];
	customers: number[];
}

interface ValidationContext {
	source?: string;
	timeZone: string;
	fx: FxTable;
	now: Date;
}

/**
 * Imports an orders file (a canonical CSV, or CDNOW's with `format: 'cdnow'`) in one transaction:
 * rows that fail validation are rejected and listed while the valid ones are stored; a file that
 * cannot be read leaves nothing behind.
 */
export async function importOrdersCsv(
	db: Kysely<DB>,
	file: string,
	options: OrderImportOptions = {}
): Promise<ImportSummary> {
	const settings = await getSettings(db);
	const cdnow = options.format === 'cdnow';
	const csv = cdnow
		? await openCdnow(file)
		: await openCsv(file, withSourceRequired(options.source), 'orders');
	const source = cdnow ? options.source || CDNOW_SOURCE : options.source;
	const context: ValidationContext = {
		...(source ? { source } : {}),
		timeZone: settings.timeZone,
		fx: await loadFxTable(db, settings.reportingCurrency),
		now: options.now ?? new Date()
	};
	const batchSize = options.batchSize ?? 5000;
	// A CDNOW file's customers are a first-purchase cohort: their earliest order is their first.
	const firsts: FirstOrders | undefined = cdnow ? new Map() : undefined;
	if (options.chunkBudgetMs !== undefined) {
		return importInChunks(db, csv, context, options, Math.min(options.chunkBudgetMs, 250), firsts);
	}

	return db.transaction().execute(async (trx) => {
		const summary = emptySummary();
		let batch: OrderRecord[] = [];
		const flush = async () => {
			await storeOrders(trx, batch, summary);
			batch = [];
			options.onProgress?.({
				rows: summary.rows,
				bytesRead: csv.bytesRead(),
				totalBytes: csv.totalBytes
			});
		};
		for await (const row of csv.rows) {
			summary.rows++;
			const result = validateOrderRow(row, context);
			if ('field' in result) summary.rejected.push(result);
			else {
				batch.push(result);
				if (firsts) noteFirstOrder(firsts, result);
			}
			if (batch.length >= batchSize) await flush();
		}
		await flush();
		if (firsts) await storeFirstOrders(trx, firsts);
		return summary;
	});
}

async function importInChunks(
	db: Kysely<DB>,
	csv: CsvReader,
	context: ValidationContext,
	options: OrderImportOptions,
	budgetMs: number,
	firsts: FirstOrders | undefined
): Promise<ImportSummary & { chunks: number }> {
	const summary = emptySummary();
	const stored: Stored = { orders: [], customers: [] };
	let size = options.batchSize ?? 500;
	const smallest = Math.min(50, size);
	let chunks = 0;
	let batch: OrderRecord[] = [];
	const flush = async () => {
		const begun = performance.now();
		await db.transaction().execute((trx) => storeOrders(trx, batch, summary, stored));
		const elapsed = performance.now() - begun;
		chunks++;
		// The next chunk aims at the budget from this one's cost per row, growing at most twofold.
		size = nextChunkSize(batch.length, elapsed, budgetMs, { min: smallest });
		batch = [];
		options.onProgress?.({
			rows: summary.rows,
			bytesRead: csv.bytesRead(),
			totalBytes: csv.totalBytes
		});
	};
	try {
		for await (const row of csv.rows) {
			summary.rows++;
			const result = validateOrderRow(row, context);
			if ('field' in result) summary.rejected.push(result);
			else {
				batch.push(result);
				if (firsts) noteFirstOrder(firsts, result);
			}
			if (batch.length >= size) await flush();
		}
		if (batch.length) await flush();
		if (firsts) await db.transaction().execute((trx) => storeFirstOrders(trx, firsts));
	} catch (error) {
		await takeBack(db, stored, budgetMs);
		throw error;
	}
	return { ...summary, chunks };
}

/** Deletes what a failed chunked import stored: its orders, their keys, the customers it created. */
async function takeBack(db: Kysely<DB>, stored: Stored, budgetMs: number): Promise<void> {
	const step = Math.max(100, Math.round(budgetMs * 20));
	for (let i = 0; i < stored.orders.length; i += step) {
		const part = stored.orders.slice(i, i + step);
		await db.transaction().execute(async (trx) => {
			await sql`
				with gone as (
					delete from ingest_key k
					using unnest(${part.map((o) => o.source)}::text[], ${part.map((o) => o.ref)}::text[]) as u(source, ref)
					where k.entity = 'order' and k.source = u.source and k.ref = u.ref
					returning k.customer_id, k.row_id
				)
				delete from customer_order o using gone
				where o.customer_id = gone.customer_id and o.order_id = gone.row_id
			`.execute(trx);
		});
	}
	for (let i = 0; i < stored.customers.length; i += step) {
		const part = stored.customers.slice(i, i + step);
		await db.transaction().execute(async (trx) => {
			await sql`delete from identity where customer_id = any(${part}::bigint[])`.execute(trx);
			await sql`delete from customer where customer_id = any(${part}::bigint[])`.execute(trx);
		});
	}
}

function withSourceRequired(source: string | undefined) {
	if (source) return ORDER_COLUMNS;
	return {
		required: [...ORDER_COLUMNS.required, 'source'],
		optional: ORDER_COLUMNS.optional.filter((c) => c !== 'source')
	};
}

export function validateOrderRow(
	row: CsvRow,
	context: ValidationContext
): OrderRecord | RejectedRow {
	const v = row.values;
	const ref = v.order_ref ?? '';
	try {
		if (row.fieldCountError) throw new FieldError('(row)', row.fieldCountError);
		const source = orderSource(v.source ?? '', context.source);
		const orderRef = requireText('order_ref', ref);
		const customerRef = requireText('customer_ref', v.customer_ref ?? '');
		const ordered = parseInstant('ordered_at', v.ordered_at ?? '', context.timeZone);
		if (ordered.at.getTime() > context.now.getTime() + FUTURE_SLACK_MS) {
			throw new FieldError('ordered_at', `"${v.ordered_at}" is in the future.`);
		}
		const kind = (v.kind || 'order') as OrderKind;
		if (!KINDS.includes(kind)) {
			throw new FieldError('kind', `"${v.kind}" is not one of order, refund, cancellation.`);
		}
		const amount = parseDecimal('amount', v.amount ?? '');
		if (kind === 'order' && amount.startsWith('-')) {
			throw new FieldError(
				'amount',
				`an order's amount cannot be negative; record money going back as kind refund.`
			);
		}
		if (kind !== 'order' && amount !== '0' && !amount.startsWith('-')) {
			throw new FieldError(
				'amount',
				`a ${kind} is money going back, so its amount is negative (e.g. -${amount}).`
			);
		}
		const currency = v.currency
			? parseCurrency('currency', v.currency)
			: context.fx.reportingCurrency;
		const day = ordered.on ?? localDateOf(ordered.at, context.timeZone);
		const rate = context.fx.rateOn(currency, day);
		if (rate === undefined) {
			throw new FieldError(
				'currency',
				`there is no ${currency} exchange rate on or before ${day}; import one with "cx import fx <file>".`
			);
		}
		const channel = optionalText('channel', v.channel ?? '', 50);
		const refersTo = optionalText('refers_to', v.refers_to ?? '');
		if (refersTo && kind === 'order') {
			throw new FieldError('refers_to', 'is only for refunds and cancellations.');
		}
		const orderedAtText = ordered.on ?? ordered.at.toISOString();
		const digest = createHash('sha256')
			.update(
				JSON.stringify([customerRef, orderedAtText, kind, amount, currency, channel, refersTo])
			)
			.digest('base64url');
		return {
			line: row.line,
			source,
			orderRef,
			customerRef,
			orderedAt: ordered.at,
			orderedOn: ordered.on,
			kind,
			amount,
			currency,
			rate,
			channel,
			refersTo,
			digest
		};
	} catch (error) {
		if (error instanceof FieldError) {
			return { line: row.line, ref, field: error.field, message: error.message };
		}
		throw error;
	}
}

function orderSource(cell: string, fileSource: string | undefined): string {
	if (!fileSource) return parseSource('source', cell);
	if (cell && cell !== fileSource) {
		throw new FieldError('source', `is "${cell}" but --source names "${fileSource}".`);
	}
	return fileSource;
}

/** Stores a batch: a re-sent identical order is skipped, a changed one rejected. */
export async function storeOrders(
	db: Kysely<DB>,
	batch: readonly OrderRecord[],
	summary: ImportSummary,
	stored?: Stored
): Promise<void> {
	if (!batch.length) return;
	const fresh = new Map<string, OrderRecord>();
	const seen = await storedDigests(db, batch);
	for (const order of batch) {
		const key = customerKey(order.source, order.orderRef);
		const earlier = fresh.get(key)?.digest ?? seen.get(key);
		if (earlier === undefined) fresh.set(key, order);
		else if (earlier === order.digest) summary.skipped++;
		else {
			summary.rejected.push({
				line: order.line,
				ref: order.orderRef,
				field: 'order_ref',
				message: `is already stored with different values (source ${order.source}).`
			});
		}
	}
	const orders = [...fresh.values()];
	if (!orders.length) return;

	await ensureSources(
		db,
		orders.map((o) => o.source)
	);
	const customers = await resolveCustomers(db, orders, stored?.customers);
	const customerIds = orders.map(
		(o) => customers.get(customerKey(o.source, o.customerRef)) as number
	);
	const column = <T>(pick: (o: OrderRecord) => T) => orders.map(pick);

	// One statement writes the orders and their ingest keys; (source, order_ref) is unique within
	// `orders`, so the keys join back to their digests by it.
	await sql`
		with input as (
			select * from unnest(
				${customerIds}::bigint[], ${column((o) => o.source)}::text[],
				${column((o) => o.orderRef)}::text[], ${column((o) => o.kind)}::text[],
				${column((o) => o.amount)}::numeric[], ${column((o) => o.currency)}::text[],
				${column((o) => o.rate)}::numeric[], ${column((o) => o.channel)}::text[],
				${column((o) => o.refersTo)}::text[],
				${column((o) => o.orderedAt.toISOString())}::timestamptz[],
				${column((o) => o.orderedOn)}::date[], ${column((o) => o.digest)}::text[]
			) as u(customer_id, source, order_ref, kind, amount, currency, rate, channel, refers_to,
				ordered_at, ordered_on, digest)
		),
		stored as (
			insert into customer_order (
				customer_id, origin_customer_id, source, order_ref, kind, amount, currency,
				reporting_amount, channel, refers_to, ordered_at, ordered_on
			)
			select customer_id, customer_id, source, order_ref, kind, amount, currency, amount * rate,
				channel, refers_to, ordered_at, ordered_on
			from input
			returning customer_id, order_id, source, order_ref
		)
		insert into ingest_key (source, entity, ref, customer_id, row_id, digest)
		select s.source, 'order', s.order_ref, s.customer_id, s.order_id, i.digest
		from stored s
		join input i on i.source = s.source and i.order_ref = s.order_ref
	`.execute(db);
	summary.stored += orders.length;
	stored?.orders.push(...orders.map((o) => ({ source: o.source, ref: o.orderRef })));
}

async function storedDigests(db: Kysely<DB>, batch: readonly OrderRecord[]) {
	const result = await sql<{ source: string; ref: string; digest: string }>`
		select k.source, k.ref, k.digest
		from ingest_key k
		join unnest(${batch.map((o) => o.source)}::text[], ${batch.map((o) => o.orderRef)}::text[]) as u(source, ref)
			on k.source = u.source and k.ref = u.ref
		where k.entity = 'order'
	`.execute(db);
	return new Map(result.rows.map((row) => [customerKey(row.source, row.ref), row.digest]));
}
