import type { Kysely } from 'kysely';
import type { DB } from './db/schema';

export type AuditAction =
	| 'user.add'
	| 'user.reset-password'
	| 'user.change-role'
	| 'user.deactivate'
	| 'settings.update'
	| 'demo.seed'
	| 'demo.remove'
	| 'targets.update'
	| 'targets.remove'
	| 'customer.view'
	| 'customers.list';

export interface AuditEntry {
	actorUserId: number | null;
	action: AuditAction;
	/** What was acted on, by id only (`user:12`): never an email, a name or any other value. */
	target: string | null;
	/** Codes such as `{ role: 'cx_lead' }`; never personal values or secrets. */
	detail?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
	id: number;
	at: Date;
	detail: Record<string, unknown> | undefined;
}

export function userTarget(userId: number): string {
	return `user:${userId}`;
}

export async function recordAudit(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
	await db
		.insertInto('audit_log')
		.values({
			actor_user_id: entry.actorUserId,
			action: entry.action,
			target: entry.target,
			detail: entry.detail === undefined ? null : JSON.stringify(entry.detail)
		})
		.execute();
}

/** The newest `limit` entries, newest first. */
export async function listAudit(db: Kysely<DB>, limit: number): Promise<AuditRecord[]> {
	const rows = await db
		.selectFrom('audit_log')
		.select(['audit_id', 'at', 'actor_user_id', 'action', 'target', 'detail'])
		.orderBy('at', 'desc')
		.orderBy('audit_id', 'desc')
		.limit(limit)
		.execute();
	return rows.map((row) => ({
		id: row.audit_id,
		at: row.at,
		actorUserId: row.actor_user_id,
		action: row.action as AuditAction,
		target: row.target,
		detail: row.detail ?? undefined
	}));
}

/** An entry as the audit page shows it to an admin: the actor's email, never the target's. */
export interface AuditView extends AuditRecord {
	/**
	 * The acting user's email; null when no user acted (the server itself, or `cx`) or when that
	 * user's row is gone.
	 */
	actorEmail: string | null;
}

/** One page of the log, newest first, and how many entries there are in all. */
export async function listAuditPage(
	db: Kysely<DB>,
	{ limit, offset }: { limit: number; offset: number }
): Promise<{ entries: AuditView[]; total: number }> {
	const counted = await db
		.selectFrom('audit_log')
		.select((eb) => eb.fn.countAll().as('n'))
		.executeTakeFirstOrThrow();
	const rows = await db
		.selectFrom('audit_log')
		.leftJoin('app_user', 'app_user.user_id', 'audit_log.actor_user_id')
		.select([
			'audit_log.audit_id',
			'audit_log.at',
			'audit_log.actor_user_id',
			'audit_log.action',
			'audit_log.target',
			'audit_log.detail',
			'app_user.email'
		])
		.orderBy('audit_log.at', 'desc')
		.orderBy('audit_log.audit_id', 'desc')
		.limit(limit)
		.offset(offset)
		.execute();
	return {
		total: Number(counted.n),
		entries: rows.map((row) => ({
			id: row.audit_id,
			at: row.at,
			actorUserId: row.actor_user_id,
			actorEmail: row.email ?? null,
			action: row.action as AuditAction,
			target: row.target,
			detail: row.detail ?? undefined
		}))
	};
}
