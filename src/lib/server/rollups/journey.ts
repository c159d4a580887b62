import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema';
import type { GenerationSpec } from './facts';

/**
 * Journey stages (PRODUCT.md §3 "Journey"): per-customer stage spells and their per-day edges.
 * Not built yet: the facts and aggregates below are empty until the journey lands.
 */

type Db = Kysely<DB> | Transaction<DB>;

/** Per-customer fact tables of a generation (deleted and rewritten per recomputed customer). */
export const JOURNEY_FACT_TABLES: readonly string[] = [];
/** Aggregate tables of a generation (cleared with a retired generation). */
export const JOURNEY_ROLLUP_TABLES: readonly string[] = [];

/** Writes the customers' journey facts; runs after the purchase, spell and loyal facts. */
export async function writeJourneyFacts(
	_trx: Db,
	_spec: GenerationSpec,
	_ids: number[]
): Promise<void> {}

/** Adds (1) or subtracts (−1) what the customers' journey facts contribute to the aggregates. */
export async function moveJourneyAggregates(
	_trx: Db,
	_g: number,
	_ids: number[],
	_sign: 1 | -1
): Promise<void> {}
