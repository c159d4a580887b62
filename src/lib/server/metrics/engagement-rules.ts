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
