import fs from 'node:fs';
import { parse } from 'csv-parse';
import { UserError } from '../errors';

export interface CsvRow {
	/** 1-based line number in the file where the record starts. */
	line: number;
	values: Record<string, string>;
	/** Set when the record's field count differs from the header's. */
	fieldCountError?: string;
}

export interface CsvColumns {
	required: readonly string[];
	optional: readonly string[];
}

export interface CsvReader {
	header: string[];
	rows: AsyncIterable<CsvRow>;
	bytesRead(): number;
	totalBytes: number;
}

/**
 * Streams a canonical CSV file (UTF-8, comma-separated, header row). The header is checked before
 * any row is read: a missing required column or an unknown one fails the whole file.
 */
export async function openCsv(
	file: string,
	columns: CsvColumns,
	format: string
): Promise<CsvReader> {
	let totalBytes: number;
	try {
		const stat = fs.statSync(file);
		if (stat.isDirectory()) throw new UserError(`${file} is a folder, not a CSV file.`);
		fs.accessSync(file, fs.constants.R_OK);
		totalBytes = stat.size;
	} catch (error) {
		if (error instanceof UserError) throw error;
		const code = error && typeof error === 'object' && 'code' in error ? error.code : '';
		throw new UserError(
			code === 'ENOENT'
				? `Cannot read ${file}: there is no such file.`
				: `Cannot read ${file}: permission denied or unreadable.`
		);
	}

	const stream = fs.createReadStream(file);
	const parser = stream.pipe(
		parse({
			bom: true,
			relax_column_count: true,
			skip_empty_lines: true,
			trim: true,
			info: true
		})
	);
	stream.on('error', (error) => parser.destroy(error));
	const records = parser[Symbol.asyncIterator]() as AsyncIterator<{
		record: string[];
		info: { lines: number };
	}>;

	const close = () => {
		parser.destroy();
		stream.destroy();
	};
	let header: string[];
	try {
		const first = await records.next();
		if (first.done) {
			throw new UserError(`${file} is empty; an ${format} CSV starts with a header row.`);
		}
		header = first.value.record.map((name) => name.trim().toLowerCase());
		checkHeader(file, header, columns, format);
	} catch (error) {
		close();
		throw error instanceof UserError ? error : csvError(file, error);
	}

	// csv-parse reports the line where a record ends and counts a CRLF inside a quoted field as two
	// lines; both are corrected here so each row names the line where it starts.
	let overcount = 0;
	async function* rows(): AsyncIterable<CsvRow> {
		try {
			yield* readRows();
		} finally {
			close();
		}
	}
	async function* readRows(): AsyncIterable<CsvRow> {
		while (true) {
			let next: IteratorResult<{ record: string[]; info: { lines: number } }>;
			try {
				next = await records.next();
			} catch (error) {
				throw csvError(file, error);
			}
			if (next.done) return;
			const { record, info } = next.value;
			let breaks = 0;
			for (const field of record) {
				overcount += field.match(/\r\n/g)?.length ?? 0;
				breaks += field.match(/\r\n|\n|\r/g)?.length ?? 0;
			}
			const lastEnd = info.lines - overcount;
			const values: Record<string, string> = {};
			header.forEach((name, i) => (values[name] = record[i] ?? ''));
			yield {
				line: lastEnd - breaks,
				values,
				...(record.length !== header.length
					? {
							fieldCountError: `has ${record.length} fields where the header has ${header.length}.`
						}
					: {})
			};
		}
	}

	return { header, rows: rows(), bytesRead: () => stream.bytesRead, totalBytes };
}

function checkHeader(file: string, header: string[], columns: CsvColumns, format: string): void {
	const known = new Set([...columns.required, ...columns.optional]);
	const duplicate = header.find((name, i) => header.indexOf(name) !== i);
	const missing = columns.required.filter((name) => !header.includes(name));
	const unknown = header.filter((name) => !known.has(name));
	const expected = `the ${format} columns are ${[...columns.required, ...columns.optional].join(', ')}`;
	if (duplicate) throw new UserError(`${file} has the column "${duplicate}" twice; ${expected}.`);
	if (missing.length) {
		throw new UserError(`${file} has a wrong header: it lacks ${missing.join(', ')}; ${expected}.`);
	}
	if (unknown.length) {
		throw new UserError(
			`${file} has a wrong header: ${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length > 1 ? 'are not columns' : 'is not a column'} of the ${format} format; ${expected}.`
		);
	}
}

function csvError(file: string, error: unknown): UserError {
	const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : '';
	if (code === 'CSV_QUOTE_NOT_CLOSED') {
		const line = findUnclosedQuote(file);
		return new UserError(
			`${file} cannot be read as CSV: the quote opened on line ${line ?? '?'} is never closed.`
		);
	}
	const message = error instanceof Error ? error.message : String(error);
	const line = /line (\d+)/i.exec(message)?.[1];
	return new UserError(
		`${file} cannot be read as CSV${line ? ` (near line ${line})` : ''}: ${message.replace(/^Invalid /, 'invalid ').replace(/\.$/, '')}.`
	);
}

/** The line of the last quote that opens a field and is never closed (csv-parse names the end). */
function findUnclosedQuote(file: string): number | undefined {
	const fd = fs.openSync(file, 'r');
	try {
		const buffer = Buffer.alloc(1 << 16);
		let line = 1;
		let inQuote = false;
		let openedOn = 0;
		for (let read; (read = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0;) {
			for (let i = 0; i < read; i++) {
				const byte = buffer[i];
				if (byte === 0x0a) line++;
				else if (byte === 0x22) {
					inQuote = !inQuote;
					if (inQuote) openedOn = line;
				}
			}
		}
		return inQuote ? openedOn : undefined;
	} finally {
		fs.closeSync(fd);
	}
}
