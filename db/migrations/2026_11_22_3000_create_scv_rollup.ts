import { sql, type Kysely } from 'kysely';

/**
 * SCV completeness (PRODUCT.md §3 "Single customer view": the share of customers with identities
 * from two or more sources, over all customers including prospects, at a period's end) from
 * per-day transitions: a customer counts from the local day they became known (created_at) and is
 * complete from the day their identity from a second source became known. Merges count as they
 * stand now (a merged customer is gone; the surviving one holds the identities). Identities now
 * queue their customers like the other customer-owned rows. The generations are rebuilt at the
 * next refresh. Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	const run = async (statements: string[]) => {
		for (const statement of statements) await sql.raw(statement).execute(db);
	};
	const queue = (rows: string) =>
		`insert into rollup_dirty (customer_id) select distinct customer_id from ${rows};`;
	await run([
		`delete from rc_purchase_day`,
		`delete from rc_spell`,
		`delete from rc_customer`,
		`delete from rc_customer_month`,
		`delete from rc_nps`,
		`delete from rc_answer`,
		`delete from rc_wallet`,
		`delete from rc_loyal`,
		`delete from rc_conversion`,
		`delete from rollup_purchase`,
		`delete from rollup_spell_edge`,
		`delete from rollup_first`,
		`delete from rollup_cohort`,
		`delete from rollup_nps`,
		`delete from rollup_answer`,
		`delete from rollup_wallet_edge`,
		`delete from rollup_tenure_edge`,
		`delete from rollup_loyal_edge`,
		`delete from rollup_conversion`,
		`delete from rollup_generation`,
		`create table rc_scv (
			generation integer not null,
			customer_id bigint not null,
			known_day date not null,
			-- null: identities from fewer than two sources
			complete_day date,
			primary key (generation, customer_id)
		)`,
		`create table rollup_scv_edge (
			generation integer not null,
			day date not null,
			customers bigint not null,
			complete bigint not null,
			primary key (generation, day)
		)`,
		`create function identity_rollup_insert() returns trigger language plpgsql as $$
			begin ${queue('new_rows')} return null; end $$`,
		`create function identity_rollup_delete() returns trigger language plpgsql as $$
			begin ${queue('old_rows')} return null; end $$`,
		`create function identity_rollup_update() returns trigger language plpgsql as $$
			begin ${queue('old_rows')} ${queue('new_rows')} return null; end $$`,
		`create trigger identity_rollup_insert after insert on identity
			referencing new table as new_rows for each statement
			execute function identity_rollup_insert()`,
		`create trigger identity_rollup_delete after delete on identity
			referencing old table as old_rows for each statement
			execute function identity_rollup_delete()`,
		`create trigger identity_rollup_update after update on identity
			referencing old table as old_rows new table as new_rows for each statement
			execute function identity_rollup_update()`
	]);
}

export async function down(db: Kysely<any>): Promise<void> {
	for (const op of ['insert', 'delete', 'update']) {
		await sql.raw(`drop trigger identity_rollup_${op} on identity`).execute(db);
		await sql.raw(`drop function identity_rollup_${op}()`).execute(db);
	}
	await sql`drop table rollup_scv_edge, rc_scv`.execute(db);
}
