import type { Role } from '../../shared/accounts.ts';
import type { FeatureDay, QualitySignals } from '../../shared/day-stats.ts';
import type { InvoiceParty } from '../../shared/invoice.ts';
import type { Reconciliation } from '../../shared/reconcile.ts';
import type { CapStatus } from '../../shared/spend.ts';

/**
 * The console's HTTP API as the browser sees it: every route, its JSON body and its answer.
 * Shared by the server (runtime/console/) and the web app (runtime/console/web/), so the two
 * cannot drift. Everything lives under CONSOLE_API_PREFIX on the same origin as the pages.
 *
 * Conventions:
 * - Errors: `{ error: { code, message } }` with a 4xx/5xx status, like the gateway.
 *   401 `not_signed_in`, 403 `forbidden` (wrong role), 403 `csrf_failed`, 404 `not_found`,
 *   400 `invalid_request`, 429 `too_many_attempts` (sign-in), 409 `conflict`,
 *   413 `payload_too_large` (a body over 64 KiB), and on sign-in/redeem 401 `invalid_credentials`,
 *   403 `account_disabled` (right password, disabled account), 403 `cross_site_request`,
 *   415 `unsupported_media_type`.
 * - Sessions: an HttpOnly SameSite=Strict cookie `faascape_session` with Path=CONSOLE_API_PREFIX
 *   (never sent to a feature's URL), Secure over HTTPS.
 * - CSRF: every POST/PUT/DELETE except sign-in and redeem sends header `x-csrf-token` with the
 *   `csrfToken` of GET /session. Sign-in and redeem instead take only `application/json` and
 *   refuse a request whose `Sec-Fetch-Site` names another site (login CSRF).
 * - Money: integer micro-euros (`...Micros`) plus a formatted decimal string where shown.
 * - CSV routes answer `text/csv` with a content-disposition attachment file name; PDF routes
 *   answer `application/pdf` the same way (the body is sent base64-encoded to API Gateway), and
 *   the payout run's SEPA file `application/xml`.
 */
export const CONSOLE_API_PREFIX = '/console/api';

/** The domain's own types, computed by pure functions in shared/ and sent as they are. */
export type { CapStatus, InvoiceParty, QualitySignals, Reconciliation, Role };


/** GET /session → 200 SessionInfo, or 401 when not signed in */
export interface SessionInfo {
  email: string;
  role: Role;
  /** set for role 'client' */
  clientId?: string;
  /** set for role 'developer' */
  developerId?: string;
  csrfToken: string;
}

/** POST /auth/sign-in  body SignInBody → 200 SessionInfo (+ Set-Cookie) */
export interface SignInBody {
  email: string;
  password: string;
}

/**
 * POST /auth/redeem  body RedeemBody → 200 SessionInfo (+ Set-Cookie). Redeems the one-time
 * sign-in link printed by `faascape accounts create` (`<origin>/#/welcome/<token>`): sets the
 * account's password (at least 12 characters, not one of the most common passwords) and signs
 * in. A token works once, for 7 days, and only while it is the account's newest link.
 */
export interface RedeemBody {
  token: string;
  password: string;
}

/**
 * GET /auth/link/<token> → 200 SignInLinkInfo, or 400 invalid_link for an unknown, used, expired
 * or revoked link (or a disabled account). Read-only: it does not consume the link.
 */
export interface SignInLinkInfo {
  email: string;
}

/** POST /auth/sign-out → 204 */

// ---- catalogue (public, no session needed) ------------------------------------------------

export interface CatalogueAuthor {
  id: string;
  weight: number;
}

export interface CatalogueFeature {
  slug: string;
  name: string;
  description: string;
  version: string;
  tags: string[];
  authors: CatalogueAuthor[];
  price: { perCall: string; perGbSecond: string; currency: 'EUR'; perCallMicros: number; perGbSecondMicros: number };
  /** calls each client gets free per month (absent: none) */
  freeCallsPerMonth?: number;
  memoryMb: number;
  timeoutMs: number;
  quality: QualitySignals;
  /** the manifest's example request, when it has one */
  example?: { method: string; path: string; query?: string; headers?: Record<string, string>; body?: unknown; response?: { status: number; body: unknown } };
}

