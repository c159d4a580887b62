import { sql, type Kysely } from 'kysely';

/**
 * Tenure (PRODUCT.md §3 "Loyalty": the median of (P's end − first purchase) in months of 30.4375
 * days over active customers) from per-day transitions: while a customer is active their tenure
 * moves up one 1-month bin every 30.4375 days, so each active spell enters and leaves a run of
 * bins on known days. `rollup_tenure_edge` keeps, per generation, day and bin, the customers
 * entering less those leaving. Derived from the spells and first purchases the generations hold,
 * so the generations are rebuilt at the next refresh. Frozen: later changes come as new migrations.
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
		`delete from rollup_conversion`,
		`delete from rollup_generation`,
		`create table rollup_tenure_edge (
			generation integer not null,
			day date not null,
			-- whole months of 30.4375 days since the first purchase
			bin integer not null,
			customers bigint not null,
			primary key (generation, day, bin)
		)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_tenure_edge`.execute(db);
}
