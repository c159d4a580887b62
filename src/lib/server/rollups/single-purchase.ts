import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema';
import type { GenerationSpec } from './facts';

/**
 * The exclude-single-purchase switch (PRODUCT.md §3 "Activity, purchases, lapse").
 * Not built yet: the facts and aggregates below are empty until the switch lands.
 */

type Db = Kysely<DB> | Transaction<DB>;

/** Per-customer fact tables of a generation (deleted and rewritten per recomputed customer). */
export const SINGLE_PURCHASE_FACT_TABLES: readonly string[] = [];
/** Aggregate tables of a generation (cleared with a retired generation). */
export const SINGLE_PURCHASE_ROLLUP_TABLES: readonly string[] = [];

/** Writes the customers' single-purchase facts. */
export async function writeSinglePurchaseFacts(
	_trx: Db,
	_spec: GenerationSpec,
	_ids: number[]
): Promise<void> {}

/** Adds (1) or subtracts (−1) what the customers' single-purchase facts contribute to the aggregates. */
export async function moveSinglePurchaseAggregates(
	_trx: Db,
	_g: number,
	_ids: number[],
	_sign: 1 | -1
): Promise<void> {}