/** GET /catalogue → { features: CatalogueFeature[] } (sorted by slug) */
export interface CatalogueList {
  features: CatalogueFeature[];
}

/**
 * GET /catalogue/{slug} → CatalogueFeatureDetail. `invokeUrl` is the absolute URL to call
 * (`<origin>/v1/features/<slug>`), for the ready-to-copy curl and fetch snippets.
 */
export interface CatalogueFeatureDetail extends CatalogueFeature {
  invokeUrl: string;
  /** per-day calls and latency over the last 30 days, oldest first (days without calls omitted) */
  days: FeatureDayStat[];
}

/** A feature's day as the domain counts it, with its latency buckets read as percentiles. */
export interface FeatureDayStat extends Omit<FeatureDay, 'latency'> {
  p50Ms: number | null;
  p95Ms: number | null;
}

// ---- client pages (role client; only their own client id) ----------------------------------

/** GET /client/overview?month=YYYY-MM (default: this month) */
export interface ClientOverview {
  clientId: string;
  month: string;
  /** per feature; the calls made with test keys are a row of their own with `test: true` (never billed) */
  features: { featureId: string; test?: true; calls: number; billableCalls: number; /** of the billable calls, free under the feature's monthly allowance */ freeCalls?: number; amountMicros: number; amount: string }[];
  /** calls per day and feature this month, oldest first */
  days: { day: string; featureId: string; calls: number; billableCalls: number }[];
  spentMicros: number;
  spent: string;
  /** the monthly spend cap; null when none */
  capMicros: number | null;
  /**
   * What the gateways count against the cap: the calls billed, the calls running (each holds its
   * price and largest compute until it ends) and the slices instances hold. At least spentMicros.
   */
  capUsedMicros: number;
  /** 'warning' from 85 % of the cap, 'reached' once a call was refused for it (it did not fit in what is left: 429 spend_cap_reached) */
  capStatus: CapStatus;
  /** the monthly quota in calls and the calls the gateways counted against it (admitted, running, held in slices); null when none */
  quota: { limit: number; usedCalls: number } | null;
  /** announced price changes of the features this client called in the last 30 days */
  priceNotices: PriceNotice[];
}

/** A feature's next price, told to the clients who called it in the last 30 days (a rise at least 14 days ahead). */
export interface PriceNotice {
  featureId: string;
  name: string;
  /** a higher per-call or per-GB-second price */
  rise: boolean;
  perCallMicros: number;
  perGbSecondMicros: number;
  nextPerCallMicros: number;
  nextPerGbSecondMicros: number;
  /** ISO date-time from which calls are priced at the next price */
  effectiveFrom: string;
}

/** PUT /client/spend-cap  body { cap: "50.00" | null } (decimal euros; null removes it) → ClientOverview */
export interface SpendCapBody {
  cap: string | null;
}

/**
 * GET /client/profile → ClientProfile
 * PUT /client/profile  body ClientProfileBody → ClientProfile. The display name is what the
 * community (community-types.ts) shows of this client instead of its client id: 1–40 characters,
 * trimmed, one line, not an e-mail address (400 invalid_request otherwise); null or "" removes it,
 * and the client is shown as "a client". Every account of the client shares it.
 */
export interface ClientProfile {
  clientId: string;
  displayName: string | null;
  /** how others see this client in discussions and requests: the display name or "a client" */
  shownAs: string;
}

export interface ClientProfileBody {
  displayName: string | null;
}

/**
 * GET /client/billing → ClientBilling: the buyer printed on the client's next invoices, or
 *   `{ billing: null }` before the client filled them in (its invoices then name its client id,
 *   taxed as in the operator's country).
 * PUT /client/billing  body BillingDetailsBody → ClientBilling (the details as stored: trimmed,
 *   country and VAT number in capitals). 400 invalid_request naming each field at fault, e.g.
 *   "billing details: vatNumber: ...". A valid VAT number of another EU country than the
 *   operator's makes the next invoices reverse charge (0 % VAT). Invoices already issued keep
 *   the details they were issued with.
 */
export interface ClientBilling {
  billing: InvoiceParty | null;
}

export interface BillingDetailsBody {
  legalName: string;
  /** 1 to 4 lines of at most 70 characters (a string is split at line breaks) */
  address: string[] | string;
  /** ISO 3166 code, e.g. FR or DE */
  country: string;
  /** checked by format and national checksum; must be of `country`; omit or "" for none */
  vatNumber?: string;
}

