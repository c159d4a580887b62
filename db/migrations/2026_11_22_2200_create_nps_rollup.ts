import { sql, type Kysely } from 'kysely';

/**
 * NPS from rollups for whole months, fiscal quarters and fiscal years (PRODUCT.md §3: each
 * customer's latest non-empty answer in the period). Per customer and period, the score of that
 * latest answer; per period, promoters, passives and detractors. Fiscal periods depend on the
 * fiscal year's first month, so a generation is now built for it too, and survey answers queue
 * their customers. The facts built before are dropped and built again at the next refresh.
 * Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	const surveyBody = (rows: string, sign: '' | '-') => `
		insert into rollup_delta (measure, bucket, value, latest_at)
		select 'survey_answers', rollup_bucket(responded_at), ${sign}count(*), max(responded_at)
		from ${rows} group by 2;
		insert into rollup_dirty (customer_id) select distinct customer_id from ${rows};`;
	await run([
		`delete from rc_purchase_day`,
		`delete from rc_spell`,
		`delete from rc_customer`,
		`delete from rc_customer_month`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_cohort`,
		`delete from rollup_generation`,
		`alter table rollup_generation
			add column fiscal_year_start_month integer not null default 1`,
		`create table rc_nps (
			generation integer not null,
			customer_id bigint not null,
			kind text not null check (kind in ('month', 'quarter', 'year')),
			period_start date not null,
			score smallint not null,
			primary key (generation, customer_id, kind, period_start)
		)`,
		`create table rollup_nps (
			generation integer not null,
			kind text not null,
			period_start date not null,
			promoters bigint not null,
			passives bigint not null,
			detractors bigint not null,
			primary key (generation, kind, period_start)
		)`,
		// The first day of the fiscal year and quarter holding a date (fiscal year from month f).
		`create function rollup_fiscal_year_start(day date, f integer) returns date
			language sql immutable parallel safe
			as $$ select make_date(extract(year from day)::int
				- case when extract(month from day)::int < f then 1 else 0 end, f, 1) $$`,
		`create function rollup_fiscal_quarter_start(day date, f integer) returns date
			language sql immutable parallel safe
			as $$ select (rollup_fiscal_year_start(day, f)
				+ (((extract(month from day)::int - f + 12) % 12) / 3 * 3) * interval '1 month')::date $$`,
		`create or replace function survey_response_rollup_insert() returns trigger
			language plpgsql as $$ begin ${surveyBody('new_rows', '')} return null; end $$`,
		`create or replace function survey_response_rollup_delete() returns trigger
			language plpgsql as $$ begin ${surveyBody('old_rows', '-')} return null; end $$`,
		`create or replace function survey_response_rollup_update() returns trigger
			language plpgsql as $$ begin ${surveyBody('old_rows', '-')} ${surveyBody('new_rows', '')}
			return null; end $$`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop function rollup_fiscal_quarter_start(date, integer)`.execute(db);
	await sql`drop function rollup_fiscal_year_start(date, integer)`.execute(db);
	await sql`drop table rollup_nps, rc_nps`.execute(db);
	await sql`alter table rollup_generation drop column fiscal_year_start_month`.execute(db);
}
