import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** An instant: read as a Date, written as a Date or an ISO 8601 string. */
type Instant = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A local calendar date, 'YYYY-MM-DD' (see type-parsers.ts). */
type LocalDate = string;
/** numeric: an exact decimal, kept as a string. */
type Decimal = ColumnType<string, string | number, string | number>;
type Id = Generated<number>;

export interface SettingTable {
	key: string;
	value: ColumnType<unknown, string, string>;
	updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SourceTable {
	source: string;
	label: string | null;
	created_at: CreatedAt;
}

export interface CustomerTable {
	customer_id: Id;
	source: string;
	name: string | null;
	region: string | null;
	acquisition_channel: string | null;
	created_at: CreatedAt;
	first_order_at: Instant | null;
	first_order_on: LocalDate | null;
	merged_into: number | null;
	erased_at: Instant | null;
}

export type IdentityKind = 'ref' | 'email' | 'phone' | 'external';

export interface IdentityTable {
	source: string;
	kind: IdentityKind;
	value: string;
	customer_id: number;
	origin_customer_id: number;
	created_at: CreatedAt;
}

export interface IdentityBlocklistTable {
	kind: IdentityKind;
	value: string;
	reason: string | null;
}

export interface IngestKeyTable {
	source: string;
	entity: string;
	ref: string;
	customer_id: number;
	row_id: number;
	digest: string;
	created_at: CreatedAt;
}

export interface CustomerMergeTable {
	merge_id: Id;
	from_customer_id: number;
	into_customer_id: number;
	merged_at: CreatedAt;
	merged_by: string;
	reason: string | null;
	undone_at: Instant | null;
}

export interface FxRateTable {
	currency: string;
	day: LocalDate;
	rate: Decimal;
}

export type OrderKind = 'order' | 'refund' | 'cancellation';

export interface CustomerOrderTable {
	customer_id: number;
	order_id: Id;
	origin_customer_id: number;
	source: string;
	order_ref: string;
	kind: OrderKind;
	amount: Decimal;
	currency: string;
	reporting_amount: Decimal;
	channel: string | null;
	refers_to: string | null;
	ordered_at: Instant;
	ordered_on: LocalDate | null;
	created_at: CreatedAt;
}

export type EventType =
	| 'sent'
	| 'delivered'
	| 'opened'
	| 'clicked'
	| 'replied'
	| 'unsubscribed'
	| 'complained'
	| 'visit'
	| 'call'
	| 'chat'
	| 'portal_login'
	| 'referral'
	| 'review';

export type MessagePurpose = 'marketing' | 'transactional' | 'service';

export interface InteractionEventTable {
	customer_id: number;
	event_id: Id;
	origin_customer_id: number;
	source: string;
	event_ref: string;
	occurred_at: Instant;
	occurred_on: LocalDate | null;
	channel: string;
	type: EventType;
	message_ref: string | null;
	message_purpose: MessagePurpose | null;
	machine_open: boolean | null;
	machine_click: boolean | null;
	user_agent: string | null;
	properties: JSONColumnType<Record<string, unknown>, string, string> | null;
	created_at: CreatedAt;
}

export interface ServiceCaseTable {
	customer_id: number;
	case_id: Id;
	origin_customer_id: number;
	source: string;
	case_ref: string;
	opened_at: Instant;
	first_response_at: Instant | null;
	resolved_at: Instant | null;
	channel: string | null;
	contacts: ColumnType<number, number | undefined, number>;
	reopened: ColumnType<boolean, boolean | undefined, boolean>;
	csat: number | null;
	created_at: CreatedAt;
}

export interface SurveyResponseTable {
	customer_id: number;
	response_id: Id;
	origin_customer_id: number;
	source: string;
	response_ref: string;
	responded_at: Instant;
	responded_on: LocalDate | null;
	nps: number | null;
	csat: number | null;
	effort: number | null;
	stated_category_spend: Decimal | null;
	comment: string | null;
	created_at: CreatedAt;
}

export interface ConsentTable {
	customer_id: number;
	consent_id: Id;
	origin_customer_id: number;
	source: string;
	channel: string;
	status: 'opted_in' | 'opted_out';
	changed_at: Instant;
	changed_on: LocalDate | null;
	created_at: CreatedAt;
}

export interface ProgramTable {
	program: string;
	label: string | null;
	measurement_window_days: ColumnType<number, number | undefined, number>;
	created_at: CreatedAt;
}

export interface ProgramAssignmentTable {
	customer_id: number;
	program: string;
	origin_customer_id: number;
	source: string;
	arm: string;
	assigned_at: Instant;
	assigned_on: LocalDate | null;
	created_at: CreatedAt;
}

export type UserRole = 'admin' | 'executive' | 'cx_lead' | 'viewer';

export interface AppUserTable {
	user_id: Id;
	/** Lower case, trimmed: unique regardless of how it was typed. */
	email: string;
	name: string | null;
	role: UserRole;
	password_hash: string;
	must_change_password: ColumnType<boolean, boolean | undefined, boolean>;
	active: ColumnType<boolean, boolean | undefined, boolean>;
	created_at: CreatedAt;
	updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** A sign-in session; `id` is hex(SHA-256(token)), the token itself is never stored. */
export interface UserSessionTable {
	id: string;
	user_id: number;
	created_at: Instant;
	expires_at: Instant;
	absolute_expires_at: Instant;
}

/** One audited action; no personal values, only ids (`user:12`) and codes. Never updated. */
export interface AuditLogTable {
	audit_id: Id;
	at: CreatedAt;
	actor_user_id: number | null;
	action: string;
	target: string | null;
	detail: ColumnType<Record<string, unknown> | null, string | null | undefined, never>;
}

export interface MetricTargetTable {
	metric_id: string;
	/** The month's first day, 'YYYY-MM-DD'. */
	month: string;
	/** numeric: a string from both drivers. */
	target: string;
	demo: Generated<boolean>;
	updated_by: number | null;
	updated_at: Generated<Date>;
}

export interface ImportRunTable {
	import_id: Id;
	kind: string;
	file_name: string | null;
	started_at: Generated<Date>;
	finished_at: Date | null;
	status: Generated<'running' | 'done' | 'failed'>;
	rows_read: number | null;
	stored: number | null;
	skipped: number | null;
	rejected: number | null;
}

/** Additive figures per 15-minute UTC bucket (see the rollups migration). */
export interface RollupAdditiveTable {
	measure: RollupMeasure;
	bucket: Instant;
	value: Decimal;
	latest_at: Instant | null;
}

export type RollupMeasure =
	| 'order_rows'
	| 'orders'
	| 'net_revenue'
	| 'delivered'
	| 'cases_opened'
	| 'survey_answers'
	| 'cases_resolved'
	| 'cases_first_contact'
	| 'cases_reopened'
	| 'case_csat_answers'
	| 'case_csat_satisfied'
	| 'cases_aged'
	| 'cases_aged_resolved'
	/** Cases resolved, by time to resolution: the bin's lower edge in hours. */
	| `ttr_bin_${number}`;

export interface RollupDeltaTable {
	seq: Generated<number>;
	measure: RollupMeasure;
	bucket: Instant;
	value: Decimal;
	latest_at: Instant | null;
}

export interface RollupDirtyTable {
	seq: Generated<number>;
	customer_id: number;
}

export interface RollupGenerationTable {
	generation: number;
	time_zone: string;
	activity_window_days: number;
	fiscal_year_start_month: ColumnType<number, number | undefined, number>;
	status: 'building' | 'live' | 'retired';
	started_at: ColumnType<Date, Date | string | undefined, Date | string>;
	finished_at: Instant | null;
	last_customer_id: ColumnType<number, number | undefined, number>;
	customers_done: ColumnType<number, number | undefined, number>;
	customers_total: ColumnType<number, number | undefined, number>;
	dirty_seq: ColumnType<number, number | undefined, number>;
}

export interface RcPurchaseDayTable {
	generation: number;
	customer_id: number;
	day: LocalDate;
	bucket: Instant;
}

export interface RcSpellTable {
	generation: number;
	customer_id: number;
	start_day: LocalDate;
	end_day: LocalDate;
}

export interface RcCustomerTable {
	generation: number;
	customer_id: number;
	first_day: LocalDate | null;
	first_given: boolean;
	repeat_day: LocalDate | null;
	first_lapse_day: LocalDate | null;
}

export interface RcNpsTable {
	generation: number;
	customer_id: number;
	kind: 'month' | 'quarter' | 'year';
	period_start: LocalDate;
	score: number;
}

export interface RollupNpsTable {
	generation: number;
	kind: 'month' | 'quarter' | 'year';
	period_start: LocalDate;
	promoters: number;
	passives: number;
	detractors: number;
}

export interface RcCustomerMonthTable {
	generation: number;
	customer_id: number;
	/** The month's first day. */
	month: LocalDate;
	purchased: boolean;
	net_revenue: Decimal;
}

export interface RollupCohortTable {
	generation: number;
	cohort_month: LocalDate;
	first_given: boolean;
	month_offset: number;
	purchasers: number;
	last_purchasers: number;
	net_revenue: Decimal;
	first_lapsed: number;
}

export interface RollupPurchaseTable {
	generation: number;
	bucket: Instant;
	purchase_days: number;
}

export interface RollupSpellEdgeTable {
	generation: number;
	day: LocalDate;
	starts: number;
	ends: number;
}

export interface RollupFirstTable {
	generation: number;
	first_day: LocalDate;
	first_given: boolean;
	customers: number;
	repeaters: number;
}

/** Per message: its events within 7 days of delivery, machine events set aside. */
export interface RcMessageTable {
	customer_id: number;
	channel: string;
	message_ref: string;
	bucket: Instant;
	delivered: boolean;
	raw_open: boolean;
	human_open: boolean;
	human_click: boolean;
	replied: boolean;
	unsubscribed: boolean;
	complained: boolean;
	undelivered_events: number;
	latest_at: Instant;
	conflicting: ColumnType<boolean, boolean | undefined, boolean>;
	consent_violation: ColumnType<boolean, boolean | undefined, boolean>;
}

export interface RollupMessageTable {
	bucket: Instant;
	delivered: number;
	raw_opened: number;
	human_opened: number;
	human_engaged: number;
	human_clicked: number;
	replied: number;
	unsubscribed: number;
	complained: number;
	undelivered_events: number;
	latest_at: Instant | null;
	conflicting: ColumnType<number, number | undefined, number>;
	consent_violations: ColumnType<number, number | undefined, number>;
}

/** rollup_message summed per UTC day. */
export interface RollupMessageDayTable {
	day: LocalDate;
	delivered: number;
	raw_opened: number;
	human_opened: number;
	human_engaged: number;
	human_clicked: number;
	replied: number;
	unsubscribed: number;
	complained: number;
	undelivered_events: number;
	conflicting: number;
	consent_violations: ColumnType<number, number | undefined, number>;
	latest_at: Instant | null;
}

export interface RollupMessageDirtyTable {
	seq: Generated<number>;
	customer_id: number;
	channel: string;
	message_ref: string;
}

export interface RcConversionTable {
	generation: number;
	customer_id: number;
	channel: string;
	message_ref: string;
	bucket: Instant;
	orders: number;
	net_revenue: Decimal;
}

export interface RollupConversionTable {
	generation: number;
	bucket: Instant;
	converted: number;
	net_revenue: Decimal;
}

/** Per customer, question and whole period: the latest non-empty CSAT or effort answer. */
export interface RcAnswerTable {
	generation: number;
	customer_id: number;
	question: 'csat' | 'effort';
	kind: 'month' | 'quarter' | 'year';
	period_start: LocalDate;
	score: number;
}

export interface RollupAnswerTable {
	generation: number;
	question: 'csat' | 'effort';
	kind: 'month' | 'quarter' | 'year';
	period_start: LocalDate;
	answered: number;
	satisfied: number;
	score_sum: number;
}

/** A statement's share of wallet, current from start_day until end_day (exclusive). */
export interface RcWalletTable {
	generation: number;
	customer_id: number;
	start_day: LocalDate;
	end_day: LocalDate;
	bin: number;
	inconsistent: boolean;
}

export interface RollupWalletEdgeTable {
	generation: number;
	day: LocalDate;
	bin: number;
	customers: number;
	inconsistent: number;
}

export interface RollupTenureEdgeTable {
	generation: number;
	day: LocalDate;
	bin: number;
	customers: number;
}

export interface RcLoyalTable {
	generation: number;
	customer_id: number;
	start_day: LocalDate;
	end_day: LocalDate;
}

export interface RollupLoyalEdgeTable {
	generation: number;
	day: LocalDate;
	starts: number;
	ends: number;
}

export interface RcScvTable {
	generation: number;
	customer_id: number;
	known_day: LocalDate;
	complete_day: LocalDate | null;
}

export interface RollupScvEdgeTable {
	generation: number;
	day: LocalDate;
	customers: number;
	complete: number;
}

export interface DB {
	setting: SettingTable;
	source: SourceTable;
	customer: CustomerTable;
	identity: IdentityTable;
	identity_blocklist: IdentityBlocklistTable;
	ingest_key: IngestKeyTable;
	customer_merge: CustomerMergeTable;
	fx_rate: FxRateTable;
	customer_order: CustomerOrderTable;
	interaction_event: InteractionEventTable;
	service_case: ServiceCaseTable;
	survey_response: SurveyResponseTable;
	consent: ConsentTable;
	program: ProgramTable;
	program_assignment: ProgramAssignmentTable;
	app_user: AppUserTable;
	user_session: UserSessionTable;
	audit_log: AuditLogTable;
	metric_target: MetricTargetTable;
	import_run: ImportRunTable;
	rollup_additive: RollupAdditiveTable;
	rollup_delta: RollupDeltaTable;
	rollup_dirty: RollupDirtyTable;
	rollup_generation: RollupGenerationTable;
	rc_purchase_day: RcPurchaseDayTable;
	rc_spell: RcSpellTable;
	rc_customer: RcCustomerTable;
	rc_customer_month: RcCustomerMonthTable;
	rc_nps: RcNpsTable;
	rollup_nps: RollupNpsTable;
	rollup_cohort: RollupCohortTable;
	rollup_purchase: RollupPurchaseTable;
	rollup_spell_edge: RollupSpellEdgeTable;
	rollup_first: RollupFirstTable;
	rc_message: RcMessageTable;
	rollup_message: RollupMessageTable;
	rollup_message_day: RollupMessageDayTable;
	rollup_message_dirty: RollupMessageDirtyTable;
	rc_conversion: RcConversionTable;
	rollup_conversion: RollupConversionTable;
	rc_answer: RcAnswerTable;
	rollup_answer: RollupAnswerTable;
	rc_wallet: RcWalletTable;
	rollup_wallet_edge: RollupWalletEdgeTable;
	rollup_tenure_edge: RollupTenureEdgeTable;
	rc_loyal: RcLoyalTable;
	rollup_loyal_edge: RollupLoyalEdgeTable;
	rc_scv: RcScvTable;
	rollup_scv_edge: RollupScvEdgeTable;
	rc_revenue_day: RcRevenueDayTable;
	rc_contact_week: RcContactWeekTable;
	rc_interaction_day: RcInteractionDayTable;
	rc_multichannel: RcLoyalTable;
	rollup_multichannel_edge: RollupLoyalEdgeTable;
	model_fit: ModelFitTable;
	customer_score: CustomerScoreTable;
	rollup_model_score: RollupModelScoreTable;
	score_queue: ScoreQueueTable;
}

/** Net revenue per customer and local date. */
export interface RcRevenueDayTable {
	generation: number;
	customer_id: number;
	day: LocalDate;
	net_revenue: string;
}

/** Marketing messages per customer and local ISO week; bit i of the mask = weekday i had one. */
export interface RcContactWeekTable {
	generation: number;
	customer_id: number;
	week_start: LocalDate;
	messages: number;
	day_mask: number;
}

/** Meaningful interactions per customer, local date and channel, with their summed weight. */
export interface RcInteractionDayTable {
	generation: number;
	customer_id: number;
	day: LocalDate;
	channel: string;
	interactions: number;
	weight: string;
}

export type ModelFitStatus = 'running' | 'succeeded' | 'failed';

/** Each fit of the customer models; parameters = { bgnbd, gammaGamma } once it succeeded. */
export interface ModelFitTable {
	fit_id: Generated<number>;
	started_at: CreatedAt;
	finished_at: Instant | null;
	status: ModelFitStatus;
	until_day: LocalDate;
	customers: number | null;
	parameters: JSONColumnType<Record<string, unknown>, string, string> | null;
	error: string | null;
	/** The scoring's scale (R, M boundaries, thresholds, settings); null before migration 0300. */
	basis: JSONColumnType<Record<string, unknown>, string, string> | null;
}

/** Customers whose facts changed since they were scored: the queue of the rescoring. */
export interface ScoreQueueTable {
	customer_id: number;
	seq: Generated<number>;
}

/** A purchasing customer's scores from a fit (the current one, or one being written). */
export interface CustomerScoreTable {
	fit_id: number;
	customer_id: number;
	scored_on: LocalDate;
	first_day: LocalDate;
	last_day: LocalDate;
	purchase_days: number;
	p_alive: number;
	expected_purchases_90d: number;
	clv: Decimal;
	net_revenue_365: Decimal;
	active: boolean;
	r: number | null;
	f: number | null;
	m: number | null;
	segment: string | null;
	high_value: boolean;
	at_risk: boolean;
}

/** What boards read of a scoring: one row per scoring day. */
export interface RollupModelScoreTable {
	scored_on: LocalDate;
	fit_id: number;
	scored_at: Instant;
	scored: number;
	active: number;
	high_value: number;
	at_risk: number;
	revenue_at_risk: Decimal;
	clv_total: Decimal;
	segments: JSONColumnType<Record<string, number>, string, string>;
}
