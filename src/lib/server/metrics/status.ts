import { toleranceOf, type MetricEntry } from './catalog-entry';

export type { MetricStatus } from '$lib/metric-types';
import type { MetricStatus } from '$lib/metric-types';

/** Status against target, on unrounded values (PRODUCT.md §3 "Status"). */
export function statusOf(
	entry: MetricEntry,
	value: number | null,
	n: number,
	target: number | undefined = entry.target
): MetricStatus {
	if (value === null || !Number.isFinite(value) || n < entry.minN) return 'not-enough-data';
	if (target === undefined) return 'no-target';
	const margin = entry.better === 'higher' ? value - target : target - value;
	if (margin >= 0) return 'on-target';
	// A hair of slack so that 0.48 against 0.50 ± 0.02 is "near" despite binary fractions.
	const slack = 1e-9 * Math.max(1, Math.abs(target));
	if (-margin <= toleranceOf(entry, target) + slack) return 'near';
	return 'off-target';
}