/** A final invoice's amounts: integer cents, and the same in euros with 2 decimals ("1234.50"). */
export interface InvoiceAmounts {
  netCents: number;
  vatCents: number;
  totalCents: number;
  net: string;
  vat: string;
  /** net + VAT: what is to be paid */
  totalInclVat: string;
}

/**
 * GET /client/invoices → months with a final statement that bills this client. `total`/`totalMicros`
 * are the statement's figures (before VAT); `number` and the cents are the issued invoice's, null
 * for a month without one (nothing to pay, or closed before invoices were issued).
 */
export interface ClientInvoiceList {
  invoices: ({
    month: string;
    totalMicros: number;
    total: string;
    closedAt: number;
    /** e.g. FSC-2026-000123; GET /client/invoices/{month}.pdf downloads it */
    number: string | null;
    issuedOn: string | null;
    /** the credit note that cancels this invoice, if any: GET /client/credit-notes/{number}.pdf */
    creditNote: ({ number: string; issuedOn: string } & InvoiceAmounts) | null;
  } & NullableAmounts)[];
}

type NullableAmounts = { [K in keyof InvoiceAmounts]: InvoiceAmounts[K] | null };

/**
 * GET /client/invoices/{month} → ClientInvoice (404 when the month is not closed)
 * GET /client/invoices/{month}.csv → the client's rows of the statement CSV
 * GET /client/invoices/{month}.pdf → the month's final invoice as `application/pdf`, attachment
 *   `<number>.pdf` (404 when the client has no issued invoice that month)
 * GET /client/credit-notes/{number}.pdf → one of the client's credit notes (404 otherwise)
 */
export interface ClientInvoice {
  month: string;
  sha256: string;
  totalMicros: number;
  total: string;
  lines: { featureId: string; perCallMicros: number; perGbSecondMicros: number; calls: number; billableCalls: number; billedMs: number; amountMicros: number; amount: string }[];
  adjustments: { featureId: string; originalMonth: string; calls: number; billableCalls: number; amountMicros: number; amount: string }[];
}

export interface ApiKeyInfo {
  keyId: string;
  createdAt: number;
  revokedAt?: number;
  /** a test key: metered, never billed, limited per UTC day */
  test?: true;
}

/** GET /client/keys → { keys: ApiKeyInfo[] } (newest first) */
export interface ClientKeyList {
  keys: ApiKeyInfo[];
}

/** POST /client/keys, body {} or {"test": true} → 201 NewApiKey: the only time the full key is ever shown */
export interface NewApiKey {
  keyId: string;
  apiKey: string;
  test: boolean;
}

/** DELETE /client/keys/{keyId} → 200 ApiKeyInfo (revoked; 404 for a key of another client) */

// ---- alerts and webhooks (issue #16; role client, its own partition only) ---------------------

/**
 * An alert as the client reads it: the same event its webhook endpoints receive (POSTed as JSON
 * `{ id, type, created, clientId, data }`, signed in the `Faascape-Signature` header). Money in
 * the data is integer micro-euros (thresholds) or cents (invoices).
 */
export type ClientAlert =
  | { id: string; type: 'spend.threshold'; created: number; data: { month: string; percent: number; spentMicros: number; capMicros: number } }
  | { id: string; type: 'quota.threshold'; created: number; data: { month: string; percent: number; calls: number; quota: number } }
  | { id: string; type: 'invoice.finalized'; created: number; data: { number: string; month: string; kind: 'invoice' | 'credit_note'; netCents: number; vatCents: number; totalCents: number; currency: string } };

export type AlertType = ClientAlert['type'];

/** GET /client/alerts → the client's alerts, newest first (the last 100) */
export interface ClientAlertList {
  alerts: ClientAlert[];
}

/** A webhook endpoint as listed: its signing secret is shown once, when it is added, never again. */
export interface WebhookEndpointInfo {
  id: string;
  url: string;
  createdAt: number;
}

