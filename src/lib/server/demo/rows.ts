import { sql, type Kysely } from 'kysely';
import type { Person } from '../../../../db/seed/company';
import { CRM, SHOP } from '../../../../db/seed/model';
import type { DB } from '../db/schema';

/**
 * Writes the demo people's rows that fall in [from, to): each table with one
 * `insert … select from unnest(…)` (one parameter per column, whatever the row count), so a chunk
 * of thousands of rows is one round trip on PGlite and on a server alike.
 */
export interface Window {
	from: number;
	to: number;
}

/** People not stored yet get a customer row; `ids` maps each person's first ref to its customer_id. */
export async function writePeople(
	db: Kysely<DB>,
	people: readonly Person[],
	ids: Map<string, number>,
	window: Window,
	reportingCurrency: string,
	timeZone: string
): Promise<number> {
	const inWindow = (at: number) => at >= window.from && at < window.to;
	let rows = 0;

	const newcomers = people.filter((p) => !ids.has(p.ref) && p.createdAt < window.to);
	if (newcomers.length) {
		const reserved = await sql<{ id: number }>`
			select nextval(pg_get_serial_sequence('customer', 'customer_id'))::bigint as id
			from generate_series(1, ${newcomers.length}::int)
		`.execute(db);
		newcomers.forEach((p, i) => ids.set(p.ref, Number(reserved.rows[i]?.id)));
		await insert(db, 'customer', newcomers, [
			['customer_id', 'bigint', (p) => ids.get(p.ref)],
			['source', 'text', (p) => p.source],
			['name', 'text', (p) => p.name],
			['region', 'text', (p) => p.region],
			['acquisition_channel', 'text', (p) => p.acquisitionChannel],
			['created_at', 'timestamptz', (p) => iso(p.createdAt)],
			[
				'first_order_at',
				'timestamptz',
				(p) => (p.firstOrderAt !== null && p.firstOrderAt < window.to ? iso(p.firstOrderAt) : null)
			]
		]);
		rows += newcomers.length;
	}

	const stored = people.filter((p) => ids.has(p.ref));
	const each = <T>(pick: (p: Person) => readonly T[], when: (row: T) => number) =>
		stored.flatMap((p) =>
			pick(p)
				.filter((row) => inWindow(when(row)))
				.map((row) => ({ id: ids.get(p.ref) as number, row }))
		);

	const identities = each(
		(p) => p.identities,
		(r) => r.at
	);
	rows += await insert(
		db,
		'identity',
		identities,
		[
			['source', 'text', (x) => x.row.source],
			['kind', 'text', (x) => x.row.kind],
			['value', 'text', (x) => x.row.value],
			['customer_id', 'bigint', (x) => x.id],
			['origin_customer_id', 'bigint', (x) => x.id],
			['created_at', 'timestamptz', (x) => iso(x.row.at)]
		],
		// Two people may draw the same fictional phone number years apart: the first keeps it.
		'on conflict do nothing'
	);

	const consents = each(
		(p) => p.consents,
		(r) => r.at
	);
	rows += await insert(db, 'consent', consents, [
		['customer_id', 'bigint', (x) => x.id],
		['origin_customer_id', 'bigint', (x) => x.id],
		['source', 'text', () => CRM],
		['channel', 'text', (x) => x.row.channel],
		['status', 'text', (x) => x.row.status],
		['changed_at', 'timestamptz', (x) => iso(x.row.at)]
	]);

	const orders = each(
		(p) => p.orders,
		(r) => r.at
	);
	if (orders.length) {
		type Row = (typeof orders)[number];
		const columns: readonly Column<Row>[] = [
			['customer_id', 'bigint', (x) => x.id],
			['order_ref', 'text', (x) => x.row.ref],
			['kind', 'text', (x) => x.row.kind],
			['amount', 'numeric', (x) => x.row.amount],
			['currency', 'text', (x) => x.row.currency],
			['channel', 'text', (x) => x.row.channel],
			['refers_to', 'text', (x) => x.row.refersTo],
			['ordered_at', 'timestamptz', (x) => iso(x.row.at)]
		];
		const arrays = columns.map(
			([, type, get]) => sql`${orders.map((x) => get(x))}::${sql.raw(type)}[]`
		);
		// Converted as an import converts: the latest rate on or before the order's local date.
		await sql`
			insert into customer_order (customer_id, origin_customer_id, source, order_ref, kind, amount,
				currency, reporting_amount, channel, refers_to, ordered_at)
			select u.customer_id, u.customer_id, ${SHOP}, u.order_ref, u.kind, u.amount, u.currency,
				u.amount * case when u.currency = ${reportingCurrency} then 1 else coalesce((
					select f.rate from fx_rate f
					where f.currency = u.currency and f.day <= (u.ordered_at at time zone ${timeZone})::date
					order by f.day desc limit 1
				), 1) end,
				u.channel, u.refers_to, u.ordered_at
			from unnest(${sql.join(arrays)}) as u(${sql.raw(columns.map(([name]) => name).join(', '))})
		`.execute(db);
		rows += orders.length;
	}

	const events = each(
		(p) => p.events,
		(r) => r.at
	);
	rows += await insert(db, 'interaction_event', events, [
		['customer_id', 'bigint', (x) => x.id],
		['origin_customer_id', 'bigint', (x) => x.id],
		['source', 'text', (x) => x.row.source],
		['event_ref', 'text', (x) => x.row.ref],
		['occurred_at', 'timestamptz', (x) => iso(x.row.at)],
		['channel', 'text', (x) => x.row.channel],
		['type', 'text', (x) => x.row.type],
		['message_ref', 'text', (x) => x.row.messageRef],
		['message_purpose', 'text', (x) => x.row.purpose],
		['machine_open', 'boolean', (x) => x.row.machineOpen],
		['machine_click', 'boolean', (x) => x.row.machineClick],
		['user_agent', 'text', (x) => x.row.userAgent]
	]);

	const cases = each(
		(p) => p.cases,
		(r) => r.openedAt
	);
	const by = (at: number | null) => (at !== null && at < window.to ? at : null);
	rows += await insert(db, 'service_case', cases, [
		['customer_id', 'bigint', (x) => x.id],
		['origin_customer_id', 'bigint', (x) => x.id],
		['source', 'text', () => SHOP],
		['case_ref', 'text', (x) => x.row.ref],
		['opened_at', 'timestamptz', (x) => iso(x.row.openedAt)],
		['first_response_at', 'timestamptz', (x) => isoOrNull(by(x.row.firstResponseAt))],
		['resolved_at', 'timestamptz', (x) => isoOrNull(by(x.row.resolvedAt))],
		['channel', 'text', (x) => x.row.channel],
		['contacts', 'integer', (x) => x.row.contacts],
		['reopened', 'boolean', (x) => by(x.row.resolvedAt) !== null && x.row.reopened],
		['csat', 'smallint', (x) => (by(x.row.resolvedAt) !== null ? x.row.csat : null)]
	]);
	rows += await updateCases(db, stored, ids, window);

	const surveys = each(
		(p) => p.surveys,
		(r) => r.at
	);
	rows += await insert(db, 'survey_response', surveys, [
		['customer_id', 'bigint', (x) => x.id],
		['origin_customer_id', 'bigint', (x) => x.id],
		['source', 'text', () => CRM],
		['response_ref', 'text', (x) => x.row.ref],
		['responded_at', 'timestamptz', (x) => iso(x.row.at)],
		['nps', 'smallint', (x) => x.row.nps],
		['csat', 'smallint', (x) => x.row.csat],
		['effort', 'smallint', (x) => x.row.effort],
		['stated_category_spend', 'numeric', (x) => x.row.statedSpend],
		['comment', 'text', (x) => x.row.comment]
	]);

	const assignments = each(
		(p) => p.assignments,
		(r) => r.at
	);
	rows += await insert(db, 'program_assignment', assignments, [
		['customer_id', 'bigint', (x) => x.id],
		['program', 'text', (x) => x.row.program],
		['origin_customer_id', 'bigint', (x) => x.id],
		['source', 'text', () => CRM],
		['arm', 'text', (x) => x.row.arm],
		['assigned_at', 'timestamptz', (x) => iso(x.row.at)]
	]);
	return rows;
}

