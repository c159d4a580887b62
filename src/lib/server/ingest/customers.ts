import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

/** Makes sure every named source exists (sources are a reference table). */
export async function ensureSources(db: Kysely<DB>, sources: Iterable<string>): Promise<void> {
	const names = [...new Set(sources)];
	if (!names.length) return;
	await sql`insert into source (source) select unnest(${names}::text[]) on conflict do nothing`.execute(
		db
	);
}

/**
 * The current customer of each producer id (source, customer_ref), creating a customer for each
 * one not seen before. Keys are `${source}\u0000${customer_ref}`.
 */
export async function resolveCustomers(
	db: Kysely<DB>,
	refs: readonly { source: string; customerRef: string }[],
	/** Receives the ids of the customers created here. */
	created?: number[]
): Promise<Map<string, number>> {
	const unique = new Map<string, { source: string; customerRef: string }>();
	for (const ref of refs) unique.set(customerKey(ref.source, ref.customerRef), ref);
	const wanted = [...unique.values()];
	const resolved = new Map<string, number>();
	if (!wanted.length) return resolved;

	const found = await sql<{ source: string; value: string; customer_id: number }>`
		select i.source, i.value, i.customer_id
		from identity i
		join unnest(${wanted.map((r) => r.source)}::text[], ${wanted.map((r) => r.customerRef)}::text[]) as u(source, value)
			on i.source = u.source and i.value = u.value
		where i.kind = 'ref'
	`.execute(db);
	for (const row of found.rows)
		resolved.set(customerKey(row.source, row.value), Number(row.customer_id));

	const missing = wanted.filter((r) => !resolved.has(customerKey(r.source, r.customerRef)));
	if (!missing.length) return resolved;
	const ids = await nextIds(db, 'customer', 'customer_id', missing.length);
	created?.push(...ids);
	await sql`
		insert into customer (customer_id, source)
		select * from unnest(${ids}::bigint[], ${missing.map((r) => r.source)}::text[])
	`.execute(db);
	await sql`
		insert into identity (source, kind, value, customer_id, origin_customer_id)
		select u.source, 'ref', u.value, u.id, u.id
		from unnest(${missing.map((r) => r.source)}::text[], ${missing.map((r) => r.customerRef)}::text[], ${ids}::bigint[]) as u(source, value, id)
	`.execute(db);
	missing.forEach((r, i) => resolved.set(customerKey(r.source, r.customerRef), ids[i] as number));
	return resolved;
}

export function customerKey(source: string, customerRef: string): string {
	return `${source}\u0000${customerRef}`;
}

/** Reserves `count` values of a table's identity column, so rows can be linked before insert. */
export async function nextIds(
	db: Kysely<DB>,
	table: string,
	column: string,
	count: number
): Promise<number[]> {
	const result = await sql<{ id: number }>`
		select nextval(pg_get_serial_sequence(${table}, ${column}))::bigint as id
		from generate_series(1, ${count}::int)
	`.execute(db);
	return result.rows.map((row) => Number(row.id));
}
