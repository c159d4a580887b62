import { sql, type Kysely } from 'kysely';

/**
 * Customer facts for the rest of the catalog (PRODUCT.md §3), per generation like the others:
 * - `rc_revenue_day`: net revenue per customer and local date (refunds and cancellations on their
 *   own dates), for net revenue retention;
 * - `rc_contact_week`: marketing messages delivered per customer and local ISO week (Monday), with
 *   a 7-bit mask of the weekdays that had one, for contact pressure (the cap is applied when read,
 *   so changing it needs no recomputation);
 * - `rc_interaction_day`: meaningful interactions (human clicks, replies, visits, orders, survey
 *   answers, service contacts) per customer, local date and channel, with their weight, for the
 *   engagement score and the multichannel share;
 * - `rc_multichannel` / `rollup_multichannel_edge`: the spells in which a customer is active and
 *   has meaningful interactions in at least two channels in the 30 days to the day, and the spells
 *   starting and ending per day.
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
		`delete from rollup_generation`,
		`create index rc_purchase_day_day on rc_purchase_day (generation, day)`,
		`create table rc_revenue_day (
			generation integer not null,
			customer_id bigint not null,
			day date not null,
			net_revenue numeric not null,
			primary key (generation, customer_id, day)
		)`,
		`create table rc_contact_week (
			generation integer not null,
			customer_id bigint not null,
			week_start date not null,
			messages integer not null,
			day_mask smallint not null,
			primary key (generation, customer_id, week_start)
		)`,
		`create index rc_contact_week_week on rc_contact_week (generation, week_start)`,
		`create table rc_interaction_day (
			generation integer not null,
			customer_id bigint not null,
			day date not null,
			channel text not null,
			interactions integer not null,
			weight numeric not null,
			primary key (generation, customer_id, day, channel)
		)`,
		`create table rc_multichannel (
			generation integer not null,
			customer_id bigint not null,
			start_day date not null,
			end_day date not null,
			primary key (generation, customer_id, start_day)
		)`,
		`create table rollup_multichannel_edge (
			generation integer not null,
			day date not null,
			starts bigint not null,
			ends bigint not null,
			primary key (generation, day)
		)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_multichannel_edge, rc_multichannel, rc_interaction_day, rc_contact_week, rc_revenue_day`.execute(
		db
	);
	await sql`drop index rc_purchase_day_day`.execute(db);
}
