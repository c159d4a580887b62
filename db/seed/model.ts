/**
 * The demo company's declared parameters. The generator draws from exactly these, and the tests
 * recover them from the stored rows with estimators of their own (see README.md here).
 */
export const DEMO_MODEL = {
	/** Days of history before (and including) the anchor date. */
	historyDays: 3 * 365,
	/** Default number of customers whose first purchase falls in the history window. */
	defaultCustomers: 6000,
	/** Prospects (CRM leads) created per customer acquired directly. */
	leadsPerCustomer: 0.3,

	/** BG/NBD (Fader, Hardie & Lee 2005), time in weeks: λ ~ Gamma(r, α), p ~ Beta(a, b). */
	bgnbd: { r: 0.75, alpha: 16, a: 1.2, b: 5 },
	/** Gamma-Gamma spend per purchase day (Fader & Hardie 2013): z ~ Gamma(p, ν), ν ~ Gamma(q, γ). */
	gammaGamma: { p: 5, q: 3.5, gamma: 30 },

	regions: [
		['US East', 0.35],
		['US West', 0.3],
		['EU', 0.25],
		['UK', 0.1]
	] as const,
	/** Orders are in EUR in the EU region, USD elsewhere (the UK buys in USD from the US shop). */
	euroRegion: 'EU',
	/** USD per EUR at the start of the history; a daily random walk from there. */
	eurUsdStart: 1.08,

	refundShare: 0.06,
	cancellationShare: 0.015,

	/** A share of people belong to the CRM too (a second source), with the same email or phone. */
	crmShare: 0.4,
	/** Of those, this share shares only the phone (the CRM holds a work email). */
	crmPhoneOnlyShare: 0.15,

	consent: { emailOptIn: 0.75, smsOptIn: 0.35 },

	/** Marketing e-mail: every Tuesday a campaign; each opted-in person gets it with this chance. */
	campaignSendShare: 0.08,
	/** Black-Friday week: daily sends to recent buyers, which pushes some over the weekly cap. */
	promoWeekSendShare: 0.45,
	/** Monthly marketing SMS to SMS opt-ins. */
	smsSendShare: 0.25,

	/** People whose mail app fetches every message through a privacy proxy (machine opens). */
	privacyProxyShare: 0.4,
	/** People behind a corporate link scanner that clicks every link (machine clicks). */
	linkScannerShare: 0.06,
	/** The producer flags this share of machine opens and machine clicks itself. */
	machineFlaggedShare: 0.6,
	/** A human open per delivered e-mail: behind a privacy proxy / without one. */
	humanOpen: { proxied: 0.15, direct: 0.22 },
	/** A human click given a human open. */
	clickGivenOpen: 0.18,
	replyShare: 0.004,
	unsubscribeShare: 0.01,
	complaintShare: 0.002,

	/** Days between relationship NPS answers of one customer (exponential mean). */
	npsEveryDays: 45,
	/** Post-purchase CSAT survey answered for this share of orders. */
	orderCsatShare: 0.15,

	/** Service cases per customer-year while buying. */
	casesPerYear: 0.35,
	unresolvedCaseShare: 0.06,

	/**
	 * Programs with a control arm: conversion = an order within the measurement window after
	 * assignment. Welcome: new CRM leads. Win-back: customers a year without a purchase.
	 */
	programs: {
		welcome: {
			label: 'Welcome series',
			windowDays: 14,
			arms: [
				['control', 0.5, 0.05],
				['series', 0.5, 0.09]
			]
		},
		winback: {
			label: 'Win-back',
			windowDays: 30,
			winbackAfterDays: 365,
			arms: [
				['control', 0.2, 0.02],
				['reminder', 0.4, 0.04],
				['discount_15', 0.4, 0.07]
			]
		}
	} as const
} as const;

export type DemoModel = typeof DEMO_MODEL;
export type ProgramName = keyof DemoModel['programs'];

/** The sources the demo writes: the web shop and the CRM. Removing the demo deletes both. */
export const DEMO_SOURCES = ['demo', 'demo.crm'] as const;
export const SHOP = 'demo';
export const CRM = 'demo.crm';
