import { refreshRollups, yieldToRequests } from '../rollups/refresh';
import { fitCustomerModels } from '../scoring/customer-models';
import { sql, type Kysely } from 'kysely';
import { DemoCompany, dateOf, type PersonPlan } from '../../../../db/seed/company';
import { CRM, DEMO_MODEL, DEMO_SOURCES, SHOP } from '../../../../db/seed/model';
import { recordAudit } from '../audit';
import type { DB } from '../db/schema';
import { nextChunkSize } from '../db/chunked';
import { EXIT, UserError } from '../errors';
import { evaluateMetric } from '../metrics/evaluate';
import { addMonths, localDateOf, parseLocalDate } from '../metrics/period';
import { setTargets } from '../metrics/targets';
import { getSettings } from '../settings';
import { writePeople, type Window } from './rows';
import {
	getDemoState,
	hasDemoRows,
	hasRealCustomers,
	saveDemoState,
	type DemoState
} from './state';

export const DEFAULT_DEMO_SEED = 'cx-demo';

export interface SeedDemoOptions {
	seed?: string;
	customers?: number;
	/** 'YYYY-MM-DD'; default today in the organization's time zone (the demo then stays live). */
	anchor?: string;
	now?: Date;
	onProgress?: (progress: DemoProgress) => void;
	/** A chunk's transaction aims at this many milliseconds (never more than 250). */
	chunkBudgetMs?: number;
	/** Demo users created beforehand, deleted with the demo. */
	userIds?: number[];
}

export interface DemoProgress {
	/** People written so far, of `total`. */
	done: number;
	total: number;
	rows: number;
}

export interface DemoSummary {
	people: number;
	rows: number;
	anchor: string;
	through: Date;
	seconds: number;
	chunks: number;
	/** The longest single transaction, in milliseconds. */
	longestChunkMs: number;
}

const MAX_CUSTOMERS = 1_000_000;

/** Checks a `--customers` value: a whole number from 100 to a million. */
export function parseCustomers(text: string): number {
	const value = Number(text);
	if (!/^\d+$/.test(text) || value < 100 || value > MAX_CUSTOMERS) {
		throw new UserError(
			`--customers "${text}" is not a size: give a whole number from 100 to ${MAX_CUSTOMERS.toLocaleString('en-US')}.`,
			EXIT.usage
		);
	}
	return value;
}

/**
 * Fills an installation without customer data with the demo company: three years up to the anchor
 * date, written in chunks of one short transaction each so a running server keeps answering.
 */
export async function seedDemo(
	db: Kysely<DB>,
	options: SeedDemoOptions = {}
): Promise<DemoSummary> {
	const started = performance.now();
	const now = options.now ?? new Date();
	if (await getDemoState(db)) {
		throw new UserError(
			'The demo company is already here; remove it first with "npm run cx -- demo remove".'
		);
	}
	if (await hasRealCustomers(db)) {
		throw new UserError(
			'This installation already holds real customer data; the demo company only goes into an empty one.'
		);
	}
	if (await hasDemoRows(db)) {
		throw new UserError(
			'Rows of an unfinished demo are still here; remove them with "npm run cx -- demo remove" first.'
		);
	}
	const settings = await getSettings(db);
	const today = localDateOf(now, settings.timeZone);
	let anchor = today;
	if (options.anchor !== undefined) {
		anchor = parseLocalDate(options.anchor);
		if (anchor > today) {
			throw new UserError(
				`--anchor ${anchor} is in the future; the demo ends today (${today}) at the latest.`,
				EXIT.usage
			);
		}
	}
	const customers = options.customers ?? DEMO_MODEL.defaultCustomers;
	const company = new DemoCompany({
		seed: options.seed ?? DEFAULT_DEMO_SEED,
		customers,
		anchor,
		timeZone: settings.timeZone,
		reportingCurrency: settings.reportingCurrency
	});
	const through = Math.min(now.getTime(), company.axis.start(company.anchorDay + 1));
	const state: DemoState = {
		status: 'seeding',
		seed: company.options.seed,
		customers,
		anchor,
		timeZone: settings.timeZone,
		reportingCurrency: settings.reportingCurrency,
		live: anchor === today,
		through: new Date(through).toISOString(),
		userIds: options.userIds ?? []
	};

	await db.transaction().execute(async (trx) => {
		await saveDemoState(trx, state);
		await sql`
			insert into source (source, label)
			values (${SHOP}, 'Demo web shop'), (${CRM}, 'Demo CRM')
			on conflict (source) do nothing
		`.execute(trx);
		for (const [program, spec] of Object.entries(DEMO_MODEL.programs)) {
			await trx
				.insertInto('program')
				.values({ program, label: spec.label, measurement_window_days: spec.windowDays })
				.onConflict((oc) => oc.column('program').doNothing())
				.execute();
		}
		await writeFxRates(trx, company, company.historyStartDay - 7, company.axis.dayAt(through - 1));
	});

	const written = await simulateAndWrite(
		db,
		company,
		{ from: Number.NEGATIVE_INFINITY, to: through },
		options
	);
	// The rollups take the new rows in now, so the board has figures when the progress card goes.
	await refreshRollups(db, { pause: yieldToRequests });
	// A default-size demo is fitted at once (under a second); a larger one would hold the server's
	// event loop for long, so the server's schedule fits it in a child process instead.
	if (customers <= IN_PROCESS_FIT_CUSTOMERS) await fitDemoModels(db, anchor);
	await setDemoTargets(db, anchor, new Date(through));
	await db.transaction().execute(async (trx) => {
		await saveDemoState(trx, { ...state, status: 'ready' });
		await recordAudit(trx, {
			actorUserId: null,
			action: 'demo.seed',
			target: null,
			detail: { customers, anchor, live: state.live }
		});
	});
	return {
		...written,
		anchor,
		through: new Date(through),
		seconds: (performance.now() - started) / 1000
	};
}

