import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { UserError } from '../errors';
import type { CsvReader, CsvRow } from './csv-reader';
import { customerKey } from './customers';
import type { OrderRecord } from './orders';

/** The source of CDNOW orders when --source names none. */
export const CDNOW_SOURCE = 'cdnow';

interface Layout {
	name: 'master' | 'sample';
	columns: number;
	date: number;
	amount: number;
	described: string;
}

const MASTER_HEADER = 'customer_id date number_of_cds dollar_value';
const MASTER: Layout = { name: 'master', columns: 4, date: 1, amount: 3, described: MASTER_HEADER };
const SAMPLE: Layout = {
	name: 'sample',
	columns: 5,
	date: 2,
	amount: 4,
	described: 'master id, sample id, date, number of CDs, dollar value'
};

/**
 * Streams a CDNOW purchase file (whitespace-separated, CRLF or LF) as rows of the canonical orders
 * columns. The layout is told by the first line: the master file's header, or the sample file's
 * five columns (its first column is the master id, so both layouts name a customer alike).
 * order_ref is `<customer>-<date>-<n>`, n counting that customer's rows of that date in file
 * order, so the same file imported again is recognised as already stored.
 */
export async function openCdnow(file: string): Promise<CsvReader> {
	const totalBytes = readableSize(file);
	const stream = fs.createReadStream(file);
	const lines = createInterface({ input: stream, crlfDelay: Infinity });
	const iterator = lines[Symbol.asyncIterator]();
	const close = () => {
		lines.close();
		stream.destroy();
	};
	const read = async () => {
		try {
			return await iterator.next();
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			throw new UserError(`Cannot read ${file}: ${message.replace(/\.$/, '')}.`);
		}
	};

	let lineNumber = 0;
	let first: string[] = [];
	try {
		while (!first.length) {
			const next = await read();
			if (next.done) {
				throw new UserError(
					`${file} is empty; a CDNOW file starts with the master header (${MASTER_HEADER}) or a sample line of 5 columns.`
				);
			}
			lineNumber++;
			first = fieldsOf(lineNumber === 1 ? next.value.replace(/^\uFEFF/, '') : next.value);
		}
	} catch (error) {
		close();
		throw error;
	}
	const layout =
		first.join(' ').toLowerCase() === MASTER_HEADER ? MASTER : first.length === 5 ? SAMPLE : null;
	if (!layout) {
		close();
		throw new UserError(
			`${file} line ${lineNumber} is neither the CDNOW master header (${MASTER_HEADER}) nor a CDNOW sample line of 5 columns (${SAMPLE.described}).`
		);
	}

	const sameDay = new Map<string, number>();
	const rowOf = (line: number, fields: string[]): CsvRow => {
		if (fields.length !== layout.columns) {
			return {
				line,
				values: {},
				fieldCountError: `has ${fields.length} fields where the CDNOW ${layout.name} layout has ${layout.columns} (${layout.described}).`
			};
		}
		const customerRef = fields[0] as string;
		const date = fields[layout.date] as string;
		const day = `${customerRef}-${date}`;
		const n = (sameDay.get(day) ?? 0) + 1;
		sameDay.set(day, n);
		const values = {
			order_ref: `${day}-${n}`,
			customer_ref: customerRef,
			ordered_at: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`,
			amount: fields[layout.amount] as string
		};
		// A date not written YYYYMMDD cannot be turned into the canonical form; the row is rejected
		// as a whole (the canonical importer's "(row)" rejection), naming the CDNOW form instead.
		if (!/^\d{8}$/.test(date)) {
			return { line, values, fieldCountError: `its date "${date}" is not of the form YYYYMMDD.` };
		}
		return { line, values };
	};

	async function* rows(): AsyncIterable<CsvRow> {
		try {
			if (layout === SAMPLE) yield rowOf(lineNumber, first);
			while (true) {
				const next = await read();
				if (next.done) return;
				lineNumber++;
				const fields = fieldsOf(next.value);
				if (fields.length) yield rowOf(lineNumber, fields);
			}
		} finally {
			close();
		}
	}

	return {
		header: ['order_ref', 'customer_ref', 'ordered_at', 'amount'],
		rows: rows(),
		bytesRead: () => stream.bytesRead,
		totalBytes
	};
}

function fieldsOf(line: string): string[] {
	const trimmed = line.trim();
	return trimmed ? trimmed.split(/\s+/) : [];
}

function readableSize(file: string): number {
	try {
		const stat = fs.statSync(file);
		if (stat.isDirectory()) throw new UserError(`${file} is a folder, not a CDNOW file.`);
		fs.accessSync(file, fs.constants.R_OK);
		return stat.size;
	} catch (error) {
		if (error instanceof UserError) throw error;
		const code = error && typeof error === 'object' && 'code' in error ? error.code : '';
		throw new UserError(
			code === 'ENOENT'
				? `Cannot read ${file}: there is no such file.`
				: `Cannot read ${file}: permission denied or unreadable.`
		);
	}
}

/** The earliest order of each customer of a file, by customerKey(source, customer_ref). */
export type FirstOrders = Map<
	string,
	{ source: string; customerRef: string; at: Date; on: string | null }
>;

export function noteFirstOrder(firsts: FirstOrders, order: OrderRecord): void {
	const key = customerKey(order.source, order.customerRef);
	const known = firsts.get(key);
	if (known && known.at.getTime() <= order.orderedAt.getTime()) return;
	firsts.set(key, {
		source: order.source,
		customerRef: order.customerRef,
		at: order.orderedAt,
		on: order.orderedOn
	});
}

/**
 * CDNOW is by construction the cohort of customers whose first purchase was in Q1 1997, followed
 * from then on: a customer's earliest order in the file is their first purchase, not merely the
 * first one this installation saw. Storing it as the customer's given first purchase lets the
 * first-purchase metrics (repeat purchase rate, cohorts) count these customers without waiting a
 * year past the history start. Only customers whose first purchase is not set yet are changed.
 */
export async function storeFirstOrders(db: Kysely<DB>, firsts: FirstOrders): Promise<void> {
	if (!firsts.size) return;
	const list = [...firsts.values()];
	await sql`
		update customer c
		set first_order_at = f.first_at, first_order_on = f.first_on
		from (
			select i.customer_id, min(u.first_at) as first_at, min(u.first_on) as first_on
			from identity i
			join unnest(
				${list.map((f) => f.source)}::text[], ${list.map((f) => f.customerRef)}::text[],
				${list.map((f) => f.at.toISOString())}::timestamptz[], ${list.map((f) => f.on)}::date[]
			) as u(source, value, first_at, first_on)
				on i.source = u.source and i.value = u.value
			where i.kind = 'ref'
			group by i.customer_id
		) f
		where c.customer_id = f.customer_id and c.first_order_at is null and c.first_order_on is null
	`.execute(db);
}
