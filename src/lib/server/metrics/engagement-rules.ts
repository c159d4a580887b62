/**
 * The catalog's tables of machine opens and clicks (PRODUCT.md §3 "Engagement beyond open rates"),
 * shown in the UI beside the rates they shape. A rule matches a user agent exactly or by a case-
 * insensitive part of it. Changing a list changes which events are machine events: the message
 * facts are recomputed by `cx refresh --full` (and queue themselves as new events arrive).
 */

export interface UserAgentRule {
	/** What the rule matches. */
	pattern: string;
	match: 'exact' | 'contains';
	/** Who sends it and why it is a machine. */
	note: string;
}

/** Opens by these agents are machine opens: mail privacy proxies and image prefetchers. */
export const MACHINE_OPEN_AGENTS: readonly UserAgentRule[] = [
	{
		pattern: 'Mozilla/5.0',
		match: 'exact',
		note: 'Apple Mail Privacy Protection fetches every image with this bare agent.'
	},
	{ pattern: 'GoogleImageProxy', match: 'contains', note: 'Gmail’s image proxy.' },
	{ pattern: 'YahooMailProxy', match: 'contains', note: 'Yahoo Mail’s image proxy.' },
	{ pattern: 'Outlook-iOS-Android', match: 'contains', note: 'Outlook mobile prefetching images.' },
	{ pattern: 'Superhuman', match: 'contains', note: 'Superhuman’s image prefetch.' }
];

/** Clicks by these agents are machine clicks: link scanners of mail security gateways. */
export const LINK_SCANNER_AGENTS: readonly UserAgentRule[] = [
	{ pattern: 'Mimecast', match: 'contains', note: 'Mimecast URL Protect.' },
	{ pattern: 'Barracuda', match: 'contains', note: 'Barracuda Sentinel and Email Security.' },
	{ pattern: 'Proofpoint', match: 'contains', note: 'Proofpoint URL Defense.' },
	{ pattern: 'SafeLinks', match: 'contains', note: 'Microsoft Defender Safe Links.' },
	{ pattern: 'Trend Micro', match: 'contains', note: 'Trend Micro email security.' },
	{ pattern: 'Symantec', match: 'contains', note: 'Symantec (Broadcom) email security.' }
];

/** An open within this long after delivery is a machine's, unless a human click came after it. */
export const MACHINE_OPEN_SECONDS = 2;
/** A click within this long after delivery is a machine's. */
export const MACHINE_CLICK_SECONDS = 10;
/** A message's events count up to this many days after its delivery. */
export const MESSAGE_WINDOW_DAYS = 7;
/** An order is attributed to the latest human click in this many hours before it. */
export const ATTRIBUTION_HOURS = 168;
/** Rates are provisional until this many days after the period ends (conversion: the second). */
export const PROVISIONAL_DAYS = { messages: 7, conversion: 14 } as const;

/** Whether `userAgent` matches one of `rules` (the SQL of the rollups applies the same rules). */
export function matchesAgent(rules: readonly UserAgentRule[], userAgent: string | null): boolean {
	if (userAgent === null) return false;
	const lower = userAgent.toLowerCase();
	return rules.some((rule) =>
		rule.match === 'exact' ? userAgent === rule.pattern : lower.includes(rule.pattern.toLowerCase())
	);
}

/** The rules as two SQL arrays: exact agents, and ILIKE patterns with wildcards escaped. */
export function agentPatterns(rules: readonly UserAgentRule[]): {
	exact: string[];
	like: string[];
} {
	return {
		exact: rules.filter((r) => r.match === 'exact').map((r) => r.pattern),
		like: rules
			.filter((r) => r.match === 'contains')
			.map((r) => `%${r.pattern.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
	};
}

/** A kind of meaningful interaction (PRODUCT.md §3: the engagement score and multichannel share). */
export type InteractionKind =
	'human_click' | 'reply' | 'visit' | 'order' | 'survey_answer' | 'service_contact';

export interface InteractionWeight {
	kind: InteractionKind;
	label: string;
	weight: number;
	/** Which rows count, in plain words. */
	counts: string;
}

/**
 * The engagement score's weights, a catalog table shown in the UI: score = Σ weight × 2^(−age in
 * days / 30) over a customer's meaningful interactions. An order says most, a reply more than a
 * click; a visit or a service contact is a light touch. Machine opens and clicks count nowhere, and
 * opens (which proxies fake) not at all.
 */
export const INTERACTION_WEIGHTS: readonly InteractionWeight[] = [
	{
		kind: 'order',
		label: 'Order',
		weight: 5,
		counts: 'a row of kind order (not refunds or cancellations), in its channel'
	},
	{ kind: 'reply', label: 'Reply', weight: 3, counts: 'a replied event, in its channel' },
	{
		kind: 'survey_answer',
		label: 'Survey answer',
		weight: 2,
		counts: 'any survey response, in the channel "survey"'
	},
	{
		kind: 'human_click',
		label: 'Human click',
		weight: 1,
		counts:
			'a clicked event that is not a machine click (flagged, a link scanner, or within 10 s of its message’s delivery)'
	},
	{
		kind: 'visit',
		label: 'Visit',
		weight: 1,
		counts: 'a visit or portal_login event, in its channel'
	},
	{
		kind: 'service_contact',
		label: 'Service contact',
		weight: 1,
		counts: 'a call or chat event, or a service case opened, in its channel'
	}
];

/** The engagement score halves every this many days of an interaction's age. */
export const ENGAGEMENT_HALF_LIFE_DAYS = 30;
/** Multichannel: meaningful interactions in ≥ 2 channels within this many days to the day. */
export const MULTICHANNEL_WINDOW_DAYS = 30;

export function interactionWeight(kind: InteractionKind): number {
	const entry = INTERACTION_WEIGHTS.find((w) => w.kind === kind);
	if (!entry) throw new Error(`no weight for ${kind}`);
	return entry.weight;
}