const IN_PROCESS_FIT_CUSTOMERS = 20_000;

/**
 * The customer models fitted on the demo, so that its board shows revenue at risk and CLV; a demo
 * too small to fit (under 100 known first purchases) keeps "not fitted yet", which is the truth.
 */
async function fitDemoModels(db: Kysely<DB>, anchor: string): Promise<void> {
	try {
		// on the data up to the anchor day, where the demo's history ends
		await fitCustomerModels(db, { until: anchor });
	} catch (error) {
		if (!(error instanceof UserError)) throw error;
	}
}

/**
 * Targets a company like this would set, around its own figures, so that the board shows every
 * status: active customers a little under the anchor's value (on target), repeat purchase at 36%
 * (near), churn at 4% a month, NPS at 25 (off target). From a year before the anchor month to a
 * year after it; a target an admin set stays.
 */
async function setDemoTargets(db: Kysely<DB>, anchor: string, now: Date): Promise<void> {
	const active = await evaluateMetric(db, {
		id: 'active-customers',
		from: `${anchor.slice(0, 8)}01`,
		to: anchor,
		now
	});
	const start = addMonths(anchor.slice(0, 7), -11);
	const targets: [string, string][] = [
		['active-customers', String(Math.max(1, Math.round(((active.value ?? 0) * 0.98) / 10) * 10))],
		['repeat-purchase-rate', '36'],
		['churn-rate', '4'],
		['nps', '25']
	];
	for (const [metricId, value] of targets) {
		await setTargets(db, null, { metricId, month: start, value, months: 24 }, { demo: true });
	}
}

export async function writeFxRates(
	db: Kysely<DB>,
	company: DemoCompany,
	fromDay: number,
	toDay: number
): Promise<void> {
	const rates = company.fxRates(fromDay, toDay);
	if (!rates.length) return;
	await sql`
		insert into fx_rate (currency, day, rate)
		select * from unnest(
			${rates.map((r) => r.currency)}::text[],
			${rates.map((r) => dateOf(r.day))}::date[],
			${rates.map((r) => r.rate)}::numeric[]
		)
		on conflict (currency, day) do nothing
	`.execute(db);
}

/**
 * Simulates every person up to `window.to` and writes their rows in `window`, in chunks whose size
 * adapts so each transaction takes about `chunkBudgetMs`; between chunks the event loop is free.
 */
export async function simulateAndWrite(
	db: Kysely<DB>,
	company: DemoCompany,
	window: Window,
	options: Pick<SeedDemoOptions, 'onProgress' | 'chunkBudgetMs'> = {},
	ids = new Map<string, number>()
): Promise<Pick<DemoSummary, 'people' | 'rows' | 'chunks' | 'longestChunkMs'>> {
	const budget = Math.min(options.chunkBudgetMs ?? 120, 250);
	const lastDay = company.axis.dayAt(window.to - 1);
	const plans: PersonPlan[] = [];
	for (let day = company.historyStartDay; day <= lastDay; day++)
		plans.push(...company.arrivals(day));
	const horizon = lastDay + 3;
	const { reportingCurrency, timeZone } = company.options;

	let size = 50;
	let rows = 0;
	let chunks = 0;
	let longest = 0;
	for (let done = 0; done < plans.length;) {
		const batch = plans.slice(done, done + size).map((plan) => company.simulate(plan, horizon));
		const begun = performance.now();
		rows += await db
			.transaction()
			.execute((trx) => writePeople(trx, batch, ids, window, reportingCurrency, timeZone));
		const elapsed = performance.now() - begun;
		longest = Math.max(longest, elapsed);
		chunks++;
		done += batch.length;
		options.onProgress?.({ done, total: plans.length, rows });
		// Aim the next chunk at the budget from this one's cost per person, growing at most twofold
		// (and simulating at most 400 people at once: that is CPU time on the server's thread too).
		size = nextChunkSize(size, elapsed, budget, { min: 5, max: 400 });
		await new Promise((resolve) => setImmediate(resolve));
	}
	return { people: plans.length, rows, chunks, longestChunkMs: longest };
}

/** The customer ids of the demo people already stored, by their first ref. */
export async function demoCustomerIds(db: Kysely<DB>): Promise<Map<string, number>> {
	const rows = await db
		.selectFrom('identity')
		.select(['value', 'customer_id'])
		.where('source', 'in', [...DEMO_SOURCES])
		.where('kind', '=', 'ref')
		.execute();
	return new Map(rows.map((row) => [row.value, Number(row.customer_id)]));
}
