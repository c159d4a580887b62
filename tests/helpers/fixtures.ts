import { sql, type Kysely } from 'kysely';
import type { DB, EventType, MessagePurpose, OrderKind } from '$lib/server/db/schema';

/**
 * Small hand-made data for metric tests, written straight into the tables (not through the
 * importer) so that a metric test fails only when the metric is wrong.
 */
export async function addCustomer(
	db: Kysely<DB>,
	options: { source?: string; firstOrderAt?: string; firstOrderOn?: string } = {}
): Promise<number> {
	const source = options.source ?? 'fixture';
	await sql`insert into source (source) values (${source}) on conflict do nothing`.execute(db);
	const row = await db
		.insertInto('customer')
		.values({
			source,
			first_order_at: options.firstOrderAt ?? null,
			first_order_on: options.firstOrderOn ?? null
		})
		.returning('customer_id')
		.executeTakeFirstOrThrow();
	return row.customer_id;
}

let orderNumber = 0;

/** An order row; `at` is an ISO 8601 instant with its offset, as a producer would send it. */
export async function addOrder(
	db: Kysely<DB>,
	customerId: number,
	at: string,
	options: {
		kind?: OrderKind;
		amount?: string;
		source?: string;
		orderRef?: string;
		refersTo?: string;
		channel?: string;
	} = {}
): Promise<void> {
	const amount = options.amount ?? (options.kind && options.kind !== 'order' ? '-10' : '10');
	await db
		.insertInto('customer_order')
		.values({
			customer_id: customerId,
			origin_customer_id: customerId,
			source: options.source ?? 'fixture',
			order_ref: options.orderRef ?? `o-${++orderNumber}`,
			kind: options.kind ?? 'order',
			amount,
			currency: 'USD',
			reporting_amount: amount,
			refers_to: options.refersTo ?? null,
			channel: options.channel ?? null,
			ordered_at: at
		})
		.execute();
}

let eventNumber = 0;

/** An interaction event; `at` is an ISO 8601 instant with its offset. */
export async function addEvent(
	db: Kysely<DB>,
	customerId: number,
	at: string,
	type: EventType,
	options: {
		channel?: string;
		messageRef?: string;
		purpose?: MessagePurpose;
		machineOpen?: boolean;
		machineClick?: boolean;
		userAgent?: string;
	} = {}
): Promise<void> {
	await db
		.insertInto('interaction_event')
		.values({
			customer_id: customerId,
			origin_customer_id: customerId,
			source: 'fixture',
			event_ref: `e-${++eventNumber}`,
			occurred_at: at,
			channel: options.channel ?? 'email',
			type,
			message_ref: options.messageRef ?? null,
			message_purpose: options.purpose ?? null,
			machine_open: options.machineOpen ?? null,
			machine_click: options.machineClick ?? null,
			user_agent: options.userAgent ?? null
		})
		.execute();
}

export async function clearCustomerData(db: Kysely<DB>): Promise<void> {
	await db.deleteFrom('customer_order').execute();
	await db.deleteFrom('interaction_event').execute();
	await db.deleteFrom('identity').execute();
	await db.deleteFrom('customer').execute();
	await db.deleteFrom('setting').execute();
}

let responseNumber = 0;

/** A survey answer; `at` is an ISO 8601 instant with its offset. */
export async function addSurvey(
	db: Kysely<DB>,
	customerId: number,
	at: string,
	answer: { nps?: number; csat?: number; effort?: number }
): Promise<void> {
	await db
		.insertInto('survey_response')
		.values({
			customer_id: customerId,
			origin_customer_id: customerId,
			source: 'fixture',
			response_ref: `s-${++responseNumber}`,
			responded_at: at,
			nps: answer.nps ?? null,
			csat: answer.csat ?? null,
			effort: answer.effort ?? null
		})
		.execute();
}

/** A consent change; `at` is an ISO 8601 instant with its offset. */
export async function addConsent(
	db: Kysely<DB>,
	customerId: number,
	at: string,
	channel: string,
	status: 'opted_in' | 'opted_out'
): Promise<void> {
	await db
		.insertInto('consent')
		.values({
			customer_id: customerId,
			origin_customer_id: customerId,
			source: 'fixture',
			channel,
			status,
			changed_at: at
		})
		.execute();
}
