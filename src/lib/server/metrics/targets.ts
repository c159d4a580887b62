import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit';
import type { DB } from '../db/schema';
import { UserError } from '../errors';
import { getSettings } from '../settings';
import { findMetric, metricCatalog } from './catalog';
import type { MetricEntry } from './catalog-entry';
import { addMonths, localDateOf, type Period } from './period';

/**
 * Targets per metric and month, set by admins (PRODUCT.md §3 "Status"): a period's target is the
 * target of the month that holds its last day; without one, the catalog's own target, if any.
 * Every metric in the catalog now is a level (a count of customers, a rate, an index), so the
 * month-of-the-last-day rule applies to all of them; flow counts (purchases today, …) will sum
 * their days' shares of the monthly target when they arrive.
 */
export interface TargetBook {
	/** The stored target of `metricId` for `month` ('YYYY-MM'), if any. */
	get(metricId: string, month: string): number | undefined;
}

export interface StoredTarget {
	metricId: string;
	/** 'YYYY-MM' */
	month: string;
	target: number;
	/** Set by the demo company (removed with it). */
	demo: boolean;
}

export async function listTargets(db: Kysely<DB>): Promise<StoredTarget[]> {
	const rows = await db
		.selectFrom('metric_target')
		.select(['metric_id', 'month', 'target', 'demo'])
		.orderBy('metric_id')
		.orderBy('month')
		.execute();
	return rows.map((row) => ({
		metricId: row.metric_id,
		month: row.month.slice(0, 7),
		target: Number(row.target),
		demo: row.demo
	}));
}

export async function loadTargets(db: Kysely<DB>): Promise<TargetBook> {
	const stored = new Map(
		(await listTargets(db)).map((t) => [`${t.metricId}/${t.month}`, t.target] as const)
	);
	return { get: (metricId, month) => stored.get(`${metricId}/${month}`) };
}

/** The target in force for `period`: the month of its last day, else the catalog's. */
export function targetOf(book: TargetBook, entry: MetricEntry, period: Pick<Period, 'to'>) {
	return book.get(entry.id, period.to.slice(0, 7)) ?? entry.target;
}

/** How an admin types a target: ratios as percentages, everything else as the value itself. */
export function targetToInput(entry: MetricEntry, target: number): string {
	return entry.unit === 'ratio' ? String(Number((target * 100).toFixed(4))) : String(target);
}

const LIMITS: Partial<Record<MetricEntry['unit'], { min: number; max: number; words: string }>> = {
	ratio: { min: 0, max: 1, words: 'a percentage from 0 to 100' },
	index: { min: -100, max: 100, words: 'a number from −100 to 100' },
	count: { min: 0, max: 1e12, words: 'a number of 0 or more' }
};

export function parseTargetInput(entry: MetricEntry, text: string): number {
	const cleaned = text.trim().replace(/\s*%$/, '').replace(',', '.');
	const limits = LIMITS[entry.unit] ?? { min: -1e12, max: 1e12, words: 'a number' };
	if (!/^-?\d+(\.\d+)?$/.test(cleaned)) {
		throw new UserError(`The target for ${entry.label} must be ${limits.words}, not "${text}".`);
	}
	const value = entry.unit === 'ratio' ? Number(cleaned) / 100 : Number(cleaned);
	if (value < limits.min || value > limits.max) {
		throw new UserError(`The target for ${entry.label} must be ${limits.words}, not "${text}".`);
	}
	return value;
}

function parseMonth(text: string): string {
	const match = /^(\d{4})-(\d{2})$/.exec(text.trim());
	if (!match || Number(match[2]) < 1 || Number(match[2]) > 12 || Number(match[1]) < 2000) {
		throw new UserError(`"${text}" is not a month; give it as YYYY-MM, e.g. 2026-11.`);
	}
	return `${match[1]}-${match[2]}`;
}

function metricOf(id: string): MetricEntry {
	const entry = findMetric(id);
	if (!entry) throw new UserError(`There is no metric "${id}".`);
	return entry;
}

/**
 * Sets the target of one metric for `months` months from `month` on (1 to 24), replacing what was
 * there; one `targets.update` audit row names the metric and the months, not the values.
 */
