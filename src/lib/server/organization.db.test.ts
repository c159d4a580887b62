import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshRollups } from './rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../tests/helpers/database';
import { addCustomer, addOrder } from '../../../tests/helpers/fixtures';
import { listAudit } from './audit';
import { loadBoard } from './board/board';
import { UserError } from './errors';
import { needsOrganizationSetup, saveOrganizationSetup, type SetupForm } from './organization';
import { getSettings, updateSettings } from './settings';

const VALID: SetupForm = {
	organizationName: '  Acme Retail  ',
	timeZone: 'Europe/Berlin',
	reportingCurrency: 'eur',
	fiscalYearStartMonth: '4',
	activityWindowDays: '180'
};

/** The one sentence a refusal carries, or undefined if the save went through. */
async function refusal(work: Promise<unknown>): Promise<string | undefined> {
	try {
		await work;
		return undefined;
	} catch (error) {
		expect(error).toBeInstanceOf(UserError);
		return (error as UserError).message;
	}
}

function expectOneSentence(message: string | undefined, field: RegExp) {
	expect(message).toMatch(field);
	expect(message).toMatch(/^[A-Z][^.]*\.$/);
}

describe('saving the organization setup', () => {
	let database: TestDatabase;
	beforeAll(async () => {
		database = await openTestDatabase();
	});
	afterAll(() => database.close());

	it('is needed until the organization name is stored', async () => {
		expect(await needsOrganizationSetup(database.db)).toBe(true);
		expect((await getSettings(database.db)).organizationName).toBeNull();
	});

	it('validates and stores each field, and audits the keys it set', async () => {
		const changed = await saveOrganizationSetup(database.db, null, VALID);
		expect(changed).toEqual([
			'organization_name',
			'time_zone',
			'reporting_currency',
			'fiscal_year_start_month',
			'activity_window_days'
		]);
		expect(await getSettings(database.db)).toMatchObject({
			organizationName: 'Acme Retail',
			timeZone: 'Europe/Berlin',
			reportingCurrency: 'EUR',
			fiscalYearStartMonth: 4,
			activityWindowDays: 180
		});
		expect(await needsOrganizationSetup(database.db)).toBe(false);
		const [row, ...older] = await listAudit(database.db, 10);
		expect(older).toEqual([]);
		expect(row).toMatchObject({ action: 'settings.update', detail: { keys: changed } });
	});

	it.each([
		[{ organizationName: '   ' }, /organization name/],
		[{ organizationName: 'x'.repeat(101) }, /organization name/],
		[{ timeZone: 'Mars/Olympus_Mons' }, /time zone/],
		[{ timeZone: '' }, /time zone/],
		[{ reportingCurrency: 'EURO' }, /reporting currency/],
		[{ reportingCurrency: '€' }, /reporting currency/],
		[{ fiscalYearStartMonth: '13' }, /fiscal year start month/],
		[{ fiscalYearStartMonth: '0' }, /fiscal year start month/],
		[{ fiscalYearStartMonth: '2.5' }, /fiscal year start month/],
		[{ activityWindowDays: '29' }, /activity window/],
		[{ activityWindowDays: '1096' }, /activity window/],
		[{ activityWindowDays: 'a year' }, /activity window/],
		[{ activityWindowDays: undefined }, /activity window/]
	])('refuses %j with one sentence naming the field, storing nothing', async (bad, field) => {
		const before = await getSettings(database.db);
		const audits = (await listAudit(database.db, 100)).length;
		// every other field changes too: none of it may be stored
		const form = {
			organizationName: 'Other name',
			timeZone: 'Asia/Tokyo',
			reportingCurrency: 'JPY',
			fiscalYearStartMonth: '7',
			activityWindowDays: '90',
			...bad
		};
		expectOneSentence(await refusal(saveOrganizationSetup(database.db, null, form)), field);
		expect(await getSettings(database.db)).toEqual(before);
		expect(await listAudit(database.db, 100)).toHaveLength(audits);
	});

	it('names only the changed keys in the audit row, never the values', async () => {
		const changed = await saveOrganizationSetup(database.db, null, {
			...VALID,
			timeZone: 'Pacific/Auckland',
			activityWindowDays: '365'
		});
		expect(changed).toEqual(['time_zone', 'activity_window_days']);
		const [row] = await listAudit(database.db, 1);
		expect(row).toMatchObject({ action: 'settings.update', target: null });
		expect(row!.detail).toEqual({ keys: ['time_zone', 'activity_window_days'] });
		expect(JSON.stringify(row!.detail)).not.toMatch(/Auckland|365|Acme/);
	});

	it('writes no audit row when nothing changed', async () => {
		const audits = (await listAudit(database.db, 100)).length;
		const changed = await saveOrganizationSetup(database.db, null, {
			...VALID,
			timeZone: 'Pacific/Auckland',
			activityWindowDays: '365'
		});
		expect(changed).toEqual([]);
		expect(await listAudit(database.db, 100)).toHaveLength(audits);
	});
});

