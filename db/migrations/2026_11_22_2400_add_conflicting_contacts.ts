import { sql, type Kysely } from 'kysely';

/**
 * Conflicting contacts (PRODUCT.md §3 "Service and experience"): a marketing message delivered
 * while its customer had a service case open. The message facts gain the flag and their sums the
 * count; a statement on service_case queues the customer's marketing messages delivered while any
 * case it touched was open (its old and new rows), and the messages that may conflict today are
 * queued once here. Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	const caseBody = (rows: string, sign: '' | '-') => `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select 'cases_opened', rollup_bucket(opened_at), ${sign}count(*), max(opened_at)
		from ${rows} group by 2;
		insert into rollup_message_dirty (customer_id, channel, message_ref)
		select distinct e.customer_id, e.channel, e.message_ref
		from ${rows} c
		join interaction_event e on e.customer_id = c.customer_id
		where e.message_ref is not null and e.type = 'delivered' and e.message_purpose = 'marketing'
			and e.occurred_at >= c.opened_at
			and (c.resolved_at is null or e.occurred_at < c.resolved_at);`;
	await run([
		`alter table rc_message add column conflicting boolean not null default false`,
		`alter table rollup_message add column conflicting bigint not null default 0`,
		`create or replace function service_case_rollup_insert() returns trigger
			language plpgsql as $$ begin ${caseBody('new_rows', '')} return null; end $$`,
		`create or replace function service_case_rollup_delete() returns trigger
			language plpgsql as $$ begin ${caseBody('old_rows', '-')} return null; end $$`,
		`create or replace function service_case_rollup_update() returns trigger
			language plpgsql as $$ begin ${caseBody('old_rows', '-')} ${caseBody('new_rows', '')}
			return null; end $$`,
		`insert into rollup_message_dirty (customer_id, channel, message_ref)
			select distinct e.customer_id, e.channel, e.message_ref
			from service_case c
			join interaction_event e on e.customer_id = c.customer_id
			where e.message_ref is not null and e.type = 'delivered'
				and e.message_purpose = 'marketing'
				and e.occurred_at >= c.opened_at
				and (c.resolved_at is null or e.occurred_at < c.resolved_at)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	const body = (rows: string, sign: '' | '-') => `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select 'cases_opened', rollup_bucket(opened_at), ${sign}count(*), max(opened_at)
		from ${rows} group by 2;`;
	for (const [op, text] of [
		['insert', body('new_rows', '')],
		['delete', body('old_rows', '-')],
		['update', `${body('old_rows', '-')} ${body('new_rows', '')}`]
	]) {
		await sql
			.raw(
				`create or replace function service_case_rollup_${op}() returns trigger
				language plpgsql as $$ begin ${text} return null; end $$`
			)
			.execute(db);
	}
	await sql`alter table rollup_message drop column conflicting`.execute(db);
	await sql`alter table rc_message drop column conflicting`.execute(db);
}
