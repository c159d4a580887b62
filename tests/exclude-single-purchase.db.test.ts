/**
 * The exclude-single-purchase switch where people reach it: `excludeSinglePurchase=true` on
 * GET /api/v1/metrics/<id> (the route hands the query to `metricForApi`) and
 * `cx metric <id> --exclude-single-purchase` on the built CLI.
 *
 * The data, worked by hand (UTC; activity window 365 days): c0 bought on 2024-01-01 (the history
 * start, so first purchases are known from 2024-12-31 on; c0's is not); c1 once on 2025-01-10 and
 * had 5 refunded on 2025-06-20; c2 on 2025-01-05 and 2025-06-10 (30). In June 2025 (E = 30 Jun,
 * E − 91 = 31 Mar) c1 is left out; c0 would be, were their first purchase known.
 * - Average order value: June's 30 − 5 = 25 over c2's one purchase day; without c1's refund 30.
 * - Purchase frequency: 3 purchase days in the 365 days to 30 Jun (c1 once, c2 twice) over 2
 *   active customers; without c1, 2 over 1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, metricForApi } from '$lib/server/api/metrics';
import { refreshRollups } from '$lib/server/rollups/refresh';
import { updateSettings } from '$lib/server/settings';
import { openTestDatabase, type TestDatabase } from './helpers/database';
import { addCustomer, addOrder } from './helpers/fixtures';
import {
	childEnv,
	createDataTarget,
	expectOneSentence,
	makeTempDir,
	runCli,
	stopAllChildren,
	type DataTarget
} from './helpers/processes';

const JUNE = { from: '2025-06-01', to: '2025-06-30' };

describe('GET /api/v1/metrics/<id>?excludeSinglePurchase=', () => {
	let database: TestDatabase;
	const now = new Date('2025-09-01T12:00:00Z');
	const api = (id: string, query: Record<string, string>) =>
		metricForApi(database.db, id, new URLSearchParams(query), now);

	beforeAll(async () => {
		database = await openTestDatabase();
		const db = database.db;
		await updateSettings(db, { timeZone: 'UTC', activityWindowDays: 365 });
		const c0 = await addCustomer(db);
		await addOrder(db, c0, '2024-01-01T12:00:00Z', { amount: '10' });
		const c1 = await addCustomer(db);
		await addOrder(db, c1, '2025-01-10T12:00:00Z', { amount: '50' });
		await addOrder(db, c1, '2025-06-20T12:00:00Z', { kind: 'refund', amount: '-5' });
		const c2 = await addCustomer(db);
		await addOrder(db, c2, '2025-01-05T12:00:00Z', { amount: '20' });
		await addOrder(db, c2, '2025-06-10T12:00:00Z', { amount: '30' });
		await refreshRollups(db);
	});
	afterAll(() => database.close());

	it('leaves the single-purchase customers out with true', async () => {
		const aov = await api('average-order-value', { ...JUNE, excludeSinglePurchase: 'true' });
		expect(aov).toMatchObject({ numerator: 30, denominator: 1 });
		expect(aov.extra).toMatchObject({
			excludeSinglePurchase: true,
			excludedCustomers: 1,
			unknownFirstPurchase: 1
		});
		const frequency = await api('purchase-frequency', { ...JUNE, excludeSinglePurchase: 'true' });
		expect(frequency).toMatchObject({ numerator: 2, denominator: 1 });
	});

	it('changes nothing with false or without the parameter', async () => {
		const plain = await api('average-order-value', JUNE);
		expect(plain).toMatchObject({ numerator: 25, denominator: 1 });
		expect(plain.extra.excludeSinglePurchase).toBeUndefined();
		expect(await api('average-order-value', { ...JUNE, excludeSinglePurchase: 'false' })).toEqual(
			plain
		);
		const frequency = await api('purchase-frequency', JUNE);
		expect(frequency).toMatchObject({ numerator: 3, denominator: 2 });
	});

	it('answers 400 with one sentence for any other value', async () => {
		for (const value of ['yes', '1', '', 'TRUE']) {
			const answer = api('average-order-value', { ...JUNE, excludeSinglePurchase: value });
			await expect(answer).rejects.toBeInstanceOf(ApiError);
			await expect(answer).rejects.toMatchObject({
				status: 400,
				message: expect.stringMatching(/^excludeSinglePurchase must be "true" or "false"/)
			});
		}
	});
});

describe('cx metric --exclude-single-purchase', () => {
	let files: string;
	let target: DataTarget;
	const cx = (args: string[]) => runCli(args, childEnv(target.env));

	beforeAll(async () => {
		files = makeTempDir('cx-exclude-single-');
		target = await createDataTarget();
		const csv = path.join(files, 'orders.csv');
		fs.writeFileSync(
			csv,
			[
				'source,order_ref,customer_ref,ordered_at,kind,amount,currency,channel,refers_to',
				'shop,S-0,c0,2024-01-01T12:00:00Z,order,10,,,',
				'shop,S-1,c1,2025-01-10T12:00:00Z,order,50,,,',
				'shop,S-1R,c1,2025-06-20T12:00:00Z,refund,-5,,,S-1',
				'shop,S-2,c2,2025-01-05T12:00:00Z,order,20,,,',
				'shop,S-3,c2,2025-06-10T12:00:00Z,order,30,,,'
			].join('\n') + '\n'
		);
		const imported = await cx(['import', 'orders', csv]);
		expect(imported.code, imported.stdout + imported.stderr).toBe(0);
	});
	afterAll(async () => {
		await stopAllChildren();
		await target?.dispose();
		if (files) fs.rmSync(files, { recursive: true, force: true });
	});

	it('prints the figures without the single-purchase customers', async () => {
		const args = ['--from', JUNE.from, '--to', JUNE.to, '--exclude-single-purchase', '--json'];
		const aov = await cx(['metric', 'average-order-value', ...args]);
		expect(aov.stderr).toBe('');
		expect(aov.code).toBe(0);
		expect(JSON.parse(aov.stdout)).toMatchObject({
			numerator: 30,
			denominator: 1,
			extra: { excludeSinglePurchase: true, excludedCustomers: 1 }
		});
		const frequency = await cx(['metric', 'purchase-frequency', ...args]);
		expect(JSON.parse(frequency.stdout)).toMatchObject({ numerator: 2, denominator: 1 });
		const plain = await cx(['metric', 'average-order-value', ...args.slice(0, 4), '--json']);
		expect(JSON.parse(plain.stdout)).toMatchObject({ numerator: 25, denominator: 1 });
		const words = await cx(['metric', 'average-order-value', ...args.slice(0, 5)]);
		expect(words.stdout).toMatch(/: 30 \(30 of 1\)\n/);
		expect(words.stdout).toContain('single-purchase customers left out: 1 (and 1 kept in');
	});

	it('names the option in its usage and takes no value (exit 2)', async () => {
		const help = await cx(['help']);
		expect(help.stdout).toContain('[--exclude-single-purchase]');
		const bad = await cx(['metric', 'average-order-value', '--exclude-single-purchase=yes']);
		expect(bad.stdout).toBe('');
		expectOneSentence(bad.stderr, /--exclude-single-purchase/);
		expect(bad.code).toBe(2);
	});
});