describe('changing the reporting currency', () => {
	let database: TestDatabase;
	const form = { ...VALID, reportingCurrency: 'USD' };
	beforeAll(async () => {
		database = await openTestDatabase();
		await saveOrganizationSetup(database.db, null, form);
	});
	afterAll(() => database.close());

	it('is allowed while only demo orders exist', async () => {
		const demo = await addCustomer(database.db, { source: 'demo' });
		await addOrder(database.db, demo, '2026-01-10T10:00:00Z', { source: 'demo' });
		expect(
			await saveOrganizationSetup(database.db, null, { ...form, reportingCurrency: 'GBP' })
		).toEqual(['reporting_currency']);
		expect((await getSettings(database.db)).reportingCurrency).toBe('GBP');
	});

	it('is refused with one sentence once a non-demo order exists, storing nothing', async () => {
		const real = await addCustomer(database.db, { source: 'shop' });
		await addOrder(database.db, real, '2026-01-11T10:00:00Z', { source: 'shop' });
		const audits = (await listAudit(database.db, 100)).length;
		const message = await refusal(
			saveOrganizationSetup(database.db, null, {
				...form,
				reportingCurrency: 'EUR',
				timeZone: 'Asia/Tokyo'
			})
		);
		expectOneSentence(message, /reporting currency stays GBP/);
		expect(await getSettings(database.db)).toMatchObject({
			reportingCurrency: 'GBP',
			timeZone: 'Europe/Berlin'
		});
		expect(await listAudit(database.db, 100)).toHaveLength(audits);
		// keeping the currency, the other settings still save
		expect(
			await saveOrganizationSetup(database.db, null, {
				...form,
				reportingCurrency: 'gbp',
				timeZone: 'Asia/Tokyo'
			})
		).toEqual(['time_zone']);
	});
});

// Two customers: A orders at 2026-03-31T13:00Z — 31 Mar in UTC, but 1 Apr 02:00 in Auckland
// (NZDT, UTC+13) — and B at 2026-03-15T12:00Z (15 Mar UTC, 16 Mar 01:00 Auckland). Activity window
// 30 days, so a customer is active on d with an order in [d − 29, d].
describe('the board after the time zone changes', () => {
	let database: TestDatabase;
	const now = new Date('2026-06-15T12:00:00Z');
	const form = {
		organizationName: 'Kiwi Goods',
		timeZone: 'UTC',
		reportingCurrency: 'USD',
		fiscalYearStartMonth: '1',
		activityWindowDays: '30'
	};
	beforeAll(async () => {
		database = await openTestDatabase();
		await updateSettings(database.db, { historyStart: '2024-01-01' });
		await saveOrganizationSetup(database.db, null, form);
		await addOrder(database.db, await addCustomer(database.db), '2026-03-31T13:00:00Z');
		await addOrder(database.db, await addCustomer(database.db), '2026-03-15T12:00:00Z');
	});
	afterAll(() => database.close());

	async function activeIn(from: string, to: string) {
		await refreshRollups(database.db);
		const board = await loadBoard(database.db, { now, from, to });
		expect(board.problem).toBeNull();
		return { timeZone: board.timeZone, active: board.tiles[0]!.value };
	}

	it('counts local dates in the new zone: the order of 31 Mar 13:00 UTC moves to April', async () => {
		// UTC: end of March, window 2–31 Mar holds A and B; end of April, 1–30 Apr holds none.
		expect(await activeIn('2026-03-01', '2026-03-31')).toEqual({ timeZone: 'UTC', active: 2 });
		expect(await activeIn('2026-04-01', '2026-04-30')).toEqual({ timeZone: 'UTC', active: 0 });

		await saveOrganizationSetup(database.db, null, { ...form, timeZone: 'Pacific/Auckland' });

		// Auckland: A bought on 1 Apr, so March ends with B only and April with A only.
		expect(await activeIn('2026-03-01', '2026-03-31')).toEqual({
			timeZone: 'Pacific/Auckland',
			active: 1
		});
		expect(await activeIn('2026-04-01', '2026-04-30')).toEqual({
			timeZone: 'Pacific/Auckland',
			active: 1
		});
	});

	it('starts the current period at local midnight in the new zone', async () => {
		// 31 Mar 14:00 UTC is 1 Apr 03:00 in Auckland: the board's default period is April to date.
		const at = new Date('2026-03-31T14:00:00Z');
		await refreshRollups(database.db);
		const board = await loadBoard(database.db, { now: at });
		expect(board.period).toMatchObject({
			kind: 'month',
			from: '2026-04-01',
			to: '2026-04-01',
			partial: true
		});
		// active on 1 Apr (window 3 Mar – 1 Apr): A (1 Apr) and B (16 Mar)
		expect(board.tiles[0]!.value).toBe(2);

		await saveOrganizationSetup(database.db, null, form); // back to UTC
		const utc = await loadBoard(database.db, { now: at });
		expect(utc.period).toMatchObject({ from: '2026-03-01', to: '2026-03-31', partial: true });
	});
});
