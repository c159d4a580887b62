import { sql, type Kysely } from 'kysely';

/**
 * Share of wallet (PRODUCT.md §3 "Loyalty") from rollups. Each statement of annual category spend
 * gets its share once: our net revenue in the 365 local days up to the statement's day over the
 * stated spend, capped at 100% (and then counted as inconsistent). A customer's latest statement
 * within 365 days of a date is their current one, so each statement is current over a spell of
 * days, from its day to the next statement's day or 365 days on: `rc_wallet`. Per day and 1-point
 * bin, the spells that start and end: `rollup_wallet_edge` (as the activity spells, the per-day
 * transitions of PRODUCT.md "Exactness"). Survey answers and orders already queue their customers.
 * The generations are rebuilt at the next refresh. Frozen: later changes come as new migrations.
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
		`delete from rc_conversion`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_cohort`,
		`delete from rollup_nps`,
		`delete from rollup_answer`,
		`delete from rollup_conversion`,
		`delete from rollup_generation`,
		`create table rc_wallet (
			generation integer not null,
			customer_id bigint not null,
			start_day date not null,
			end_day date not null,
			-- 0–99: a share of k % up to k + 1 %; 100: 100 % (capped)
			bin smallint not null,
			inconsistent boolean not null,
			primary key (generation, customer_id, start_day)
		)`,
		`create table rollup_wallet_edge (
			generation integer not null,
			day date not null,
			bin smallint not null,
			customers bigint not null,
			inconsistent bigint not null,
			primary key (generation, day, bin)
		)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_wallet_edge, rc_wallet`.execute(db);
}