/**
 * POST /client/webhooks  body NewWebhookBody → 201 NewWebhookEndpoint. The URL must be https to a
 * public host (400 invalid_request for http, loopback, private or link-local addresses, unless the
 * operator allows loopback with FAASCAPE_WEBHOOKS_ALLOW_LOOPBACK=1); 409 conflict for a URL
 * already registered or past `maxEndpoints`.
 */
export interface NewWebhookBody {
  url: string;
}

/** The only time the signing secret (`whsec_…`) is ever shown. */
export interface NewWebhookEndpoint extends WebhookEndpointInfo {
  secret: string;
}

export interface WebhookAttemptInfo {
  at: number;
  /** the HTTP status the endpoint answered; 0 when no answer came (timeout, refused connection) */
  status: number;
  error?: string;
}

/** One event's delivery to one endpoint: at least once, retried for 24 hours after a failure. */
export interface WebhookDeliveryInfo {
  eventId: string;
  eventType: AlertType;
  eventCreated: number;
  endpointId: string;
  /** the endpoint's URL; null once the endpoint was removed */
  endpointUrl: string | null;
  /** pending: to try (again) at nextAttemptAt; delivered: a 2xx answer; failed: given up after 24 hours (Resend starts again) */
  state: 'pending' | 'delivered' | 'failed';
  nextAttemptAt: number | null;
  /** the last attempts, oldest first */
  attempts: WebhookAttemptInfo[];
}

/** GET /client/webhooks → endpoints (oldest first) and the last deliveries (newest event first, at most 50) */
export interface ClientWebhooks {
  endpoints: WebhookEndpointInfo[];
  /** how many endpoints a client may have */
  maxEndpoints: number;
  deliveries: WebhookDeliveryInfo[];
}

/** DELETE /client/webhooks/{id} → 200 WebhookEndpointInfo (404 for an unknown endpoint or another client's) */

/**
 * POST /client/webhooks/deliveries/resend  body ResendBody → 200 WebhookDeliveryInfo, due now with
 * a fresh 24-hour retry window; 404 for a delivery that is not the client's; 409 when its endpoint
 * was removed.
 */
export interface ResendBody {
  eventId: string;
  endpointId: string;
}


// ---- developer pages (role developer; only features they author) --------------------------

/** GET /developer/overview → the developer's features and their per-day figures (last 30 days) */
export interface DeveloperOverview {
  developerId: string;
  /** `draft`: served only to its authors' test keys, listed in no catalogue */
  features: { slug: string; name: string; version: string; draft?: true; weight: number; totalWeight: number; quality: QualitySignals }[];
  days: FeatureDayStat[];
}

/**
 * GET /developer/errors → the last errors of the developer's own features (at most 50, of the last
 * 7 days, newest first): what a feature threw (with its stack trace), its timeouts and crashes, and
 * the lines it logged at error level. Only what the feature wrote and the invocation id
 * (`faascape-invocation-id` locally; in AWS Lambda's request id): never the client (features see
 * only a pseudonym). Texts are as the feature wrote them: show them as text, never as HTML.
 */
export interface DeveloperErrors {
  /** the window: errors at or after this time (epoch ms) */
  sinceMs: number;
  errors: DeveloperError[];
}

export interface DeveloperError {
  feature: string;
  /** ISO 8601 */
  time: string;
  /** null for a line written outside a call (at import) */
  invocationId: string | null;
  message: string;
  /** a thrown error's stack trace */
  stack: string | null;
}

export interface EarningsMonth {
  month: string;
  /** when the month was closed: its payout run's review window starts then */
  closedAt: number;
  earnedMicros: number;
  carriedInMicros: number;
  payableMicros: number;
  carriedOutMicros: number;
  /** the statement lines behind the figure: revenue of each feature and this developer's weight */
  lines: { featureId: string; revenueMicros: number; weight: number; totalWeight: number }[];
  /** what the month's payout run did with it */
  payout: EarningsPayout;
}

/** A line of an earnings statement the developer flagged for finance during the review window. */
export interface PayoutFlagInfo {
  featureId: string;
  note: string;
  at: number;
}

