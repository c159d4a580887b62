import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { refreshRollups } from './rollups/refresh';
import { openTestDatabase, type TestDatabase } from '../../../tests/helpers/database';
import { thrownBy } from '../../../tests/helpers/errors';
import { addCustomer, addOrder } from '../../../tests/helpers/fixtures';
import {
	AdminSettingsError,
	getAdminSettingsPage,
	saveAdminSettings,
	type AdminSettingsForm
} from './admin-settings';
import { listAudit } from './audit';
import { findHistoryStart } from './metrics/history';
import { getSettings, updateSettings } from './settings';

// 14:00 UTC on 10 Jun 2026: still 10 Jun in UTC and in Berlin, already 11 Jun 02:00 in Auckland.
const NOW = new Date('2026-06-10T14:00:00Z');

const DEFAULT_FORM: AdminSettingsForm = {
	frequencyCapPerWeek: '4',
	discountRate: '10',
	margin: '100',
	rfmFrequencyBreakpoints: '2, 3, 4, 6',
	historyStart: ''
};

let database: TestDatabase;

beforeAll(async () => (database = await openTestDatabase()));
afterAll(() => database.close());
beforeEach(async () => {
	await database.db.deleteFrom('audit_log').execute();
	await database.db.deleteFrom('setting').execute();
	await database.db.deleteFrom('customer_order').execute();
	await updateSettings(database.db, { timeZone: 'UTC' });
});

const save = (form: AdminSettingsForm, now = NOW) =>
	saveAdminSettings(database.db, null, { ...DEFAULT_FORM, ...form }, now);

/** The refusal of `form`: its sentence and each field's sentence. */
async function refusal(form: AdminSettingsForm, now = NOW) {
	const error = await thrownBy(() => save(form, now));
	expect(error).toBeInstanceOf(AdminSettingsError);
	return { message: error.message, fields: (error as AdminSettingsError).fields };
}

