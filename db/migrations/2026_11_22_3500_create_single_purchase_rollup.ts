import { sql, type Kysely } from 'kysely';

/**
 * The exclude-single-purchase switch (PRODUCT.md §3 "Activity, purchases, lapse"): a customer is
 * left out of a period ending on local date E when their first purchase f is known, f ≤ E − 91 and
 * no second purchase day (the first purchase day after f) came by E. Per customer who some period
 * can leave out (no second purchase, or one more than 91 days after the first):
 * - `rc_single_purchase`: f, whether the source gave it, the second purchase day, whether f is a
 *   purchase day (a given first_order_at may predate every imported order) and f's net revenue;
 * - `rc_single_purchase_row`: net revenue per 15-minute bucket of the customer's other rows before
 *   the second purchase day (refunds and cancellations; orders cannot fall there).
 * Their sums:
 * - `rollup_single_first` per (first purchase day, given);
 * - `rollup_single_next` per (first purchase, second purchase) at four grains (`dd` day × day,
 *   `dm` day × month, `md` month × day, `mm` month × month; month keys are first days), so that the
 *   customers with a first purchase in a range and a second one by E are read in whole months with
 *   days only at the edges: a few thousand rows, never one per customer;
 * - `rollup_single_row` per (bucket, given, first purchase day, second purchase day — 'infinity'
 *   when none).
 * Whether a first purchase is known depends on the history start, a setting, so it is applied when
 * read. The generations are emptied and rebuilt at the next refresh. Frozen: later changes come as
 * new migrations.
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
		// Generation numbers start again at 1, so every other table of a generation (the facts of
		// migrations written alongside this one) is emptied too, whatever it is called.
		`do $$
		declare
			t text;
		begin
			for t in
				select c.table_name from information_schema.columns c
				join information_schema.tables x
					on x.table_schema = c.table_schema and x.table_name = c.table_name
				where c.table_schema = current_schema() and c.column_name = 'generation'
					and x.table_type = 'BASE TABLE' and c.table_name <> 'rollup_generation'
			loop
				execute format('delete from %I', t);
			end loop;
		end $$`,
		`delete from rollup_generation`,
		`create table rc_single_purchase (
			generation integer not null,
			customer_id bigint not null,
			first_day date not null,
			first_given boolean not null,
			-- null: no second purchase day yet
			next_day date,
			first_purchase boolean not null,
			first_revenue numeric not null,
			primary key (generation, customer_id)
		)`,
		`create table rc_single_purchase_row (
			generation integer not null,
			customer_id bigint not null,
			bucket timestamptz not null,
			net_revenue numeric not null,
			primary key (generation, customer_id, bucket)
		)`,
		`create table rollup_single_first (
			generation integer not null,
			first_given boolean not null,
			first_day date not null,
			customers bigint not null,
			purchasers bigint not null,
			net_revenue numeric not null,
			primary key (generation, first_given, first_day)
		)`,
		`create table rollup_single_next (
			generation integer not null,
			grain text not null check (grain in ('dd', 'dm', 'md', 'mm')),
			first_key date not null,
			next_key date not null,
			first_given boolean not null,
			customers bigint not null,
			purchasers bigint not null,
			net_revenue numeric not null,
			primary key (generation, grain, first_key, next_key, first_given)
		)`,
		// 'md' is read by a month of second purchase days across all first months
		`create index rollup_single_next_by_next
			on rollup_single_next (generation, grain, next_key, first_key)`,
		`create table rollup_single_row (
			generation integer not null,
			bucket timestamptz not null,
			first_given boolean not null,
			first_day date not null,
			next_day date not null,
			net_revenue numeric not null,
			primary key (generation, bucket, first_given, first_day, next_day)
		)`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`
		drop table rollup_single_row, rollup_single_next, rollup_single_first, rc_single_purchase_row,
			rc_single_purchase
	`.execute(db);
}
