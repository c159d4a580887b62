import { sql, type Kysely } from 'kysely';

/**
 * Loyal customer share (PRODUCT.md §3 "Loyalty": active customers with ≥ 3 purchase days in the
 * 365 days to a date whose NPS status on it is not detractor) from per-day transitions. Whether a
 * customer is loyal can change only on a purchase day, 365 days after one, on a lapse, on an NPS
 * answer and 365 days after one; `rc_loyal` holds the spells in which they are, and
 * `rollup_loyal_edge` the spells starting and ending per day. The generations are rebuilt at the
 * next refresh. Frozen: later changes come as new migrations.
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
		`delete from rc_answer`,
		`delete from rc_wallet`,
		`delete from rc_conversion`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_cohort`,
		`delete from rollup_nps`,
		`delete from rollup_answer`,
		`delete from rollup_wallet_edge`,
		`delete from rollup_tenure_edge`,
		`delete from rollup_conversion`,
		`delete from rollup_generation`,
		`create table rc_loyal (
			generation integer not null,
			customer_id bigint not null,
			start_day date not null,
			end_day date not null,
			primary key (generation, customer_id, start_day)
		)`,
		`create table rollup_loyal_edge (
			generation integer not null,
			day date not null,
			starts bigint not null,
			ends bigint not null,
			primary key (generation, day)
		)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_loyal_edge, rc_loyal`.execute(db);
}