/** Cases opened before the window whose first response or resolution falls in it. */
async function updateCases(
	db: Kysely<DB>,
	people: readonly Person[],
	ids: Map<string, number>,
	window: Window
): Promise<number> {
	const changed = people.flatMap((p) =>
		p.cases
			.filter(
				(c) =>
					c.openedAt < window.from &&
					[c.firstResponseAt, c.resolvedAt].some(
						(at) => at !== null && at >= window.from && at < window.to
					)
			)
			.map((c) => ({ id: ids.get(p.ref) as number, c }))
	);
	if (!changed.length) return 0;
	const by = (at: number | null) => (at !== null && at < window.to ? iso(at) : null);
	await sql`
		update service_case s
		set first_response_at = u.first_response_at, resolved_at = u.resolved_at,
			reopened = u.reopened, csat = u.csat
		from unnest(
			${changed.map((x) => x.id)}::bigint[],
			${changed.map((x) => x.c.ref)}::text[],
			${changed.map((x) => by(x.c.firstResponseAt))}::timestamptz[],
			${changed.map((x) => by(x.c.resolvedAt))}::timestamptz[],
			${changed.map((x) => by(x.c.resolvedAt) !== null && x.c.reopened)}::boolean[],
			${changed.map((x) => (by(x.c.resolvedAt) !== null ? x.c.csat : null))}::smallint[]
		) as u(customer_id, case_ref, first_response_at, resolved_at, reopened, csat)
		where s.customer_id = u.customer_id and s.source = ${SHOP} and s.case_ref = u.case_ref
	`.execute(db);
	return changed.length;
}

type Column<T> = readonly [name: string, type: string, get: (row: T) => unknown];

async function insert<T>(
	db: Kysely<DB>,
	table: string,
	rows: readonly T[],
	columns: readonly Column<T>[],
	suffix = ''
): Promise<number> {
	if (!rows.length) return 0;
	const names = columns.map(([name]) => name).join(', ');
	const arrays = columns.map(
		([, type, get]) => sql`${rows.map((x) => get(x))}::${sql.raw(type)}[]`
	);
	await sql`
		insert into ${sql.table(table)} (${sql.raw(names)})
		select * from unnest(${sql.join(arrays)})
		${sql.raw(suffix)}
	`.execute(db);
	return rows.length;
}

function iso(at: number): string {
	return new Date(at).toISOString();
}

function isoOrNull(at: number | null): string | null {
	return at === null ? null : iso(at);
}