/**
 * What a month's payout run did with the developer's balance (issue #16). Amounts people are
 * paid are whole cents.
 * - status `in_review`: the developer may flag lines until `reviewEndsAt`; `awaiting_approval`:
 *   the review is over, finance has not approved the run yet; `approved`: the run is final.
 * - `paidCents`: what the SEPA transfer pays (this month's payable plus what earlier runs owed),
 *   executed on `paidOn` (the run's execution date, the day finance approved it); null before approval.
 * - `carried`, why (part of) the balance was not paid: `under_minimum` (under the minimum payout:
 *   carried by the statement, `carriedOutMicros`, paid once the balance passes it); `no_payee` or
 *   `invalid_iban` (the run had no valid IBAN: `carriedCents` are owed by the next run, paid once
 *   an IBAN is set). null when the payable was paid in full (a sub-cent rest is always carried by
 *   the statement).
 */
export interface EarningsPayout {
  status: 'in_review' | 'awaiting_approval' | 'approved';
  reviewEndsAt: number;
  paidCents: number | null;
  /** included in paidCents or carriedCents: what earlier runs could not pay */
  owedBeforeCents: number | null;
  carriedCents: number | null;
  paidOn: string | null;
  approvedAt: number | null;
  /** the last four characters of the IBAN the transfer goes to */
  ibanLast4: string | null;
  carried: 'under_minimum' | 'no_payee' | 'invalid_iban' | null;
  flags: PayoutFlagInfo[];
}

/**
 * GET /developer/earnings → { developerId, developerSharePercent, minimumPayoutMicros, months }
 *   (closed months with earnings or a payout, newest first)
 * GET /developer/earnings/{month}.csv → the developer's rows of that month's statement CSV
 */
export interface DeveloperEarnings {
  developerId: string;
  /** the one rate every developer is paid (null before the first close) */
  developerSharePercent: number | null;
  /** balances under it are carried to the next month (the platform's statement policy) */
  minimumPayoutMicros: number;
  months: EarningsMonth[];
}

/**
 * POST /developer/earnings/{month}/flags  body FlagBody → 201 EarningsFlags (the developer's flags of
 *   that month; a second flag of a feature replaces the first). Only while the month's payout run
 *   is in review (409 conflict before the close and after the window) and only on a feature of the
 *   developer's own earnings lines that month (403 forbidden).
 */
export interface FlagBody {
  featureId: string;
  /** what finance should look at: 1 to 1,000 characters */
  note: string;
}

export interface EarningsFlags {
  month: string;
  flags: PayoutFlagInfo[];
}

/** Where a developer's payouts go, as the developer's page shows it. */
export interface PayeeInfo {
  /** the account holder, as the bank knows it */
  name: string;
  /** print format, masked but for the country and the last four characters: "FR•• •••• … •••2 606" */
  iban: string;
  ibanLast4: string;
  country: string;
  updatedAt: number;
}

/**
 * GET /developer/payee → DeveloperPayee (null before the developer set one: payouts are then carried)
 * PUT /developer/payee  body PayeeBody → DeveloperPayee. 400 invalid_request naming each field at
 *   fault: "payee: iban: ..." (country, length, mod-97) or "payee: name: ..." (2 to 70 characters
 *   that a SEPA transfer carries). Runs approved before keep the IBAN they were approved with.
 */
export interface DeveloperPayee {
  payee: PayeeInfo | null;
}

export interface PayeeBody {
  name: string;
  iban: string;
}

// ---- finance pages (role finance) -----------------------------------------------------------

export type MonthStatus = 'open' | 'ended' | 'closed';

/** GET /finance/months → months with usage or a statement, newest first */
export interface FinanceMonths {
  months: { month: string; status: MonthStatus; revenueMicros: number | null; closedAt?: number }[];
}

/**
 * POST /finance/months/{month}/preview → StatementView (status 'draft', nothing stored)
 * GET /finance/months/{month} → StatementView of the final statement (404 when not closed)
 * POST /finance/months/{month}/close  body { confirmRevenueMicros } → StatementView (final).
 *   The body must name the previewed revenue; when usage changed since, 409 `conflict` with
 *   the new totals in the message, so finance never closes figures it did not see.
 * GET /finance/months/{month}.csv → the whole statement CSV (final if closed, else draft)
 * GET /finance/months/{month}/clients.csv, /developers.csv → the per-client / per-developer tables
 */
