import { sql, type Kysely } from 'kysely';

/**
 * CSAT and effort from rollups (PRODUCT.md §3 "Loyalty"), as NPS: per customer, question and
 * whole month, fiscal quarter and fiscal year, the latest non-empty answer's score; per period,
 * how many answered, how many were satisfied (CSAT 4–5) and the sum of the scores (for the mean
 * effort). The generations are rebuilt at the next refresh so that every customer gets them.
 * Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	await run([
		`delete from rc_purchase_day`,
		`delete from rc_spell`,
		`delete from rc_customer`,
		`delete from rc_customer_month`,
		`delete from rc_nps`,
		`delete from rc_conversion`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_cohort`,
		`delete from rollup_nps`,
		`delete from rollup_conversion`,
		`delete from rollup_generation`,
		`create table rc_answer (
			generation integer not null,
			customer_id bigint not null,
			question text not null check (question in ('csat', 'effort')),
			kind text not null check (kind in ('month', 'quarter', 'year')),
			period_start date not null,
			score smallint not null,
			primary key (generation, customer_id, question, kind, period_start)
		)`,
		`create table rollup_answer (
			generation integer not null,
			question text not null,
			kind text not null,
			period_start date not null,
			answered bigint not null,
			satisfied bigint not null,
			score_sum bigint not null,
			primary key (generation, question, kind, period_start)
		)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_answer, rc_answer`.execute(db);
}