export async function setTargets(
	db: Kysely<DB>,
	actorUserId: number | null,
	form: { metricId: string; month: string; value: string; months?: number },
	options: { demo?: boolean } = {}
): Promise<void> {
	const entry = metricOf(form.metricId);
	const first = parseMonth(form.month);
	const count = form.months ?? 1;
	if (!Number.isInteger(count) || count < 1 || count > 24) {
		throw new UserError('Set a target for 1 to 24 months at a time.');
	}
	const value = parseTargetInput(entry, form.value);
	const months = monthsFrom(first, count);
	await db.transaction().execute(async (trx) => {
		await sql`
			insert into metric_target (metric_id, month, target, demo, updated_by)
			select ${entry.id}, m::date, ${String(value)}::numeric, ${options.demo ?? false}, ${actorUserId}::bigint
			from unnest(${months.map((m) => `${m}-01`)}::text[]) as u(m)
			on conflict (metric_id, month) do update
				set target = excluded.target, demo = excluded.demo,
					updated_by = excluded.updated_by, updated_at = now()
				-- the demo never replaces a target an admin set
				where not excluded.demo or metric_target.demo
		`.execute(trx);
		if (!options.demo) {
			await recordAudit(trx, {
				actorUserId,
				action: 'targets.update',
				target: `metric:${entry.id}`,
				detail: { months }
			});
		}
	});
}

/** Removes the targets of one metric for the months `from` to `to` ('YYYY-MM', both included). */
export async function removeTarget(
	db: Kysely<DB>,
	actorUserId: number | null,
	metricId: string,
	from: string,
	to: string = from
): Promise<void> {
	const entry = metricOf(metricId);
	const first = parseMonth(from);
	const last = parseMonth(to);
	if (last < first) throw new UserError(`The month ${last} comes before ${first}.`);
	await db.transaction().execute(async (trx) => {
		const result = await trx
			.deleteFrom('metric_target')
			.where('metric_id', '=', entry.id)
			.where('month', '>=', `${first}-01`)
			.where('month', '<=', `${last}-01`)
			.executeTakeFirst();
		const range = first === last ? first : `${first} to ${last}`;
		if (Number(result.numDeletedRows) === 0) {
			throw new UserError(`${entry.label} has no target for ${range}.`);
		}
		await recordAudit(trx, {
			actorUserId,
			action: 'targets.remove',
			target: `metric:${entry.id}`,
			detail: { from: first, to: last }
		});
	});
}

/** Stored targets as runs of consecutive months with the same value, for listing. */
export function targetRuns(
	targets: readonly StoredTarget[]
): { metricId: string; from: string; to: string; target: number; demo: boolean }[] {
	const runs: { metricId: string; from: string; to: string; target: number; demo: boolean }[] = [];
	for (const t of targets) {
		const last = runs[runs.length - 1];
		if (
			last &&
			last.metricId === t.metricId &&
			last.target === t.target &&
			last.demo === t.demo &&
			addMonths(last.to, 1) === t.month
		) {
			last.to = t.month;
		} else {
			runs.push({
				metricId: t.metricId,
				from: t.month,
				to: t.month,
				target: t.target,
				demo: t.demo
			});
		}
	}
	return runs;
}

/**
 * What the targets page shows: each metric with the target in force this month (as typed), and the
 * stored targets as runs of equal months.
 */
export async function targetsOverview(db: Kysely<DB>, now: Date) {
	const settings = await getSettings(db);
	const today = localDateOf(now, settings.timeZone);
	const stored = await listTargets(db);
	const book = await loadTargets(db);
	return {
		month: today.slice(0, 7),
		metrics: metricCatalog.map((entry) => {
			const inForce = targetOf(book, entry, { to: today });
			return {
				id: entry.id,
				label: entry.label,
				unit: entry.unit,
				better: entry.better,
				inForce: inForce === undefined ? null : targetToInput(entry, inForce)
			};
		}),
		targets: targetRuns(stored).map((run) => {
			const entry = findMetric(run.metricId);
			return {
				...run,
				label: entry?.label ?? run.metricId,
				shown: entry ? targetToInput(entry, run.target) : String(run.target),
				unit: entry?.unit ?? 'count'
			};
		})
	};
}

/** 'YYYY-MM' months from `first` on. */
export function monthsFrom(first: string, count: number): string[] {
	return Array.from({ length: count }, (_, i) => addMonths(first, i));
}
