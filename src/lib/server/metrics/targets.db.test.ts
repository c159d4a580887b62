import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFixtureCompany } from '../../../../tests/fixtures/company';
import { openTestDatabase, type TestDatabase } from '../../../../tests/helpers/database';
import { thrownBy } from '../../../../tests/helpers/errors';
import { listAudit } from '../audit';
import { UserError } from '../errors';
import { findMetric } from './catalog';
import { evaluateMetric } from './evaluate';
import {
	listTargets,
	loadTargets,
	removeTarget,
	setTargets,
	targetOf,
	targetRuns
} from './targets';

const NOW = new Date('2026-11-20T12:00:00Z');
let database: TestDatabase;

beforeAll(async () => {
	database = await openTestDatabase();
	await loadFixtureCompany(database.db, { now: NOW });
});

afterAll(async () => {
	await database?.close();
});

describe('metric targets', () => {
	it('stores a target for a run of months, typed as a percentage for rates, and audits it', async () => {
		await setTargets(database.db, 7, {
			metricId: 'repeat-purchase-rate',
			month: '2026-11',
			value: '35',
			months: 3
		});
		const stored = (await listTargets(database.db)).filter(
			(t) => t.metricId === 'repeat-purchase-rate'
		);
		expect(stored).toEqual([
			{ metricId: 'repeat-purchase-rate', month: '2026-11', target: 0.35, demo: false },
			{ metricId: 'repeat-purchase-rate', month: '2026-12', target: 0.35, demo: false },
			{ metricId: 'repeat-purchase-rate', month: '2027-01', target: 0.35, demo: false }
		]);
		const [audit] = await listAudit(database.db, 1);
		expect(audit).toMatchObject({
			actorUserId: 7,
			action: 'targets.update',
			target: 'metric:repeat-purchase-rate',
			detail: { months: ['2026-11', '2026-12', '2027-01'] }
		});
	});

	it('lists runs of equal months as one range', async () => {
		expect(targetRuns(await listTargets(database.db))).toContainEqual({
			metricId: 'repeat-purchase-rate',
			from: '2026-11',
			to: '2027-01',
			target: 0.35,
			demo: false
		});
	});

	it("applies the target of the month holding the period's last day, else the catalog's", async () => {
		const entry = findMetric('repeat-purchase-rate')!;
		const book = await loadTargets(database.db);
		expect(targetOf(book, entry, { to: '2027-01-31' })).toBe(0.35);
		// a period from October into December is measured against December's target
		expect(targetOf(book, entry, { to: '2026-12-05' })).toBe(0.35);
		expect(targetOf(book, entry, { to: '2026-10-31' })).toBe(entry.target);
	});

	it('moves the status of a metric as the target moves, in the metric JSON', async () => {
		const base = await evaluateMetric(database.db, { id: 'active-customers', now: NOW });
		expect(base.n).toBeGreaterThanOrEqual(30);
		expect(base.status).toBe('no-target');
		const value = base.value as number;
		const cases: [target: number, status: string][] = [
			[value - 10, 'on-target'],
			[value, 'on-target'],
			// counts: near within 5% of the target
			[Math.floor(value / 0.97), 'near'],
			[Math.ceil(value * 1.5), 'off-target']
		];
		for (const [target, status] of cases) {
			await setTargets(database.db, 7, {
				metricId: 'active-customers',
				month: '2026-11',
				value: String(target)
			});
			const json = await evaluateMetric(database.db, { id: 'active-customers', now: NOW });
			expect(json.target, String(target)).toBe(target);
			expect(json.status, `target ${target} for ${value}`).toBe(status);
		}
		await removeTarget(database.db, 7, 'active-customers', '2026-11');
		expect((await evaluateMetric(database.db, { id: 'active-customers', now: NOW })).status).toBe(
			'no-target'
		);
	});

	it("never lets the demo's targets replace one an admin set", async () => {
		await setTargets(database.db, 7, { metricId: 'nps', month: '2031-01', value: '30' });
		await setTargets(
			database.db,
			null,
			{ metricId: 'nps', month: '2030-12', value: '25', months: 2 },
			{ demo: true }
		);
		const nps = (await listTargets(database.db)).filter(
			(t) => t.metricId === 'nps' && t.month >= '2030-12'
		);
		expect(nps).toEqual([
			{ metricId: 'nps', month: '2030-12', target: 25, demo: true },
			{ metricId: 'nps', month: '2031-01', target: 30, demo: false }
		]);
		await removeTarget(database.db, 7, 'nps', '2030-12', '2031-01');
	});

	it('refuses bad input with one sentence and stores nothing', async () => {
		const before = await listTargets(database.db);
		const cases: [form: Parameters<typeof setTargets>[2], message: RegExp][] = [
			[{ metricId: 'happiness', month: '2026-11', value: '1' }, /no metric "happiness"/],
			[{ metricId: 'nps', month: '2026-13', value: '10' }, /not a month/],
			[{ metricId: 'nps', month: '2026-11', value: 'lots' }, /from −100 to 100, not "lots"/],
			[{ metricId: 'nps', month: '2026-11', value: '120' }, /from −100 to 100/],
			[{ metricId: 'repeat-purchase-rate', month: '2026-11', value: '150' }, /percentage/],
			[{ metricId: 'active-customers', month: '2026-11', value: '-5' }, /0 or more/],
			[{ metricId: 'nps', month: '2026-11', value: '10', months: 30 }, /1 to 24 months/]
		];
		for (const [form, message] of cases) {
			const error = await thrownBy(() => setTargets(database.db, 7, form));
			expect(error).toBeInstanceOf(UserError);
			expect(error.message).toMatch(message);
		}
		const missing = await thrownBy(() => removeTarget(database.db, 7, 'nps', '2030-01'));
		expect(missing.message).toMatch(/NPS has no target for 2030-01/);
		const reversed = await thrownBy(() =>
			removeTarget(database.db, 7, 'nps', '2030-03', '2030-01')
		);
		expect(reversed.message).toMatch(/2030-01 comes before 2030-03/);
		expect(await listTargets(database.db)).toEqual(before);
	});
});
