import { sql, type Kysely } from 'kysely';

/**
 * The message sums per UTC day besides the 15-minute buckets: a month reads about 30 day rows and
 * the buckets of its two partial UTC days (a local midnight is a quarter hour, rarely a UTC one)
 * instead of ~3,000 buckets. Kept in step by the same refresh; filled from the buckets here.
 * Frozen: later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await sql`
		create table rollup_message_day (
			day date primary key,
			delivered bigint not null,
			raw_opened bigint not null,
			human_opened bigint not null,
			human_engaged bigint not null,
			human_clicked bigint not null,
			replied bigint not null,
			unsubscribed bigint not null,
			complained bigint not null,
			undelivered_events bigint not null,
			conflicting bigint not null,
			latest_at timestamptz
		)
	`.execute(db);
	await sql`
		insert into rollup_message_day
		select (bucket at time zone 'UTC')::date, sum(delivered), sum(raw_opened), sum(human_opened),
			sum(human_engaged), sum(human_clicked), sum(replied), sum(unsubscribed), sum(complained),
			sum(undelivered_events), sum(conflicting), max(latest_at)
		from rollup_message
		group by 1
	`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop table rollup_message_day`.execute(db);
}
