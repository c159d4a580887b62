import { sql, type Kysely } from 'kysely';

/**
 * Cohort retention from rollups (PRODUCT.md §3 "Retention"): per customer and local month, whether
 * they bought and their net revenue; per cohort (month of first purchase) and month offset k, how
 * many bought in month k, how many bought for the last time in month k (for the "in month k or
 * later" form), their net revenue in month k, and how many became lapsed for the first time in
 * month k (the "never lapsed" form). The customer facts gain the first lapse day, so the facts
 * built before this migration are dropped and built again at the next refresh. Frozen: later
 * changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	await run([
		`delete from rc_purchase_day`,
		`delete from rc_spell`,
		`delete from rc_customer`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_generation`,
		`alter table rc_customer add column first_lapse_day date`,
		// A refresh claims every queue entry of the customers it takes: by customer, not a scan.
		`create index rollup_dirty_customer on rollup_dirty (customer_id)`,
		`create table rc_customer_month (
			generation integer not null,
			customer_id bigint not null,
			month date not null,
			purchased boolean not null,
			net_revenue numeric not null,
			primary key (generation, customer_id, month)
		)`,
		`create table rollup_cohort (
			generation integer not null,
			cohort_month date not null,
			first_given boolean not null,
			month_offset integer not null,
			purchasers bigint not null,
			last_purchasers bigint not null,
			net_revenue numeric not null,
			first_lapsed bigint not null,
			primary key (generation, cohort_month, first_given, month_offset)
		)`,
		// Whole months from the month of origin to the month of day (Jan → Mar = 2).
		`create function rollup_month_offset(origin date, day date) returns integer
			language sql immutable parallel safe
			as $$ select ((extract(year from day) - extract(year from origin)) * 12
				+ extract(month from day) - extract(month from origin))::int $$`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop function rollup_month_offset(date, date)`.execute(db);
	await sql`drop table rollup_cohort, rc_customer_month`.execute(db);
	await sql`drop index rollup_dirty_customer`.execute(db);
	await sql`alter table rc_customer drop column first_lapse_day`.execute(db);
}
