import { metricCatalog, TABLE_METRICS } from './catalog';
import {
	ATTRIBUTION_HOURS,
	ENGAGEMENT_HALF_LIFE_DAYS,
	INTERACTION_WEIGHTS,
	type InteractionWeight,
	LINK_SCANNER_AGENTS,
	MACHINE_CLICK_SECONDS,
	MACHINE_OPEN_AGENTS,
	MACHINE_OPEN_SECONDS,
	MESSAGE_WINDOW_DAYS,
	type UserAgentRule
} from './engagement-rules';

export interface CatalogDescription {
	metrics: {
		id: string;
		label: string;
		definition: string;
		unit: string;
		kind: 'scalar' | 'table';
	}[];
	rules: {
		machineOpenAgents: UserAgentRule[];
		linkScannerAgents: UserAgentRule[];
		machineOpenSeconds: number;
		machineClickSeconds: number;
		messageWindowDays: number;
		attributionHours: number;
	};
	engagementScore: { weights: InteractionWeight[]; halfLifeDays: number };
}

/** The catalog as the definitions page shows it: every metric and the engagement rule tables. */
export function catalogDescription(): CatalogDescription {
	return {
		metrics: [
			...metricCatalog.map((m) => ({
				id: m.id,
				label: m.label,
				definition: m.definition,
				unit: m.unit,
				kind: 'scalar' as const
			})),
			...TABLE_METRICS.map((m) => ({
				id: m.id,
				label: m.label,
				definition: m.definition,
				unit: 'table',
				kind: 'table' as const
			}))
		],
		rules: {
			machineOpenAgents: [...MACHINE_OPEN_AGENTS],
			linkScannerAgents: [...LINK_SCANNER_AGENTS],
			machineOpenSeconds: MACHINE_OPEN_SECONDS,
			machineClickSeconds: MACHINE_CLICK_SECONDS,
			messageWindowDays: MESSAGE_WINDOW_DAYS,
			attributionHours: ATTRIBUTION_HOURS
		},
		engagementScore: { weights: [...INTERACTION_WEIGHTS], halfLifeDays: ENGAGEMENT_HALF_LIFE_DAYS }
	};
}