describe('the settings of /admin/settings', () => {
	it('start at their defaults: cap 4 a week, 10% discount, 100% margin, no history start', async () => {
		const settings = await getSettings(database.db);
		expect(settings).toMatchObject({
			frequencyCapPerWeek: 4,
			discountRate: 0.1,
			margin: 1,
			rfmFrequencyBreakpoints: [2, 3, 4, 6],
			historyStart: null
		});
		const page = await getAdminSettingsPage(database.db, NOW);
		expect(page.values).toEqual({
			frequencyCapPerWeek: '4',
			discountRate: '10',
			margin: '100',
			rfmFrequencyBreakpoints: '2, 3, 4, 6',
			historyStart: ''
		});
		expect(page.defaults).toEqual(page.values);
		expect(page.earliestOrder).toBeNull();
		expect(page.today).toBe('2026-06-10');
	});

	it('stores each field, rates as fractions, and audits the keys without values', async () => {
		const changed = await save({
			frequencyCapPerWeek: ' 6 ',
			discountRate: '7.5',
			margin: '35',
			rfmFrequencyBreakpoints: '2/4 5,  9',
			historyStart: '2024-01-31'
		});
		expect(changed).toEqual([
			'frequency_cap_per_week',
			'discount_rate',
			'margin',
			'rfm_f_breakpoints',
			'history_start'
		]);
		expect(await getSettings(database.db)).toMatchObject({
			frequencyCapPerWeek: 6,
			discountRate: 0.075,
			margin: 0.35,
			rfmFrequencyBreakpoints: [2, 4, 5, 9],
			historyStart: '2024-01-31'
		});
		expect((await getAdminSettingsPage(database.db, NOW)).values).toEqual({
			frequencyCapPerWeek: '6',
			discountRate: '7.5',
			margin: '35',
			rfmFrequencyBreakpoints: '2, 4, 5, 9',
			historyStart: '2024-01-31'
		});
		const [row, ...older] = await listAudit(database.db, 10);
		expect(older).toEqual([]);
		expect(row).toMatchObject({ action: 'settings.update', target: null, actorUserId: null });
		expect(row!.detail).toEqual({ keys: changed });
		expect(JSON.stringify(row!.detail)).not.toMatch(/7\.5|0\.075|35|2024|\b6\b/);
	});

	it('writes and audits only the settings whose value changes', async () => {
		await save({ frequencyCapPerWeek: '6', margin: '35' });
		await database.db.deleteFrom('audit_log').execute();
		// margin and breakpoints typed differently but equal; only the discount rate changes
		expect(
			await save({
				frequencyCapPerWeek: '6',
				margin: '35.00',
				discountRate: '12',
				rfmFrequencyBreakpoints: '2,3 ,4, 6'
			})
		).toEqual(['discount_rate']);
		const rows = await listAudit(database.db, 10);
		expect(rows.map((row) => row.detail)).toEqual([{ keys: ['discount_rate'] }]);
	});

	it('writes nothing, and no audit row, when the values in force do not change', async () => {
		// the defaults, posted as they are shown: nothing to store
		expect(await save({})).toEqual([]);
		expect(await database.db.selectFrom('setting').select('key').execute()).toEqual([
			{ key: 'time_zone' }
		]);
		expect(await listAudit(database.db, 10)).toEqual([]);
	});

	it.each([
		['7,5', 0.075],
		['12.25 %', 0.1225],
		['10.1', 0.101],
		['0', 0],
		['99.99', 0.9999]
	])('reads the discount rate %j as %d', async (typed, fraction) => {
		await save({ discountRate: typed });
		expect((await getSettings(database.db)).discountRate).toBe(fraction);
	});

	it.each([
		['100', 1],
		['0.01', 0.0001],
		['62.5', 0.625]
	])('reads the margin %j as %d', async (typed, fraction) => {
		await save({ margin: typed });
		expect((await getSettings(database.db)).margin).toBe(fraction);
	});

	it.each([
		[{ frequencyCapPerWeek: '0' }, 'frequencyCapPerWeek', /frequency cap.*from 1 to 100/],
		[{ frequencyCapPerWeek: '101' }, 'frequencyCapPerWeek', /frequency cap/],
		[{ frequencyCapPerWeek: '2.5' }, 'frequencyCapPerWeek', /whole number/],
		[{ frequencyCapPerWeek: 'four' }, 'frequencyCapPerWeek', /frequency cap/],
		[{ frequencyCapPerWeek: '' }, 'frequencyCapPerWeek', /frequency cap/],
		[{ frequencyCapPerWeek: undefined }, 'frequencyCapPerWeek', /frequency cap/],
		[{ discountRate: '100' }, 'discountRate', /discount rate.*below 100/],
		[{ discountRate: '-1' }, 'discountRate', /discount rate/],
		[{ discountRate: '10.125' }, 'discountRate', /two decimals/],
		[{ discountRate: 'ten' }, 'discountRate', /discount rate/],
		[{ discountRate: '' }, 'discountRate', /discount rate/],
		[{ margin: '0' }, 'margin', /margin.*above 0/],
		[{ margin: '0.00' }, 'margin', /margin/],
		[{ margin: '100.01' }, 'margin', /at most 100/],
		[{ margin: '' }, 'margin', /margin/],
		[{ rfmFrequencyBreakpoints: '2, 3, 3, 6' }, 'rfmFrequencyBreakpoints', /increasing/],
		[{ rfmFrequencyBreakpoints: '1, 3, 4, 6' }, 'rfmFrequencyBreakpoints', /at least 2/],
		[{ rfmFrequencyBreakpoints: '2, 3, 4' }, 'rfmFrequencyBreakpoints', /four/],
		[{ rfmFrequencyBreakpoints: '2, 3.5, 4, 6' }, 'rfmFrequencyBreakpoints', /whole numbers/],
		[{ historyStart: '2024-02-30' }, 'historyStart', /history start as a date/],
		[{ historyStart: '31/01/2024' }, 'historyStart', /history start as a date/],
		[{ historyStart: '1899-12-31' }, 'historyStart', /cannot be before 1900-01-01/],
		[{ historyStart: '2026-06-11' }, 'historyStart', /cannot be after today \(2026-06-10\)/]
	])(
		'refuses %j with one sentence for that field, storing nothing',
		async (bad, field, pattern) => {
			await save({ frequencyCapPerWeek: '5' });
			const before = await getSettings(database.db);
			const audits = (await listAudit(database.db, 100)).length;
			// every other field changes too: none of it may be stored
			const { message, fields } = await refusal({
				frequencyCapPerWeek: '9',
				discountRate: '8',
				margin: '40',
				rfmFrequencyBreakpoints: '3, 4, 5, 6',
				historyStart: '2025-01-01',
				...bad
			});
			expect(Object.keys(fields)).toEqual([field]);
			const sentence = fields[field as keyof typeof fields]!;
			expect(sentence).toMatch(pattern);
			expect(sentence).toMatch(/^[A-Z].*\.$/);
			expect(sentence.split(/\.\s+[A-Z]/)).toHaveLength(1);
			expect(message).toBe('One setting is not valid, so nothing was saved.');
			expect(await getSettings(database.db)).toEqual(before);
			expect(await listAudit(database.db, 100)).toHaveLength(audits);
		}
	);

	it('names every bad field at once', async () => {
		const { message, fields } = await refusal({
			frequencyCapPerWeek: '0',
			discountRate: '120',
			margin: '35',
			historyStart: 'yesterday'
		});
		expect(message).toBe('3 settings are not valid, so nothing was saved.');
		expect(Object.keys(fields).sort()).toEqual([
			'discountRate',
			'frequencyCapPerWeek',
			'historyStart'
		]);
	});

	it('takes "today" in the organization’s time zone for the latest history start', async () => {
		// 14:00 UTC on 10 Jun is 02:00 on 11 Jun in Auckland (NZST, UTC+12)
		expect((await refusal({ historyStart: '2026-06-11' })).fields.historyStart).toMatch(
			/after today \(2026-06-10\)/
		);
		await updateSettings(database.db, { timeZone: 'Pacific/Auckland' });
		expect(await save({ historyStart: '2026-06-11' })).toEqual(['history_start']);
		expect((await getAdminSettingsPage(database.db, NOW)).today).toBe('2026-06-11');
	});

	it('clears the history start when left empty: the earliest order’s local date is in force', async () => {
		await updateSettings(database.db, { timeZone: 'Europe/Berlin' });
		// 31 Mar 2025 23:30 UTC is 1 Apr 01:30 in Berlin (CEST, UTC+2)
		await addOrder(database.db, await addCustomer(database.db), '2025-03-31T23:30:00Z');
		await addOrder(database.db, await addCustomer(database.db), '2025-08-01T10:00:00Z');
		await refreshRollups(database.db);

		await save({ historyStart: '2025-06-01' });
		let settings = await getSettings(database.db);
		expect(await findHistoryStart(database.db, settings)).toBe('2025-06-01');
		expect((await getAdminSettingsPage(database.db, NOW)).earliestOrder).toBe('2025-04-01');

		expect(await save({ historyStart: '  ' })).toEqual(['history_start']);
		settings = await getSettings(database.db);
		expect(settings.historyStart).toBeNull();
		expect(await findHistoryStart(database.db, settings)).toBe('2025-04-01');
		const page = await getAdminSettingsPage(database.db, NOW);
		expect(page.values.historyStart).toBe('');
		expect(page.earliestOrder).toBe('2025-04-01');
	});

	it('leaves the organization’s settings (and the activity window) to the setup page', async () => {
		await updateSettings(database.db, { activityWindowDays: 180, organizationName: 'Acme' });
		await save({ frequencyCapPerWeek: '3' });
		expect(await getSettings(database.db)).toMatchObject({
			activityWindowDays: 180,
			organizationName: 'Acme',
			timeZone: 'UTC',
			frequencyCapPerWeek: 3
		});
		expect((await getAdminSettingsPage(database.db, NOW)).activityWindowDays).toBe(180);
	});

	it('ignores a stored value out of range and uses the default instead', async () => {
		await updateSettings(database.db, { discountRate: 1, margin: 0, frequencyCapPerWeek: 0 });
		expect(await getSettings(database.db)).toMatchObject({
			discountRate: 0.1,
			margin: 1,
			frequencyCapPerWeek: 4
		});
	});
});
