import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import type { Settings } from '../settings';
import { earliestOrderBucket } from '../rollups/read';
import { emptyFigures, type MetricFigures } from './catalog-entry';
import { addDays, localDateOf, type LocalDate } from './period';

/** The history start in force: the setting, else the local date of the earliest imported order. */
export async function findHistoryStart(
	db: Kysely<DB>,
	settings: Settings
): Promise<LocalDate | null> {
	if (settings.historyStart) return settings.historyStart;
	// A bucket lies inside one local day of any zone, so its day is the earliest order's day.
	const earliest = await earliestOrderBucket(db);
	return earliest ? localDateOf(earliest, settings.timeZone) : null;
}

/** First purchases are known from this date on (history start + 365 days). */
export function knownFirstPurchaseFrom(historyStart: LocalDate): LocalDate {
	return addDays(historyStart, 365);
}

export const NO_ORDERS_REASON =
	'No orders have been imported yet; import them with "cx import orders <file>".';

/** Empty figures for a period that ends before the history start, flagged for callers. */
export function beforeHistory(historyStart: LocalDate): MetricFigures {
	return emptyFigures(
		`This period ends before the history start (${historyStart}), so there is no data for it.`,
		{ beforeHistory: true }
	);
}
