import { activeCustomers } from './active-customers';
import type { MetricEntry } from './catalog-entry';
import { churnRate } from './churn-rate';
import { nps } from './nps';
import { repeatPurchaseRate } from './repeat-purchase-rate';

/** Every KPI, defined once. Boards, walls, the CLI and the API only reference these ids. */
export const metricCatalog: readonly MetricEntry[] = [
	activeCustomers,
	repeatPurchaseRate,
	churnRate,
	nps
];

export function findMetric(id: string): MetricEntry | undefined {
	return metricCatalog.find((entry) => entry.id === id);
}
