import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema';

/**
 * The CX lead's list of high-value customers at risk, and one customer's scores, from the latest
 * scoring. Personal data: the routes that show them require `customer:view-personal`.
 */

export const AT_RISK_SORTS = {
	revenue: 'net_revenue_365',
	'p-alive': 'p_alive',
	clv: 'clv',
	segment: 'segment',
	'last-purchase': 'last_day'
} as const;
export type AtRiskSort = keyof typeof AT_RISK_SORTS;

export function isAtRiskSort(value: string): value is AtRiskSort {
	return Object.hasOwn(AT_RISK_SORTS, value);
}

export interface ScoredCustomer {
	customerId: number;
	name: string | null;
	/** The customer's reference at its source. */
	ref: string | null;
	scoredOn: string;
	firstDay: string;
	lastDay: string;
	purchaseDays: number;
	pAlive: number;
	expectedPurchases90d: number;
	clv: number;
	netRevenue365: number;
	active: boolean;
	r: number | null;
	f: number | null;
	m: number | null;
	segment: string | null;
	highValue: boolean;
	atRisk: boolean;
}

function scoredCustomers(db: Kysely<DB>) {
	return db
		.selectFrom('customer_score as s')
		.innerJoin('customer as c', 'c.customer_id', 's.customer_id')
		.select([
			's.customer_id',
			'c.name',
			(eb) =>
				eb
					.selectFrom('identity as i')
					.select('i.value')
					.whereRef('i.customer_id', '=', 's.customer_id')
					.where('i.kind', '=', 'ref')
					.orderBy('i.created_at')
					.limit(1)
					.as('ref'),
			's.scored_on',
			's.first_day',
			's.last_day',
			's.purchase_days',
			's.p_alive',
			's.expected_purchases_90d',
			's.clv',
			's.net_revenue_365',
			's.active',
			's.r',
			's.f',
			's.m',
			's.segment',
			's.high_value',
			's.at_risk'
		])
		.where('c.erased_at', 'is', null)
		.where('s.fit_id', '=', currentFit(db));
}

/** The fit whose scores are current: the latest that succeeded (a later one may be writing). */
function currentFit(db: Kysely<DB>) {
	return db
		.selectFrom('model_fit')
		.select((eb) => eb.fn.max('fit_id').as('fit_id'))
		.where('status', '=', 'succeeded');
}

type Row = Awaited<ReturnType<ReturnType<typeof scoredCustomers>['execute']>>[number];

function toScoredCustomer(row: Row): ScoredCustomer {
	return {
		customerId: Number(row.customer_id),
		name: row.name,
		ref: row.ref,
		scoredOn: row.scored_on,
		firstDay: row.first_day,
		lastDay: row.last_day,
		purchaseDays: row.purchase_days,
		pAlive: row.p_alive,
		expectedPurchases90d: row.expected_purchases_90d,
		clv: Number(row.clv),
		netRevenue365: Number(row.net_revenue_365),
		active: row.active,
		r: row.r,
		f: row.f,
		m: row.m,
		segment: row.segment,
		highValue: row.high_value,
		atRisk: row.at_risk
	};
}

/** The at-risk customers, sorted (ties by revenue, then id), at most `limit`, and how many in all. */
export async function listAtRisk(
	db: Kysely<DB>,
	options: { sort: AtRiskSort; descending: boolean; limit: number }
): Promise<{ customers: ScoredCustomer[]; total: number }> {
	const column = sql.ref(`s.${AT_RISK_SORTS[options.sort]}`);
	const direction = sql.raw(options.descending ? 'desc' : 'asc');
	const [rows, count] = await Promise.all([
		scoredCustomers(db)
			.where('s.at_risk', '=', true)
			.orderBy(sql`${column} ${direction} nulls last`)
			.orderBy('s.net_revenue_365', 'desc')
			.orderBy('s.customer_id')
			.limit(options.limit)
			.execute(),
		db
			.selectFrom('customer_score')
			.select((eb) => eb.fn.countAll<number>().as('n'))
			.where('at_risk', '=', true)
			.where('fit_id', '=', currentFit(db))
			.executeTakeFirstOrThrow()
	]);
	return { customers: rows.map(toScoredCustomer), total: Number(count.n) };
}

/** One customer's scores, if the current fit scored them. */
export async function findCustomerScore(
	db: Kysely<DB>,
	customerId: number
): Promise<ScoredCustomer | undefined> {
	const row = await scoredCustomers(db).where('s.customer_id', '=', customerId).executeTakeFirst();
	return row ? toScoredCustomer(row) : undefined;
}
