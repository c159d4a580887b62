import { TZDate } from '@date-fns/tz';
import { CRM, DEMO_MODEL, SHOP, type ProgramName } from './model';
import {
	EMAIL_DOMAINS,
	FIRST_NAMES,
	HUMAN_USER_AGENTS,
	LAST_NAMES,
	PROXY_USER_AGENTS,
	SCANNER_USER_AGENTS,
	SURVEY_COMMENTS
} from './names';
import { createRandom, type Random } from './random';

/**
 * The demo company as a deterministic process. People arrive day by day (Poisson counts keyed by
 * the calendar date), and each person's whole life — purchases, messages, visits, cases, answers —
 * is drawn from streams keyed by (seed, person, stream). So the same seed, anchor and size give the
 * same rows, and simulating a later day reproduces every earlier row exactly: the daily job appends
 * what happened since, never anything different.
 *
 * Times are epoch milliseconds; days are whole days since 1970-01-01 on the calendar (local dates of
 * the organization's time zone when turned into instants).
 */

const DAY_MS = 86_400_000;
const WEEK_DAYS = 7;

export interface CompanyOptions {
	seed: string;
	/** Customers acquired over the history window (the size). */
	customers: number;
	/** The last simulated local date, 'YYYY-MM-DD'. */
	anchor: string;
	timeZone: string;
	reportingCurrency: string;
}

export interface Identity {
	source: string;
	kind: 'ref' | 'email' | 'phone';
	value: string;
	at: number;
}

export interface OrderRow {
	ref: string;
	kind: 'order' | 'refund' | 'cancellation';
	amount: string;
	currency: string;
	channel: string;
	refersTo: string | null;
	at: number;
}

export interface EventRow {
	ref: string;
	source: string;
	at: number;
	channel: string;
	type: string;
	messageRef: string | null;
	purpose: 'marketing' | 'transactional' | 'service' | null;
	machineOpen: boolean | null;
	machineClick: boolean | null;
	userAgent: string | null;
}

export interface CaseRow {
	ref: string;
	openedAt: number;
	firstResponseAt: number | null;
	resolvedAt: number | null;
	channel: string;
	contacts: number;
	reopened: boolean;
	csat: number | null;
}

export interface SurveyRow {
	ref: string;
	at: number;
	nps: number | null;
	csat: number | null;
	effort: number | null;
	statedSpend: string | null;
	comment: string | null;
}

export interface ConsentRow {
	channel: 'email' | 'sms';
	status: 'opted_in' | 'opted_out';
	at: number;
}

export interface AssignmentRow {
	program: ProgramName;
	arm: string;
	at: number;
}

export interface Person {
	key: string;
	/** The producer id of the person's first record (`S-…` in the shop, `C-…` in the CRM). */
	ref: string;
	/** The source of the person's first record: the shop for buyers, the CRM for leads. */
	source: string;
	name: string;
	region: string;
	acquisitionChannel: string;
	createdAt: number;
	/** Set for people whose shop account began with their first order (the shop knows it). */
	firstOrderAt: number | null;
	identities: Identity[];
	consents: ConsentRow[];
	orders: OrderRow[];
	events: EventRow[];
	cases: CaseRow[];
	surveys: SurveyRow[];
	assignments: AssignmentRow[];
}

export interface PersonPlan {
	key: string;
	day: number;
	index: number;
	kind: 'shopper' | 'lead' | 'test-crm' | 'test-shop';
}

export function dayOf(date: string): number {
	const [y, m, d] = date.split('-').map(Number) as [number, number, number];
	return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
}

