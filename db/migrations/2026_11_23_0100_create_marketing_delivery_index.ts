import { sql, type Kysely } from 'kysely';

/**
 * The weekly marketing messages of a customer (`rc_contact_week`) are rewritten whenever one is
 * delivered. Through the primary key that read fetched every event of the customer to keep the few
 * marketing deliveries; this partial index holds only those, with what the rewrite needs. Frozen:
 * later changes come as new migrations.
 */
export async function up(db: Kysely<any>): Promise<void> {
	await sql`
		create index interaction_event_marketing_delivery
		on interaction_event (customer_id, channel, message_ref, occurred_at)
		where type = 'delivered' and message_purpose = 'marketing' and message_ref is not null
	`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
	await sql`drop index interaction_event_marketing_delivery`.execute(db);
}
