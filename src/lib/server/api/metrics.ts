import type { Kysely } from 'kysely';
import type { DB } from '../db/schema';
import { EXIT, UserError } from '../errors';
import { metricCatalog, TABLE_METRICS } from '../metrics/catalog';
import { toleranceOf } from '../metrics/catalog-entry';
import { checkMetricId, evaluateAny, type MetricJson, type TableJson } from '../metrics/evaluate';
import { parseLocalDate, PeriodError } from '../metrics/period';

/** One catalog entry as `GET /api/v1/metrics` lists it: what it is, never how it is computed. */
export interface MetricDescription {
	id: string;
	kind: 'scalar' | 'table';
	label: string;
	definition: string;
	unit: string | null;
	better: string | null;
	target: number | null;
	tolerance: number | null;
	minN: number | null;
	exactness: string;
	href: string;
}

export function describeCatalog(): MetricDescription[] {
	const scalars: MetricDescription[] = metricCatalog.map((entry) => ({
		id: entry.id,
		kind: 'scalar',
		label: entry.label,
		definition: entry.definition,
		unit: entry.unit,
		better: entry.better,
		target: entry.target ?? null,
		tolerance: entry.target === undefined ? null : toleranceOf(entry, entry.target),
		minN: entry.minN,
		exactness: entry.exactness,
		href: `/api/v1/metrics/${entry.id}`
	}));
	const tables: MetricDescription[] = TABLE_METRICS.map((entry) => ({
		id: entry.id,
		kind: 'table',
		label: entry.label,
		definition: entry.definition,
		unit: null,
		better: null,
		target: null,
		tolerance: null,
		minN: null,
		exactness: 'exact',
		href: `/api/v1/metrics/${entry.id}`
	}));
	return [...scalars, ...tables];
}

/** An API error: its HTTP status and one sentence. */
export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
	}
}

/**
 * `GET /api/v1/metrics/<id>?from=&to=&compare=&excludeSinglePurchase=`: the metric JSON of
 * PRODUCT.md §3, the very object `cx metric <id> --json` prints. Unknown ids are 404, malformed
 * parameters 400.
 */
export async function metricForApi(
	db: Kysely<DB>,
	id: string,
	query: URLSearchParams,
	now?: Date
): Promise<MetricJson | TableJson> {
	try {
		checkMetricId(id);
	} catch (error) {
		if (error instanceof UserError) throw new ApiError(404, error.message);
		throw error;
	}
	const known = new Set(['from', 'to', 'compare', 'excludeSinglePurchase']);
	for (const key of query.keys()) {
		if (!known.has(key)) {
			throw new ApiError(
				400,
				`Unknown parameter "${key}"; the parameters are from, to, compare and excludeSinglePurchase.`
			);
		}
	}
	const from = query.get('from') ?? undefined;
	const to = query.get('to') ?? undefined;
	const compare = query.get('compare') ?? undefined;
	const exclude = query.get('excludeSinglePurchase');
	if (exclude !== null && exclude !== 'true' && exclude !== 'false') {
		throw new ApiError(
			400,
			`excludeSinglePurchase must be "true" or "false", not ${JSON.stringify(exclude.slice(0, 40))}.`
		);
	}
	try {
		if (from !== undefined) parseLocalDate(from);
		if (to !== undefined) parseLocalDate(to);
		if (to !== undefined && from === undefined) {
			throw new UserError('to needs from: give the first day of the period too.', EXIT.usage);
		}
		if (from !== undefined && to !== undefined && from > to) {
			throw new UserError(`The start date ${from} is after the end date ${to}.`, EXIT.usage);
		}
		return await evaluateAny(db, {
			id,
			...(from !== undefined ? { from } : {}),
			...(to !== undefined ? { to } : {}),
			...(compare !== undefined ? { compare } : {}),
			...(exclude === 'true' ? { excludeSinglePurchase: true } : {}),
			...(now ? { now } : {})
		});
	} catch (error) {
		if (error instanceof PeriodError) throw new ApiError(400, error.message);
		if (error instanceof UserError && error.exitCode === EXIT.usage) {
			throw new ApiError(400, error.message.replace('--compare', 'compare'));
		}
		throw error;
	}
}
