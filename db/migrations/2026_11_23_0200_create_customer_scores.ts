import { sql, type Kysely } from 'kysely';

/**
 * The customer models (PRODUCT.md §3 "High-value churn risk"):
 * - `model_fit`: each fit of BG/NBD and Gamma-Gamma — when, on data up to which local date, on how
 *   many customers, its parameters (jsonb: { bgnbd, gammaGamma }), or why it failed;
 * - `customer_score`: each purchasing customer's scores from the latest fit (P(alive),
 *   expected purchases in 90 days, CLV, RFM, high value, at risk), for the at-risk list and the
 *   customer page;
 * - `rollup_model_score`: what boards and walls read, one row per scoring day (counts, sums and
 *   RFM segment sizes), so that no board reads customer rows.
 * Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	for (const statement of [
		`create table model_fit (
			fit_id bigint generated always as identity primary key,
			started_at timestamptz not null default now(),
			finished_at timestamptz,
			status text not null check (status in ('running', 'succeeded', 'failed')),
			until_day date not null,
			customers integer,
			parameters jsonb,
			error text
		)`,
		// keyed by fit: a scoring writes its rows beside the current ones, and one transaction
		// then marks the fit succeeded and drops the rows of the fit before
		`create table customer_score (
			fit_id bigint not null,
			customer_id bigint not null,
			scored_on date not null,
			first_day date not null,
			last_day date not null,
			purchase_days integer not null,
			p_alive double precision not null,
			expected_purchases_90d double precision not null,
			clv numeric not null,
			net_revenue_365 numeric not null,
			active boolean not null,
			r smallint,
			f smallint,
			m smallint,
			segment text,
			high_value boolean not null,
			at_risk boolean not null,
			primary key (fit_id, customer_id)
		)`,
		`create index customer_score_at_risk on customer_score (fit_id, net_revenue_365 desc)
			where at_risk`,
		`create table rollup_model_score (
			scored_on date primary key,
			fit_id bigint not null,
			scored_at timestamptz not null,
			scored integer not null,
			active integer not null,
			high_value integer not null,
			at_risk integer not null,
			revenue_at_risk numeric not null,
			clv_total numeric not null,
			segments jsonb not null
		)`
	]) {
		await sql.raw(statement).execute(db);
	}
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_model_score, customer_score, model_fit`.execute(db);
}
