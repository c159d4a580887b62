import { activeCustomers } from './active-customers';
import { averageOrderValue } from './average-order-value';
import type { MetricEntry, TableMetricEntry } from './catalog-entry';
import { churnRate } from './churn-rate';
import { cohortRetention } from './cohort-retention';
import { conflictingContacts } from './conflicting-contacts';
import { consentViolations, contactPressureOverCap } from './contact-pressure';
import {
	casesOpenedToday,
	messagesDeliveredToday,
	netRevenueToday,
	newCustomersToday,
	purchasesToday,
	surveyAnswersToday
} from './daily-counts';
import { ENGAGEMENT_METRICS } from './engagement';
import { journeyFlow, journeyFunnel } from './journey';
import { loyalCustomerShare } from './loyal-customer-share';
import { averageClv, highValueAtRisk, revenueAtRisk, rfmSegments } from './model-scores';
import { multichannelEngagedShare } from './multichannel-engaged-share';
import { netRevenueRetention } from './net-revenue-retention';
import { LOYALTY_METRICS } from './loyalty';
import { nps } from './nps';
import { purchaseFrequency } from './purchase-frequency';
import { repeatPurchaseRate } from './repeat-purchase-rate';
import { scvCompleteness } from './scv-completeness';
import { SERVICE_METRICS } from './service';
import { shareOfWallet } from './share-of-wallet';
import { tenure } from './tenure';

/** Every KPI, defined once. Boards, walls, the CLI and the API only reference these ids. */
export const metricCatalog: readonly MetricEntry[] = [
	activeCustomers,
	repeatPurchaseRate,
	churnRate,
	netRevenueRetention,
	averageOrderValue,
	purchaseFrequency,
	...ENGAGEMENT_METRICS,
	multichannelEngagedShare,
	nps,
	...LOYALTY_METRICS,
	shareOfWallet,
	loyalCustomerShare,
	tenure,
	...SERVICE_METRICS,
	conflictingContacts,
	contactPressureOverCap,
	consentViolations,
	scvCompleteness,
	highValueAtRisk,
	revenueAtRisk,
	averageClv,
	purchasesToday,
	netRevenueToday,
	newCustomersToday,
	messagesDeliveredToday,
	casesOpenedToday,
	surveyAnswersToday
];

/** Metrics that are tables rather than one figure (PRODUCT.md §3: `kind: 'table'`). */
export const TABLE_METRICS: readonly TableMetricEntry[] = [
	cohortRetention,
	journeyFunnel,
	journeyFlow,
	rfmSegments
];

export function findMetric(id: string): MetricEntry | undefined {
	return metricCatalog.find((entry) => entry.id === id);
}
