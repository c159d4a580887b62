import { sql, type Kysely } from 'kysely';

/**
 * Service figures from rollups (PRODUCT.md §3 "Service and experience"), as additive measures per
 * 15-minute bucket, written by the service_case triggers:
 * - at the resolution: cases resolved, resolved at first contact (one contact, not reopened),
 *   reopened, with a CSAT answer, satisfied (CSAT 4–5), and a histogram of the time to resolution
 *   (`ttr_bin_<h>`: bins of 1 h up to 48 h, then of 1 day, the last from 365 days on);
 * - for "unresolved after 7 days": a case becomes aged 7 × 24 h after it was opened (the bucket
 *   of that instant less 1 µs, so that "opened at least 7 × 24 h before" is exact at a cut) unless
 *   resolved before, and stops at its resolution.
 * Open cases are the cases opened less those resolved. Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	await run([
		`create or replace function service_case_rollup_insert() returns trigger
			language plpgsql as $$ begin ${caseBody('new_rows', '')} return null; end $$`,
		`create or replace function service_case_rollup_delete() returns trigger
			language plpgsql as $$ begin ${caseBody('old_rows', '-')} return null; end $$`,
		`create or replace function service_case_rollup_update() returns trigger
			language plpgsql as $$ begin ${caseBody('old_rows', '-')} ${caseBody('new_rows', '')}
			return null; end $$`,
		// the cases stored before (their opened count is in already)
		caseMeasures('service_case', '', false)
	]);
}

function caseMeasures(rows: string, sign: '' | '-', withOpened: boolean): string {
	const aged = `r.opened_at + interval '7 days'`;
	return `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select m.measure, rollup_bucket(m.at), ${sign}sum(m.value), max(m.at)
		from ${rows} r
		cross join lateral (values
			${withOpened ? `('cases_opened', r.opened_at, 1),` : ''}
			('cases_resolved', r.resolved_at, 1),
			('cases_first_contact', r.resolved_at,
				case when not r.reopened and r.contacts = 1 then 1 else 0 end),
			('cases_reopened', r.resolved_at, case when r.reopened then 1 else 0 end),
			('case_csat_answers', r.resolved_at, case when r.csat is not null then 1 else 0 end),
			('case_csat_satisfied', r.resolved_at, case when r.csat >= 4 then 1 else 0 end),
			('cases_aged', ${aged} - interval '1 microsecond',
				case when r.resolved_at is null or r.resolved_at >= ${aged} then 1 else 0 end),
			('cases_aged_resolved', r.resolved_at,
				case when r.resolved_at >= ${aged} then 1 else 0 end),
			('ttr_bin_' || case
				when r.resolved_at - r.opened_at < interval '48 hours'
					then floor(greatest(0, extract(epoch from r.resolved_at - r.opened_at)) / 3600)::int
				else least(365, floor(extract(epoch from r.resolved_at - r.opened_at) / 86400))::int * 24
			end, r.resolved_at, 1)
		) m (measure, at, value)
		where m.at is not null and m.value <> 0
		group by 1, 2;`;
}

function caseBody(rows: string, sign: '' | '-', openedOnly = false): string {
	const measures = openedOnly
		? `insert into rollup_delta (measure, bucket, value, latest_at)
			select 'cases_opened', rollup_bucket(opened_at), ${sign}count(*), max(opened_at)
			from ${rows} group by 2;`
		: caseMeasures(rows, sign, true);
	return `${measures}
		insert into rollup_message_dirty (customer_id, channel, message_ref)
		select distinct e.customer_id, e.channel, e.message_ref
		from ${rows} c
		join interaction_event e on e.customer_id = c.customer_id
		where e.message_ref is not null and e.type = 'delivered' and e.message_purpose = 'marketing'
			and e.occurred_at >= c.opened_at
			and (c.resolved_at is null or e.occurred_at < c.resolved_at);`;
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const [op, text] of [
		['insert', caseBody('new_rows', '', true)],
		['delete', caseBody('old_rows', '-', true)],
		['update', `${caseBody('old_rows', '-', true)} ${caseBody('new_rows', '', true)}`]
	]) {
		await sql
			.raw(
				`create or replace function service_case_rollup_${op}() returns trigger
				language plpgsql as $$ begin ${text} return null; end $$`
			)
			.execute(db);
	}
	await sql`delete from rollup_delta where measure like 'case%' and measure <> 'cases_opened'`.execute(
		db
	);
	await sql`delete from rollup_delta where measure like 'ttr_bin_%'`.execute(db);
	await sql`delete from rollup_additive where measure like 'case%' and measure <> 'cases_opened'`.execute(
		db
	);
	await sql`delete from rollup_additive where measure like 'ttr_bin_%'`.execute(db);
}
