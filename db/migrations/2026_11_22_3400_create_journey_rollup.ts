import { sql, type Kysely } from 'kysely';

/**
 * The journey (PRODUCT.md §3 "Journey"): a customer's stage on a date, first that applies, Lapsed,
 * Advocate, Loyal, Repeat, First purchase, Prospect, or "history unknown" for an active customer
 * whose first purchase is not known.
 * - `rc_journey`: per customer the days the stages turn on (created, first and second purchase,
 *   first loyal and first advocate day) and whether the first purchase is known, with the history
 *   start in force when written;
 * - `rc_journey_stage`: the spells of one stage each (`end_day` null: still in it);
 * - `rollup_journey_edge`: per day and stage, customers entering less those leaving, so that the
 *   customers in a stage on a day are the sum up to it;
 * - `rollup_journey_time`: how many customers made a transition (first, repeat, loyal, advocate)
 *   on a day after how many days, for exact medians of the time between stages.
 * The generations are emptied and rebuilt at the next refresh. Frozen: later changes come as new
 * migrations.
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
		`delete from rc_loyal`,
		`delete from rc_scv`,
		`delete from rc_revenue_day`,
		`delete from rc_contact_week`,
		`delete from rc_interaction_day`,
		`delete from rc_multichannel`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_cohort`,
		`delete from rollup_nps`,
		`delete from rollup_answer`,
		`delete from rollup_wallet_edge`,
		`delete from rollup_tenure_edge`,
		`delete from rollup_conversion`,
		`delete from rollup_loyal_edge`,
		`delete from rollup_scv_edge`,
		`delete from rollup_multichannel_edge`,
		`delete from rollup_generation`,
		`create table rc_journey (
			generation integer not null,
			customer_id bigint not null,
			created_day date not null,
			-- null: no purchase (given or imported)
			first_day date,
			first_known boolean not null,
			second_day date,
			loyal_day date,
			advocate_day date,
			primary key (generation, customer_id)
		)`,
		`create table rc_journey_stage (
			generation integer not null,
			customer_id bigint not null,
			stage text not null,
			start_day date not null,
			-- null: the customer is still in the stage
			end_day date,
			primary key (generation, customer_id, start_day)
		)`,
		`create table rollup_journey_edge (
			generation integer not null,
			day date not null,
			stage text not null,
			customers bigint not null,
			primary key (generation, day, stage)
		)`,
		`create table rollup_journey_time (
			generation integer not null,
			transition text not null,
			entered_day date not null,
			days integer not null,
			customers bigint not null,
			primary key (generation, transition, entered_day, days)
		)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_journey_time, rollup_journey_edge, rc_journey_stage, rc_journey`.execute(
		db
	);
}
