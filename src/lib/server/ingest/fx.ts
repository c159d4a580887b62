import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { parseLocalDate, PeriodError, type LocalDate } from '../metrics/period';
import { getSettings } from '../settings';
import { openCsv } from './csv-reader';
import { emptySummary, type ImportSummary } from './import-result';
import { FieldError, parseCurrency, parseDecimal } from './values';

export interface FxTable {
	reportingCurrency: string;
	/** The rate in force on `day`: the latest on or before it; undefined when there is none. */
	rateOn(currency: string, day: LocalDate): string | undefined;
}

/** Loads every exchange rate once (a small table) for converting a batch of records. */
export async function loadFxTable(db: Kysely<DB>, reportingCurrency: string): Promise<FxTable> {
	const rows = await db
		.selectFrom('fx_rate')
		.select(['currency', 'day', 'rate'])
		.orderBy('currency')
		.orderBy('day')
		.execute();
	const byCurrency = new Map<string, { days: string[]; rates: string[] }>();
	for (const row of rows) {
		const currency = row.currency.trim();
		let series = byCurrency.get(currency);
		if (!series) byCurrency.set(currency, (series = { days: [], rates: [] }));
		series.days.push(row.day);
		series.rates.push(row.rate);
	}
	return {
		reportingCurrency,
		rateOn(currency, day) {
			if (currency === reportingCurrency) return '1';
			const series = byCurrency.get(currency);
			if (!series) return undefined;
			let low = 0;
			let high = series.days.length - 1;
			let found = -1;
			while (low <= high) {
				const mid = (low + high) >> 1;
				if ((series.days[mid] ?? '') <= day) {
					found = mid;
					low = mid + 1;
				} else {
					high = mid - 1;
				}
			}
			return found >= 0 ? series.rates[found] : undefined;
		}
	};
}

/** Rates keep up to 12 decimals, enough for 1 VND or IDR in USD. */
const RATE_DECIMALS = 12;

export const FX_COLUMNS = { required: ['currency', 'day', 'rate'], optional: [] } as const;

/**
 * Imports canonical `fx_rates` rows (units of the reporting currency per unit of `currency`) in
 * one transaction, then re-converts the stored orders whose rate in force changed.
 */
export async function importFxCsv(db: Kysely<DB>, file: string): Promise<ImportSummary> {
	const settings = await getSettings(db);
	const csv = await openCsv(file, FX_COLUMNS, 'fx_rates');
	return db.transaction().execute(async (trx) => {
		const summary = emptySummary();
		const existing = new Map(
			(await trx.selectFrom('fx_rate').select(['currency', 'day', 'rate']).execute()).map((r) => [
				`${r.currency.trim()} ${r.day}`,
				parseDecimal('rate', r.rate, RATE_DECIMALS)
			])
		);
		const fresh: { currency: string; day: string; rate: string }[] = [];
		for await (const row of csv.rows) {
			summary.rows++;
			const ref = `${row.values.currency ?? ''} ${row.values.day ?? ''}`.trim();
			try {
				if (row.fieldCountError) throw new FieldError('(row)', row.fieldCountError);
				const currency = parseCurrency('currency', row.values.currency ?? '');
				if (currency === settings.reportingCurrency) {
					throw new FieldError(
						'currency',
						`${currency} is the reporting currency; its rate is always 1.`
					);
				}
				const day = parseDay(row.values.day ?? '');
				const rate = parseDecimal('rate', row.values.rate ?? '', RATE_DECIMALS);
				if (rate.startsWith('-') || rate === '0') {
					throw new FieldError('rate', `"${row.values.rate}" is not a positive rate.`);
				}
				const key = `${currency} ${day}`;
				const stored = existing.get(key);
				if (stored === undefined) {
					existing.set(key, rate);
					fresh.push({ currency, day, rate });
				} else if (stored === rate) {
					summary.skipped++;
				} else {
					throw new FieldError(
						'rate',
						`${currency} on ${day} is already stored with the rate ${stored}.`
					);
				}
			} catch (error) {
				if (!(error instanceof FieldError)) throw error;
				summary.rejected.push({ line: row.line, ref, field: error.field, message: error.message });
			}
		}
		for (let i = 0; i < fresh.length; i += 5000) {
			await trx
				.insertInto('fx_rate')
				.values(fresh.slice(i, i + 5000))
				.execute();
		}
		summary.stored = fresh.length;
		await reconvertOrders(trx, fresh, settings.timeZone);
		return summary;
	});
}

/** Orders on or after the earliest new rate of their currency get the rate now in force. */
async function reconvertOrders(
	db: Kysely<DB>,
	rates: readonly { currency: string; day: string }[],
	timeZone: string
): Promise<void> {
	const earliest = new Map<string, string>();
	for (const { currency, day } of rates) {
		const current = earliest.get(currency);
		if (!current || day < current) earliest.set(currency, day);
	}
	for (const [currency, day] of earliest) {
		await sql`
			update customer_order o
			set reporting_amount = o.amount * (
				select f.rate from fx_rate f
				where f.currency = o.currency
				and f.day <= coalesce(o.ordered_on, (o.ordered_at at time zone ${timeZone})::date)
				order by f.day desc limit 1
			)
			where o.currency = ${currency}
			and coalesce(o.ordered_on, (o.ordered_at at time zone ${timeZone})::date) >= ${day}::date
		`.execute(db);
	}
}

function parseDay(text: string): LocalDate {
	try {
		return parseLocalDate(text);
	} catch (error) {
		if (error instanceof PeriodError)
			throw new FieldError('day', `"${text}" is not a date (YYYY-MM-DD).`);
		throw error;
	}
}
