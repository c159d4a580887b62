import { sql, type Kysely } from 'kysely';

/**
 * Queues for the facts that follow the remaining catalog (PRODUCT.md §3):
 * - customers: every meaningful interaction (replies, visits, portal logins, calls, chats,
 *   referrals, reviews) and every service case (a service contact) queue their customer, besides
 *   the orders, answers, clicks and identities that did already; these are extra statement
 *   triggers beside the older ones;
 * - contacts: a delivered marketing message queues its customer in `rollup_contact_dirty`, whose
 *   weekly message counts (contact pressure) alone are rewritten: far cheaper than all the
 *   customer's facts, for the most frequent event there is;
 * - messages: a consent statement queues the customer's marketing messages on its channel, whose
 *   consent violation flag (a marketing message delivered while the customer had opted out of the
 *   channel) it may change. `rc_message` gains that flag and its sums the count; the messages of
 *   customers who ever opted out are queued once here.
 * Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	const triggers = (table: string, fn: string, ops: ('insert' | 'delete' | 'update')[]) =>
		ops.map((op) => {
			const refs =
				op === 'insert'
					? 'new table as new_rows'
					: op === 'delete'
						? 'old table as old_rows'
						: 'old table as old_rows new table as new_rows';
			return `create trigger ${table}_queue_${op} after ${op} on ${table}
				referencing ${refs} for each statement execute function ${fn}_${op}()`;
		});
	const customerQueue = (rows: string) => `
		insert into rollup_dirty (customer_id)
		select distinct customer_id from ${rows}
		where type in ('replied', 'visit', 'portal_login', 'call', 'chat', 'referral', 'review');
		insert into rollup_contact_dirty (customer_id)
		select distinct customer_id from ${rows}
		where type = 'delivered' and message_purpose = 'marketing';`;
	const caseQueue = (rows: string) => `
		insert into rollup_dirty (customer_id) select distinct customer_id from ${rows};`;
	// Lateral, so that each (customer, channel) is an index lookup: the planner knows nothing of
	// the transition table and would otherwise scan every event for each statement.
	const consentQueue = (rows: string) => `
		insert into rollup_message_dirty (customer_id, channel, message_ref)
		select c.customer_id, c.channel, m.message_ref
		from (select distinct customer_id, channel from ${rows}) c
		cross join lateral (
			select distinct e.message_ref from interaction_event e
			where e.customer_id = c.customer_id and e.channel = c.channel
				and e.message_ref is not null and e.type = 'delivered'
				and e.message_purpose = 'marketing'
		) m;`;
	await sql`
		create table rollup_contact_dirty (
			seq bigint generated always as identity primary key,
			customer_id bigint not null
		)
	`.execute(db);
	await sql`create index rollup_contact_dirty_customer on rollup_contact_dirty (customer_id)`.execute(
		db
	);
	for (const [table, body] of [
		['interaction_event', customerQueue],
		['service_case', caseQueue],
		['consent', consentQueue]
	] as const) {
		await run([
			`create function ${table}_queue_insert() returns trigger language plpgsql as $$
				begin ${body('new_rows')} return null; end $$`,
			`create function ${table}_queue_delete() returns trigger language plpgsql as $$
				begin ${body('old_rows')} return null; end $$`,
			`create function ${table}_queue_update() returns trigger language plpgsql as $$
				begin ${body('old_rows')} ${body('new_rows')} return null; end $$`,
			...triggers(table, `${table}_queue`, ['insert', 'delete', 'update'])
		]);
	}
	await run([
		`alter table rc_message add column consent_violation boolean not null default false`,
		`alter table rollup_message add column consent_violations bigint not null default 0`,
		`alter table rollup_message_day add column consent_violations bigint not null default 0`,
		consentQueue(`(select * from consent where status = 'opted_out') opted_out`)
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const table of ['interaction_event', 'service_case', 'consent']) {
		for (const op of ['insert', 'delete', 'update']) {
			await sql.raw(`drop trigger ${table}_queue_${op} on ${table}`).execute(db);
			await sql.raw(`drop function ${table}_queue_${op}()`).execute(db);
		}
	}
	await sql`alter table rollup_message_day drop column consent_violations`.execute(db);
	await sql`alter table rollup_message drop column consent_violations`.execute(db);
	await sql`alter table rc_message drop column consent_violation`.execute(db);
	await sql`drop table rollup_contact_dirty`.execute(db);
}
