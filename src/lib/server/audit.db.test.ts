import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../tests/helpers/database';
import { listAuditPage, recordAudit, userTarget } from './audit';
import { createUser } from './auth/users';

let database: TestDatabase;
let adminId: number;
let targetId: number;

beforeAll(async () => {
	database = await openTestDatabase();
	const password = 'a long enough password';
	adminId = (await createUser(database.db, { email: 'boss@example.com', role: 'admin', password }))
		.id;
	targetId = (
		await createUser(database.db, { email: 'colleague@example.com', role: 'viewer', password })
	).id;
	// five entries, one per minute from 09:00, the last by a user row that no longer exists
	const entries = [
		{
			actor: adminId,
			action: 'user.add',
			target: userTarget(targetId),
			detail: { role: 'viewer' }
		},
		{ actor: adminId, action: 'user.change-role', target: userTarget(targetId), detail: null },
		{ actor: null, action: 'settings.update', target: null, detail: { keys: ['margin'] } },
		{ actor: adminId, action: 'user.reset-password', target: userTarget(targetId), detail: null },
		{ actor: 999_999, action: 'user.deactivate', target: userTarget(targetId), detail: null }
	];
	for (const [i, entry] of entries.entries()) {
		await database.db
			.insertInto('audit_log')
			.values({
				at: new Date(Date.UTC(2026, 5, 10, 9, i)),
				actor_user_id: entry.actor,
				action: entry.action,
				target: entry.target,
				detail: entry.detail === null ? null : JSON.stringify(entry.detail)
			})
			.execute();
	}
});
afterAll(() => database.close());

describe('listAuditPage', () => {
	it('lists the newest first with the actor’s email, and counts every entry', async () => {
		const { entries, total } = await listAuditPage(database.db, { limit: 10, offset: 0 });
		expect(total).toBe(5);
		expect(entries.map((e) => e.action)).toEqual([
			'user.deactivate',
			'user.reset-password',
			'settings.update',
			'user.change-role',
			'user.add'
		]);
		expect(entries.map((e) => e.actorEmail)).toEqual([
			null, // the user row is gone: the id stays, no email
			'boss@example.com',
			null, // no user: the server itself, or cx
			'boss@example.com',
			'boss@example.com'
		]);
		expect(entries[0]).toMatchObject({ actorUserId: 999_999, target: `user:${targetId}` });
		expect(entries[2]).toMatchObject({ actorUserId: null, detail: { keys: ['margin'] } });
		expect(entries[4]!.at).toEqual(new Date('2026-06-10T09:00:00Z'));
		// the target is named by id only
		expect(JSON.stringify(entries)).not.toContain('colleague@example.com');
	});

	it('pages through the log without gaps or repeats', async () => {
		const first = await listAuditPage(database.db, { limit: 2, offset: 0 });
		const second = await listAuditPage(database.db, { limit: 2, offset: 2 });
		const third = await listAuditPage(database.db, { limit: 2, offset: 4 });
		expect([first, second, third].map((page) => page.total)).toEqual([5, 5, 5]);
		expect([first, second, third].map((page) => page.entries.length)).toEqual([2, 2, 1]);
		const ids = [...first.entries, ...second.entries, ...third.entries].map((e) => e.id);
		const all = (await listAuditPage(database.db, { limit: 10, offset: 0 })).entries;
		expect(ids).toEqual(all.map((e) => e.id));
	});

	it('orders entries of the same instant (one transaction) by their id, newest first', async () => {
		await database.db.transaction().execute(async (trx) => {
			await recordAudit(trx, { actorUserId: adminId, action: 'demo.seed', target: null });
			await recordAudit(trx, { actorUserId: adminId, action: 'demo.remove', target: null });
		});
		const [newest, next] = (await listAuditPage(database.db, { limit: 2, offset: 0 })).entries;
		expect(newest!.at).toEqual(next!.at); // now() is the transaction's start
		expect([newest!.action, next!.action]).toEqual(['demo.remove', 'demo.seed']);
		const { n } = (
			await sql<{ n: number }>`select count(*)::int as n from audit_log`.execute(database.db)
		).rows[0]!;
		expect((await listAuditPage(database.db, { limit: 1, offset: 0 })).total).toBe(n);
	});
});