export interface StatementView {
  /** the Statement JSON exactly as stored (canonical), with sha256 when final */
  statement: {
    month: string;
    status: 'draft' | 'final';
    sha256?: string;
    developerSharePercent: number;
    clients: { clientId: string; totalMicros: number; lines: { featureId: string; calls: number; billableCalls: number; amountMicros: number }[] }[];
    developers: { developerId: string; earnedMicros: number; carriedInMicros: number; payableMicros: number; carriedOutMicros: number }[];
    adjustments: { clientId: string; featureId: string; originalMonth: string; amountMicros: number }[];
    totals: { revenueMicros: number; payoutMicros: number; platformMicros: number; payableMicros: number; carriedOutMicros: number };
  };
  checks: Reconciliation;
}

/** POST /finance/months/{month}/close body */
export interface CloseBody {
  confirmRevenueMicros: number;
}

/** GET /finance/revenue → revenue per closed month (oldest first) and top features over them */
export interface FinanceRevenue {
  months: { month: string; revenueMicros: number; payoutMicros: number; platformMicros: number }[];
  topFeatures: { featureId: string; revenueMicros: number }[];
}

/**
 * GET /finance/months/{month}/invoices → FinanceInvoiceList: the month's final invoices in number
 *   order, each followed by its credit note if it has one (a credit note is listed under the month
 *   of the invoice it corrects, whenever it was issued). Empty for a month closed before invoices;
 *   404 when the month is not closed.
 * GET /finance/invoices/{number}.pdf → any invoice or credit note as `application/pdf` (404 when unknown)
 */
export interface FinanceInvoiceList {
  month: string;
  invoices: FinanceInvoice[];
}

export interface FinanceInvoice extends InvoiceAmounts {
  number: string;
  kind: 'invoice' | 'credit_note';
  /** for a credit note: the invoice it cancels */
  corrects: string | null;
  /** for an invoice: its credit note, if any */
  creditedBy: string | null;
  issuedOn: string;
  clientId: string;
  buyerName: string;
  buyerCountry: string;
  /** domestic, eu_no_vat_number, reverse_charge or outside_eu */
  vatKind: string;
}

/** One developer's line of a payout run, in whole cents. */
export interface PayoutLineView {
  developerId: string;
  /** what the month's statement made payable */
  payableCents: number;
  /** what earlier runs could not pay */
  owedBeforeCents: number;
  paidCents: number;
  /** owed to the next run: no valid IBAN */
  carriedCents: number;
  /** the payee paid: account holder and IBAN (print format); null when not paid */
  payeeName: string | null;
  iban: string | null;
  reason: 'no_payee' | 'invalid_iban' | null;
}

/**
 * GET /finance/months/{month}/payouts → FinancePayoutRun (404 when the month is not closed). Before
 *   approval: the run as it would be approved now (payees as they stand); after: the approved run,
 *   frozen, whatever payees change since.
 * POST /finance/months/{month}/payouts/approve  body ApprovePayoutsBody → 200 PayoutApproval. 409
 *   conflict during the review window, while the previous month's run awaits approval, or when the
 *   run now pays another total than `confirmPaidCents` (a payee changed: look again); 400 when the
 *   account the transfers leave from (FAASCAPE_PAYOUT_IBAN) is not configured. Approving again
 *   answers the first approval (`already_approved`).
 * GET /finance/months/{month}/payouts.xml → the approved run's SEPA Credit Transfer file
 *   (pain.001.001.09), `application/xml`, attachment `<messageId>.xml`, the same bytes at every
 *   download; 404 before approval or when the run pays nobody.
 */
export interface FinancePayoutRun {
  month: string;
  /** developers flag lines until then; the run can be approved after */
  reviewEndsAt: number;
  inReview: boolean;
  lines: PayoutLineView[];
  /** Σ paid: the payment file's control sum */
  paidCents: number;
  carriedCents: number;
  /** transfers in the payment file: the lines paid */
  transfers: number;
  flags: (PayoutFlagInfo & { developerId: string })[];
  approved: { approvedAt: number; approvedBy: string; messageId: string; executionDate: string; debtorName: string; debtorIban: string } | null;
}

export interface ApprovePayoutsBody {
  /** the total of the run finance saw (paidCents), so it never approves figures it did not see */
  confirmPaidCents: number;
}

export interface PayoutApproval extends FinancePayoutRun {
  outcome: 'approved' | 'already_approved';
}