export function dateOf(day: number): string {
	return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Local midnights of the organization's time zone, cached per day. */
export class TimeAxis {
	private readonly starts = new Map<number, number>();
	constructor(readonly timeZone: string) {}

	start(day: number): number {
		let start = this.starts.get(day);
		if (start === undefined) {
			const [y, m, d] = dateOf(day).split('-').map(Number) as [number, number, number];
			start = new TZDate(y, m - 1, d, this.timeZone).getTime();
			this.starts.set(day, start);
		}
		return start;
	}

	/** The instant `fraction` of the way through local day `day` (DST days are 23 or 25 hours). */
	at(day: number, fraction: number): number {
		const start = this.start(day);
		return Math.round(
			start + Math.min(Math.max(fraction, 0), 0.999_999) * (this.start(day + 1) - start)
		);
	}

	/** The local day that holds `instant`. */
	dayAt(instant: number): number {
		let day = Math.floor(instant / DAY_MS);
		while (this.start(day) > instant) day--;
		while (this.start(day + 1) <= instant) day++;
		return day;
	}
}

export class DemoCompany {
	readonly axis: TimeAxis;
	readonly anchorDay: number;
	readonly historyStartDay: number;
	private readonly dailyRate: number;

	constructor(readonly options: CompanyOptions) {
		this.axis = new TimeAxis(options.timeZone);
		this.anchorDay = dayOf(options.anchor);
		this.historyStartDay = this.anchorDay - DEMO_MODEL.historyDays + 1;
		this.dailyRate = options.customers / DEMO_MODEL.historyDays;
	}

	private random(key: string): Random {
		return createRandom(`${this.options.seed}/${key}`);
	}

	/** The people whose first record falls on local day `day` (none before the history window). */
	arrivals(day: number): PersonPlan[] {
		if (day < this.historyStartDay) return [];
		const plans: PersonPlan[] = [];
		if (day === this.historyStartDay) {
			// The blocklisted test address, once in each source: never merged, listed for review.
			plans.push({ key: 'test-crm', day, index: 0, kind: 'test-crm' });
			plans.push({ key: 'test-shop', day, index: 1, kind: 'test-shop' });
		}
		const random = this.random(`arrivals/${dateOf(day)}`);
		const month = Number(dateOf(day).slice(5, 7));
		const season = month >= 11 ? 1.3 : 0.94;
		const shoppers = random.poisson(this.dailyRate * season);
		const leads = random.poisson(this.dailyRate * DEMO_MODEL.leadsPerCustomer);
		const base = plans.length;
		for (let i = 0; i < shoppers + leads; i++) {
			const index = base + i;
			plans.push({ key: `${day}.${index}`, day, index, kind: i < shoppers ? 'shopper' : 'lead' });
		}
		return plans;
	}

	/** Everything person `plan` does up to the end of local day `horizonDay`. */
	simulate(plan: PersonPlan, horizonDay: number): Person {
		return new PersonSimulation(this, plan, horizonDay).run();
	}

	/** Units of `currency` → reporting currency on each day from `fromDay` to `toDay`. */
	fxRates(fromDay: number, toDay: number): { currency: string; day: number; rate: string }[] {
		const reporting = this.options.reportingCurrency;
		const currencies = ['USD', 'EUR'].filter((c) => c !== reporting);
		const eur = this.eurUsd(fromDay, toDay);
		const rows: { currency: string; day: number; rate: string }[] = [];
		for (let day = fromDay; day <= toDay; day++) {
			const usdPerEur = eur.get(day) as number;
			for (const currency of currencies) {
				const usdPerUnit = currency === 'EUR' ? usdPerEur : 1;
				const usdPerReporting = reporting === 'EUR' ? usdPerEur : (USD_PER_UNIT[reporting] ?? 1);
				rows.push({ currency, day, rate: (usdPerUnit / usdPerReporting).toFixed(6) });
			}
		}
		return rows;
	}

	/** USD per EUR: a daily random walk from a fixed date, so any window reads the same values. */
	private eurUsd(fromDay: number, toDay: number): Map<number, number> {
		const random = this.random('fx/EUR');
		const values = new Map<number, number>();
		let rate = DEMO_MODEL.eurUsdStart;
		for (let day = FX_EPOCH_DAY; day <= toDay; day++) {
			rate *= Math.exp(random.normal(0, 0.003) + 0.02 * Math.log(DEMO_MODEL.eurUsdStart / rate));
			if (day >= fromDay) values.set(day, rate);
		}
		return values;
	}
}

const FX_EPOCH_DAY = dayOf('2015-01-01');

/** Rough USD value of one unit, for a reporting currency other than USD or EUR. */
const USD_PER_UNIT: Record<string, number> = {
	USD: 1,
	GBP: 1.27,
	CHF: 1.13,
	CAD: 0.73,
	AUD: 0.66,
	JPY: 0.0067,
	SEK: 0.095,
	NOK: 0.093,
	DKK: 0.145,
	PLN: 0.25,
	INR: 0.012,
	BRL: 0.18,
	MXN: 0.055,
	NZD: 0.6,
	SGD: 0.74,
	ZAR: 0.055
};

const ORDER_CHANNELS = [
	['web', 0.6],
	['app', 0.25],
	['store', 0.15]
] as const;

const ACQUISITION_CHANNELS = [
	['search', 0.3],
	['social', 0.2],
	['referral', 0.12],
	['email', 0.08],
	['store', 0.15],
	['direct', 0.15]
] as const;

const CASE_CHANNELS = [
	['email', 0.45],
	['phone', 0.35],
	['chat', 0.2]
] as const;

const WEEK_MS = WEEK_DAYS * DAY_MS;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

interface Spend {
	/** ν of the Gamma-Gamma model, in USD. */
	nu: number;
	currency: string;
}

class PersonSimulation {
	private readonly company: DemoCompany;
	private readonly plan: PersonPlan;
	private readonly horizonEnd: number;
	private readonly person: Person;
	private readonly ref: string;
	private shopRef: string | null = null;
	private email: string | null = null;
	private proxy: 'apple' | 'google' | null = null;
	private scanner: string | null = null;
	private mood = 0;
	private lambda = 0;
	private spend!: Spend;
	private emailOptIn = false;
	private smsOptIn = false;
	/** Purchase instants (kind 'order'), in order. */
	private purchases: number[] = [];
	/** When the person stopped buying for good (BG/NBD dropout), if before the horizon. */
	private droppedAt: number | null = null;
	/** The stream now drawing: events are numbered per stream, so appending keeps every ref. */
	private stream = 'who';
	private readonly eventCounts = new Map<string, number>();

	constructor(company: DemoCompany, plan: PersonPlan, horizonDay: number) {
		this.company = company;
		this.plan = plan;
		this.horizonEnd = company.axis.start(horizonDay + 1);
		this.ref = `${plan.day}${String(plan.index).padStart(2, '0')}`;
		this.person = {
			key: plan.key,
			ref:
				plan.kind === 'shopper'
					? `S-${this.ref}`
					: plan.kind === 'lead'
						? `C-${this.ref}`
						: plan.kind === 'test-crm'
							? 'C-TEST'
							: 'S-TEST',
			source: plan.kind === 'shopper' || plan.kind === 'test-shop' ? SHOP : CRM,
			name: '',
			region: '',
			acquisitionChannel: '',
			createdAt: 0,
			firstOrderAt: null,
			identities: [],
			consents: [],
			orders: [],
			events: [],
			cases: [],
			surveys: [],
			assignments: []
		};
	}

	private random(stream: string): Random {
		this.stream = stream;
		return createRandom(`${this.company.options.seed}/person/${this.plan.key}/${stream}`);
	}

	private within(at: number): boolean {
		return at < this.horizonEnd;
	}

	/** A daytime instant on `day`: most activity between 8:00 and 22:00 local. */
	private daytime(random: Random, day: number): number {
		return this.company.axis.at(day, Math.min(0.98, Math.max(0.02, random.normal(0.6, 0.16))));
	}

	run(): Person {
		this.identify();
		if (this.plan.kind === 'test-crm' || this.plan.kind === 'test-shop') return this.person;
		this.consentAtSignUp();
		const first =
			this.plan.kind === 'shopper' ? this.person.createdAt + 3 * MINUTE : this.welcome();
		if (first !== null) {
			this.buy(first);
			this.winBack();
		}
		this.visits();
		this.care();
		this.marketing();
		this.voice();
		return this.person;
	}

	private identify(): void {
		const random = this.random('who');
		const { plan, person } = this;
		const first = random.pick(FIRST_NAMES);
		const last = random.pick(LAST_NAMES);
		person.name = `${first} ${last}`;
		person.region = random.weighted(DEMO_MODEL.regions);
		person.acquisitionChannel =
			plan.kind === 'lead'
				? random.pick(['social', 'search', 'referral', 'event'] as const)
				: random.weighted(ACQUISITION_CHANNELS);
		person.createdAt = this.daytime(random, plan.day);
		this.mood = random.normal();
		this.spend = {
			nu: random.gamma(DEMO_MODEL.gammaGamma.q, DEMO_MODEL.gammaGamma.gamma),
			currency: person.region === DEMO_MODEL.euroRegion ? 'EUR' : 'USD'
		};
		this.proxy = random.bernoulli(DEMO_MODEL.privacyProxyShare)
			? random.bernoulli(0.7)
				? 'apple'
				: 'google'
			: null;
		this.scanner = random.bernoulli(DEMO_MODEL.linkScannerShare)
			? random.pick(SCANNER_USER_AGENTS)
			: null;

		const at = person.createdAt;
		if (plan.kind === 'test-crm' || plan.kind === 'test-shop') {
			const source = plan.kind === 'test-crm' ? CRM : SHOP;
			person.name = 'Test Account';
			person.identities.push(
				{ source, kind: 'ref', value: plan.kind === 'test-crm' ? 'C-TEST' : 'S-TEST', at },
				{ source, kind: 'email', value: 'test@test.com', at },
				{ source, kind: 'phone', value: '+10000000000', at }
			);
			return;
		}

		const handle = `${first}.${last}`
			.toLowerCase()
			.normalize('NFD')
			.replace(/[^a-z.]/g, '');
		this.email = `${handle}${this.ref}@${random.pick(EMAIL_DOMAINS)}`;
		const phone = random.bernoulli(0.55) ? this.phoneNumber() : null;
		const inCrm = plan.kind === 'lead' || random.bernoulli(DEMO_MODEL.crmShare);
		const phoneOnly =
			plan.kind === 'shopper' && phone !== null && random.bernoulli(DEMO_MODEL.crmPhoneOnlyShare);

		if (plan.kind === 'shopper') {
			this.shopRef = `S-${this.ref}`;
			person.identities.push(
				{ source: SHOP, kind: 'ref', value: this.shopRef, at },
				{ source: SHOP, kind: 'email', value: this.email, at }
			);
			if (phone) person.identities.push({ source: SHOP, kind: 'phone', value: phone, at });
		}
		if (inCrm) {
			// The CRM record names the same person by the same email, or only by phone (work email).
			const crmAt = plan.kind === 'lead' ? at : at + Math.round(random.exponential(20) * DAY_MS);
			person.identities.push({ source: CRM, kind: 'ref', value: `C-${this.ref}`, at: crmAt });
			if (phoneOnly) {
				person.identities.push(
					{ source: CRM, kind: 'phone', value: phone as string, at: crmAt },
					{ source: CRM, kind: 'email', value: `${handle}${this.ref}@work.example.com`, at: crmAt }
				);
			} else {
				person.identities.push({ source: CRM, kind: 'email', value: this.email, at: crmAt });
				if (phone) person.identities.push({ source: CRM, kind: 'phone', value: phone, at: crmAt });
			}
		}
	}

	/** A number in the 555-0100…0199 range reserved for fiction, unique per arrival day and slot. */
	private phoneNumber(): string {
		const slot = (((this.plan.day % 1600) + 1600) % 1600) * 50 + (this.plan.index % 50);
		const area = 200 + Math.floor(slot / 100);
		return `+1${area}55501${String(slot % 100).padStart(2, '0')}`;
	}

	private consentAtSignUp(): void {
		const random = this.random('consent');
		const at = this.person.createdAt + SECOND;
		this.emailOptIn = random.bernoulli(DEMO_MODEL.consent.emailOptIn);
		this.smsOptIn = random.bernoulli(DEMO_MODEL.consent.smsOptIn);
		this.person.consents.push(
			{ channel: 'email', status: this.emailOptIn ? 'opted_in' : 'opted_out', at },
			{ channel: 'sms', status: this.smsOptIn ? 'opted_in' : 'opted_out', at }
		);
	}

	/** A lead's welcome-program assignment; returns the first purchase, if one comes. */
	private welcome(): number | null {
		const random = this.random('welcome');
		const program = DEMO_MODEL.programs.welcome;
		const assignedAt = this.person.createdAt + HOUR;
		const arm = pickArm(random, program.arms);
		const convertsInWindow = random.bernoulli(arm.conversion);
		const inWindow = assignedAt + random.uniform(0.05, program.windowDays - 0.05) * DAY_MS;
		const later = random.bernoulli(0.25)
			? assignedAt + (program.windowDays + random.exponential(120)) * DAY_MS
			: null;
		if (!this.within(assignedAt)) return null;
		this.person.assignments.push({ program: 'welcome', arm: arm.name, at: assignedAt });
		if (arm.name !== 'control' && this.emailOptIn) {
			for (const [k, days] of [0, 3, 7].entries()) {
				this.message(random, {
					channel: 'email',
					purpose: 'marketing',
					ref: `W-${this.ref}-${k + 1}`,
					at: assignedAt + days * DAY_MS + 5 * MINUTE
				});
			}
		}
		const first = convertsInWindow ? inWindow : later;
		return first !== null && this.within(first) ? Math.round(first) : null;
	}

	/** BG/NBD purchases from the first one on, each with its order, refund and messages. */
	private buy(first: number): void {
		const random = this.random('buy');
		const { r, alpha, a, b } = DEMO_MODEL.bgnbd;
		this.lambda = random.gamma(r, alpha);
		const p = random.beta(a, b);
		if (this.shopRef === null) {
			this.shopRef = `S-${this.ref}`;
			const at = first - 2 * MINUTE;
			this.person.identities.push(
				{ source: SHOP, kind: 'ref', value: this.shopRef, at },
				{ source: SHOP, kind: 'email', value: this.email as string, at }
			);
		}
		if (this.plan.kind === 'shopper') this.person.firstOrderAt = first;
		let t = first;
		this.order(random, t);
		for (;;) {
			t += random.exponential(1 / this.lambda) * WEEK_MS;
			if (!this.within(t)) break;
			this.order(random, t);
			if (random.bernoulli(p)) {
				this.droppedAt = t;
				break;
			}
		}
	}

	private order(random: Random, at: number): void {
		at = Math.round(at);
		const { p } = DEMO_MODEL.gammaGamma;
		const usd = random.gamma(p, this.spend.nu);
		const amount = Math.max(1, this.spend.currency === 'EUR' ? usd / 1.08 : usd);
		const channel = random.weighted(ORDER_CHANNELS);
		const ref = `O-${this.ref}-${this.purchases.length + 1}`;
		this.purchases.push(at);
		this.person.orders.push({
			ref,
			kind: 'order',
			amount: amount.toFixed(2),
			currency: this.spend.currency,
			channel,
			refersTo: null,
			at
		});
		const after = random.next();
		if (after < DEMO_MODEL.cancellationShare) {
			this.person.orders.push({
				ref: `${ref}-X`,
				kind: 'cancellation',
				amount: (-amount).toFixed(2),
				currency: this.spend.currency,
				channel,
				refersTo: ref,
				at: at + Math.round(random.uniform(0.5, 6) * HOUR)
			});
		} else if (after < DEMO_MODEL.cancellationShare + DEMO_MODEL.refundShare) {
			const share = random.bernoulli(0.7) ? 1 : random.uniform(0.2, 0.6);
			this.person.orders.push({
				ref: `${ref}-R`,
				kind: 'refund',
				amount: (-amount * share).toFixed(2),
				currency: this.spend.currency,
				channel,
				refersTo: ref,
				at: at + Math.round(random.uniform(3, 30) * DAY_MS)
			});
		}
		if (channel !== 'store') {
			this.event({
				at: Math.max(
					this.person.createdAt,
					at - Math.round(random.uniform(2 * MINUTE, 2 * DAY_MS))
				),
				channel,
				type: 'visit',
				userAgent: random.pick(HUMAN_USER_AGENTS)
			});
		}
		this.message(random, {
			channel: 'email',
			purpose: 'transactional',
			ref: `T-${ref}`,
			at: at + MINUTE
		});
		if (random.bernoulli(DEMO_MODEL.orderCsatShare)) {
			const csat = clamp(Math.round(4.1 + 0.8 * this.mood + random.normal(0, 0.8)), 1, 5);
			this.person.surveys.push({
				ref: `Q-${ref}`,
				at: at + Math.round(random.uniform(1, 5) * DAY_MS),
				nps: null,
				csat,
				effort: null,
				statedSpend: null,
				comment: null
			});
		}
		if (this.purchases.length >= 3 && random.bernoulli(0.05)) {
			this.event({
				at: at + Math.round(random.uniform(7, 20) * DAY_MS),
				channel: 'web',
				type: 'review'
			});
		}
		if (random.bernoulli(0.01)) {
			this.event({
				at: at + Math.round(random.uniform(1, 30) * DAY_MS),
				channel: 'web',
				type: 'referral'
			});
		}
	}

	/** Customers a year without a purchase (who have in fact stopped) enter the win-back program. */
	private winBack(): void {
		if (this.droppedAt === null) return;
		const random = this.random('winback');
		const program = DEMO_MODEL.programs.winback;
		const last = this.purchases[this.purchases.length - 1] as number;
		const day = this.company.axis.dayAt(last) + program.winbackAfterDays + 1;
		const assignedAt = this.company.axis.at(day, 0.4);
		const arm = pickArm(random, program.arms);
		const converts = random.bernoulli(arm.conversion);
		const orderAt = assignedAt + random.uniform(0.05, program.windowDays - 0.05) * DAY_MS;
		if (!this.within(assignedAt)) return;
		this.person.assignments.push({ program: 'winback', arm: arm.name, at: assignedAt });
		if (arm.name !== 'control' && this.emailOptIn) {
			this.message(random, {
				channel: 'email',
				purpose: 'marketing',
				ref: `B-${this.ref}`,
				at: assignedAt + 10 * MINUTE
			});
		}
		if (converts && this.within(orderAt)) this.order(random, orderAt);
	}

	/** Browsing while the person is a live lead or customer. */
	private visits(): void {
		const random = this.random('web');
		const first = this.purchases[0];
		const end = first === undefined ? this.person.createdAt + 120 * DAY_MS : this.activeUntil();
		let t = this.person.createdAt;
		for (;;) {
			t += random.exponential(first === undefined ? 20 : 60) * DAY_MS;
			if (t >= end || !this.within(t)) break;
			const app = random.bernoulli(0.3);
			this.event({
				at: Math.round(t),
				channel: app ? 'app' : 'web',
				type: app && random.bernoulli(0.2) ? 'portal_login' : 'visit',
				userAgent: random.pick(HUMAN_USER_AGENTS)
			});
		}
	}

	/** The end of the buying life plus two months (or no end). */
	private activeUntil(): number {
		return this.droppedAt === null ? Number.POSITIVE_INFINITY : this.droppedAt + 60 * DAY_MS;
	}

	private care(): void {
		const first = this.purchases[0];
		if (first === undefined) return;
		const random = this.random('care');
		const end = this.activeUntil();
		let t = first;
		let k = 0;
		for (;;) {
			t += random.exponential(365 / DEMO_MODEL.casesPerYear) * DAY_MS;
			if (t >= end || !this.within(t)) break;
			k++;
			const ref = `K-${this.ref}-${k}`;
			const openedAt = Math.round(t);
			const channel = random.weighted(CASE_CHANNELS);
			const firstResponseAt =
				channel === 'phone'
					? openedAt
					: openedAt + Math.round((0.1 + random.exponential(5)) * HOUR);
			const unresolved = random.bernoulli(DEMO_MODEL.unresolvedCaseShare);
			const hours = Math.exp(random.normal(Math.log(20), 1.1));
			const resolvedAt = unresolved
				? null
				: Math.max(firstResponseAt, openedAt + Math.round(hours * HOUR));
			const contacts = 1 + random.poisson(0.6);
			const reopened = !unresolved && random.bernoulli(0.07);
			const csatAnswer = !unresolved && random.bernoulli(0.55);
			const csat = csatAnswer
				? clamp(
						Math.round(4 + 0.7 * this.mood - Math.log1p(hours / 24) + random.normal(0, 0.7)),
						1,
						5
					)
				: null;
			this.person.cases.push({
				ref,
				openedAt,
				firstResponseAt,
				resolvedAt,
				channel,
				contacts,
				reopened,
				csat
			});
			for (let c = 0; c < contacts; c++) {
				const at =
					openedAt +
					(resolvedAt === null
						? c * 2 * DAY_MS
						: Math.round(((resolvedAt - openedAt) * c) / contacts));
				if (channel === 'phone') this.event({ at, channel: 'phone', type: 'call' });
				else if (channel === 'chat') this.event({ at, channel: 'chat', type: 'chat' });
				else {
					this.message(random, {
						channel: 'email',
						purpose: 'service',
						ref: `${ref}-${c + 1}`,
						at: Math.max(at, firstResponseAt)
					});
				}
			}
			if (resolvedAt !== null && random.bernoulli(0.4)) {
				this.person.surveys.push({
					ref: `E-${ref}`,
					at: resolvedAt + Math.round(random.uniform(2, 48) * HOUR),
					nps: null,
					csat: null,
					effort: clamp(
						Math.round(2.6 + Math.log1p(hours / 24) + contacts * 0.4 + random.normal(0, 1)),
						1,
						7
					),
					statedSpend: null,
					comment: null
				});
			}
		}
	}

	/** Marketing e-mail every Tuesday, daily in Black-Friday week, and a monthly SMS. */
	private marketing(): void {
		const random = this.random('mail');
		const axis = this.company.axis;
		let day = axis.dayAt(this.person.createdAt) + 1;
		let emailIn = this.emailOptIn;
		let smsIn = this.smsOptIn;
		let emailOutAt = emailIn ? Number.POSITIVE_INFINITY : this.person.createdAt;
		const lastDay = axis.dayAt(this.horizonEnd - 1);
		for (; day <= lastDay; day++) {
			const { date, weekday, promo, smsDay } = calendarDay(day);
			if (weekday === 2 || promo) {
				const share = promo
					? this.boughtWithinYear(axis.start(day))
						? DEMO_MODEL.promoWeekSendShare
						: 0
					: DEMO_MODEL.campaignSendShare;
				const send = random.next() < share;
				const at = axis.at(day, 10 / 24 + random.uniform(0, 0.02));
				// The e-mail tool learns of an opt-out up to three days late: those sends are violations.
				const stillListed = emailIn || at - emailOutAt < 3 * DAY_MS;
				if (send && stillListed && this.within(at)) {
					const outcome = this.message(random, {
						channel: 'email',
						purpose: 'marketing',
						ref: `M-${date}${promo ? '-P' : ''}`,
						at
					});
					if (outcome === 'unsubscribed' && emailIn) {
						emailIn = false;
						emailOutAt = outcome === 'unsubscribed' ? this.lastEventAt() : at;
						this.person.consents.push({ channel: 'email', status: 'opted_out', at: emailOutAt });
					}
				}
			}
			if (smsDay && smsIn) {
				const at = axis.at(day, 12 / 24);
				if (random.bernoulli(DEMO_MODEL.smsSendShare) && this.within(at)) {
					const messageRef = `SMS-${date}`;
					this.event({ at, channel: 'sms', type: 'sent', messageRef, purpose: 'marketing' });
					this.event({
						at: at + 3 * SECOND,
						channel: 'sms',
						type: 'delivered',
						messageRef,
						purpose: 'marketing'
					});
					if (random.bernoulli(0.04)) {
						this.event({
							at: at + Math.round(random.exponential(2) * HOUR),
							channel: 'sms',
							type: 'clicked',
							messageRef,
							purpose: 'marketing'
						});
					}
					if (random.bernoulli(0.01)) {
						const outAt = at + Math.round(random.uniform(1, 60) * MINUTE);
						this.event({
							at: outAt,
							channel: 'sms',
							type: 'unsubscribed',
							messageRef,
							purpose: 'marketing'
						});
						this.person.consents.push({ channel: 'sms', status: 'opted_out', at: outAt });
						smsIn = false;
					}
				}
			}
		}
	}

	private boughtWithinYear(at: number): boolean {
		return this.purchases.some((p) => p <= at && at - p < 365 * DAY_MS);
	}

	private lastEventAt(): number {
		return (this.person.events[this.person.events.length - 1] as EventRow).at;
	}

	/** Relationship NPS (every customer, about every `npsEveryDays`), some with stated spend. */
	private voice(): void {
		const first = this.purchases[0];
		if (first === undefined) return;
		const random = this.random('voice');
		let t = first + 7 * DAY_MS;
		let k = 0;
		for (;;) {
			t += random.exponential(DEMO_MODEL.npsEveryDays) * DAY_MS;
			if (!this.within(t)) break;
			k++;
			const at = Math.round(t);
			const troubled = this.person.cases.some(
				(c) =>
					c.openedAt <= at &&
					at - c.openedAt < 30 * DAY_MS &&
					(c.resolvedAt === null || c.resolvedAt > at)
			);
			const nps = clamp(
				Math.round(8 + 1.7 * this.mood + random.normal(0, 1.1) - (troubled ? 2.5 : 0)),
				0,
				10
			);
			const stated = random.bernoulli(0.2)
				? (
						(52 * this.lambda * (DEMO_MODEL.gammaGamma.p / this.spend.nu)) /
						random.uniform(0.15, 0.9)
					).toFixed(0)
				: null;
			const band = nps >= 9 ? 'promoter' : nps >= 7 ? 'passive' : 'detractor';
			const comment = random.bernoulli(0.1) ? random.pick(SURVEY_COMMENTS[band]) : null;
			this.person.surveys.push({
				ref: `N-${this.ref}-${k}`,
				at,
				nps,
				csat: null,
				effort: null,
				statedSpend: stated,
				comment
			});
		}
	}

	/**
	 * One message: sent, delivered (98%), then machine opens (privacy proxies) and machine clicks
	 * (link scanners), some flagged by the producer and some not, and human opens, clicks, replies
	 * and opt-outs. Returns 'unsubscribed' when the person opted out through it.
	 */
	private message(
		random: Random,
		m: {
			channel: 'email';
			purpose: 'marketing' | 'transactional' | 'service';
			ref: string;
			at: number;
		}
	): 'unsubscribed' | null {
		const base = { channel: m.channel, messageRef: m.ref, purpose: m.purpose };
		const at = Math.round(m.at);
		this.event({ ...base, at, type: 'sent' });
		if (!random.bernoulli(0.98)) return null;
		const delivered = at + Math.round(random.uniform(2, 60) * SECOND);
		this.event({ ...base, at: delivered, type: 'delivered' });
		if (this.proxy) {
			const flagged = random.bernoulli(DEMO_MODEL.machineFlaggedShare);
			this.event({
				...base,
				at: delivered + Math.round(random.uniform(0.3, 1.8) * SECOND),
				type: 'opened',
				machineOpen: flagged ? true : null,
				userAgent: PROXY_USER_AGENTS[this.proxy]
			});
		}
		if (this.scanner && m.purpose !== 'service') {
			const flagged = random.bernoulli(DEMO_MODEL.machineFlaggedShare);
			this.event({
				...base,
				at: delivered + Math.round(random.uniform(1, 8) * SECOND),
				type: 'clicked',
				machineClick: flagged ? true : null,
				userAgent: this.scanner
			});
		}
		const opens = random.bernoulli(
			this.proxy ? DEMO_MODEL.humanOpen.proxied : DEMO_MODEL.humanOpen.direct
		);
		if (!opens) return null;
		const agent = random.pick(HUMAN_USER_AGENTS);
		const openedAt = delivered + Math.round((1 + random.exponential(6 * 60)) * MINUTE);
		this.event({ ...base, at: openedAt, type: 'opened', machineOpen: false, userAgent: agent });
		if (random.bernoulli(DEMO_MODEL.clickGivenOpen)) {
			this.event({
				...base,
				at: openedAt + Math.round(random.uniform(5, 600) * SECOND),
				type: 'clicked',
				machineClick: false,
				userAgent: agent
			});
		}
		const after = random.next();
		const replyShare = m.purpose === 'service' ? 0.5 : DEMO_MODEL.replyShare;
		if (after < replyShare) {
			this.event({
				...base,
				at: openedAt + Math.round(random.uniform(2, 120) * MINUTE),
				type: 'replied'
			});
		} else if (m.purpose === 'marketing' && after < replyShare + DEMO_MODEL.unsubscribeShare) {
			this.event({
				...base,
				at: openedAt + Math.round(random.uniform(10, 300) * SECOND),
				type: 'unsubscribed'
			});
			return 'unsubscribed';
		} else if (
			m.purpose === 'marketing' &&
			after < replyShare + DEMO_MODEL.unsubscribeShare + DEMO_MODEL.complaintShare
		) {
			this.event({
				...base,
				at: openedAt + Math.round(random.uniform(10, 300) * SECOND),
				type: 'complained'
			});
		}
		return null;
	}

	private event(e: {
		at: number;
		channel: string;
		type: string;
		messageRef?: string;
		purpose?: 'marketing' | 'transactional' | 'service';
		machineOpen?: boolean | null;
		machineClick?: boolean | null;
		userAgent?: string;
	}): void {
		const count = (this.eventCounts.get(this.stream) ?? 0) + 1;
		this.eventCounts.set(this.stream, count);
		this.person.events.push({
			ref: `V-${this.ref}-${this.stream}-${count}`,
			source: e.channel === 'email' || e.channel === 'sms' ? CRM : SHOP,
			at: e.at,
			channel: e.channel,
			type: e.type,
			messageRef: e.messageRef ?? null,
			purpose: e.purpose ?? null,
			machineOpen: e.machineOpen ?? null,
			machineClick: e.machineClick ?? null,
			userAgent: e.userAgent ?? null
		});
	}
}

function pickArm(
	random: Random,
	arms: readonly (readonly [string, number, number])[]
): { name: string; conversion: number } {
	const name = random.weighted(arms.map(([arm, share]) => [arm, share] as const));
	const arm = arms.find(([candidate]) => candidate === name) as readonly [string, number, number];
	return { name, conversion: arm[2] };
}

function clamp(value: number, min: number, max: number): number {
	return Math.min(max, Math.max(min, value));
}

interface CalendarDay {
	date: string;
	/** 0 = Sunday. */
	weekday: number;
	/** Monday to Saturday of Black-Friday week: daily promotional sends. */
	promo: boolean;
	/** The monthly SMS goes out on the 5th. */
	smsDay: boolean;
}

const calendar = new Map<number, CalendarDay>();

function calendarDay(day: number): CalendarDay {
	let entry = calendar.get(day);
	if (!entry) {
		const date = dateOf(day);
		const weekday = (((day + 4) % 7) + 7) % 7;
		entry = {
			date,
			weekday,
			promo: isBlackFridayWeek(date) && weekday >= 1 && weekday <= 6,
			smsDay: date.endsWith('-05')
		};
		calendar.set(day, entry);
	}
	return entry;
}

/** The Monday-to-Sunday week holding the fourth Thursday of November. */
function isBlackFridayWeek(date: string): boolean {
	if (date.slice(5, 7) !== '11') return false;
	const year = Number(date.slice(0, 4));
	const firstWeekday = new Date(Date.UTC(year, 10, 1)).getUTCDay();
	const thanksgiving = 1 + ((4 - firstWeekday + 7) % 7) + 21;
	const day = Number(date.slice(8, 10));
	return day >= thanksgiving - 3 && day <= thanksgiving + 3;
}
