/** Every console API route the app calls, typed with the shared contracts (api-types.ts, community-types.ts). */
import type {
  ApiKeyInfo,
  ApprovePayoutsBody,
  CatalogueFeatureDetail,
  BillingDetailsBody,
  CatalogueList,
  ClientAlertList,
  ClientBilling,
  ClientInvoice,
  ClientInvoiceList,
  ClientKeyList,
  ClientOverview,
  ClientProfile,
  ClientProfileBody,
  ClientWebhooks,
  CloseBody,
  DeveloperEarnings,
  DeveloperErrors,
  DeveloperOverview,
  DeveloperPayee,
  EarningsFlags,
  FinanceInvoiceList,
  FinancePayoutRun,
  FlagBody,
  FinanceMonths,
  FinanceRevenue,
  NewApiKey,
  NewWebhookBody,
  NewWebhookEndpoint,
  PayeeBody,
  PayoutApproval,
  RedeemBody,
  ResendBody,
  SessionInfo,
  SignInBody,
  SignInLinkInfo,
  SpendCapBody,
  StatementView,
  WebhookDeliveryInfo,
  WebhookEndpointInfo,
} from '../../api-types.ts';
import type { DevRequest, DeveloperLevel, FeatureThreads, NewRequestBody, NewThreadBody, Post, RequestStatus, ThreadDetail, ThreadSummary } from '../../community-types.ts';
import { apiHref, apiRequest, type RequestOptions } from './api.ts';

const seg = encodeURIComponent;

export const api = {
  session: () => apiRequest<SessionInfo>('GET', '/session'),
  signIn: (body: SignInBody) => apiRequest<SessionInfo>('POST', '/auth/sign-in', body),
  /** Whose a sign-in link is, without using it up; 400 invalid_link when it would not redeem. */
  signInLink: (token: string) => apiRequest<SignInLinkInfo>('GET', `/auth/link/${seg(token)}`),
  redeem: (body: RedeemBody) => apiRequest<SessionInfo>('POST', '/auth/redeem', body),
  signOut: () => apiRequest<void>('POST', '/auth/sign-out'),

  catalogue: () => apiRequest<CatalogueList>('GET', '/catalogue'),
  feature: (slug: string) => apiRequest<CatalogueFeatureDetail>('GET', `/catalogue/${seg(slug)}`),

  clientOverview: () => apiRequest<ClientOverview>('GET', '/client/overview'),
  setSpendCap: (body: SpendCapBody) => apiRequest<ClientOverview>('PUT', '/client/spend-cap', body),
  clientProfile: () => apiRequest<ClientProfile>('GET', '/client/profile'),
  setClientProfile: (body: ClientProfileBody) => apiRequest<ClientProfile>('PUT', '/client/profile', body),
  billing: () => apiRequest<ClientBilling>('GET', '/client/billing'),
  setBilling: (body: BillingDetailsBody) => apiRequest<ClientBilling>('PUT', '/client/billing', body),
  invoices: () => apiRequest<ClientInvoiceList>('GET', '/client/invoices'),
  invoice: (month: string) => apiRequest<ClientInvoice>('GET', `/client/invoices/${seg(month)}`),
  keys: () => apiRequest<ClientKeyList>('GET', '/client/keys'),
  createKey: (test = false) => apiRequest<NewApiKey>('POST', '/client/keys', test ? { test: true } : {}),
  revokeKey: (keyId: string) => apiRequest<ApiKeyInfo>('DELETE', `/client/keys/${seg(keyId)}`),
  alerts: () => apiRequest<ClientAlertList>('GET', '/client/alerts'),
  webhooks: () => apiRequest<ClientWebhooks>('GET', '/client/webhooks'),
  addWebhook: (body: NewWebhookBody) => apiRequest<NewWebhookEndpoint>('POST', '/client/webhooks', body),
  removeWebhook: (id: string) => apiRequest<WebhookEndpointInfo>('DELETE', `/client/webhooks/${seg(id)}`),
  resendDelivery: (body: ResendBody) => apiRequest<WebhookDeliveryInfo>('POST', '/client/webhooks/deliveries/resend', body),

  developerOverview: () => apiRequest<DeveloperOverview>('GET', '/developer/overview'),
  /** the recent errors of the developer's own features (last 7 days, newest first) */
  developerErrors: () => apiRequest<DeveloperErrors>('GET', '/developer/errors'),
  developerKeys: () => apiRequest<ClientKeyList>('GET', '/developer/keys'),
  createDeveloperKey: () => apiRequest<NewApiKey>('POST', '/developer/keys', {}),
  revokeDeveloperKey: (keyId: string) => apiRequest<ApiKeyInfo>('DELETE', `/developer/keys/${seg(keyId)}`),
  earnings: () => apiRequest<DeveloperEarnings>('GET', '/developer/earnings'),
  payee: () => apiRequest<DeveloperPayee>('GET', '/developer/payee'),
  setPayee: (body: PayeeBody) => apiRequest<DeveloperPayee>('PUT', '/developer/payee', body),
  /** 403 (not one of your lines) is shown next to the form, not as the 403 page. */
  flagLine: (month: string, body: FlagBody) => apiRequest<EarningsFlags>('POST', `/developer/earnings/${seg(month)}/flags`, body, { inlineForbidden: true }),

  financeMonths: () => apiRequest<FinanceMonths>('GET', '/finance/months'),
  financeRevenue: () => apiRequest<FinanceRevenue>('GET', '/finance/revenue'),
  statement: (month: string) => apiRequest<StatementView>('GET', `/finance/months/${seg(month)}`),
  monthInvoices: (month: string) => apiRequest<FinanceInvoiceList>('GET', `/finance/months/${seg(month)}/invoices`),
  preview: (month: string) => apiRequest<StatementView>('POST', `/finance/months/${seg(month)}/preview`),
  close: (month: string, body: CloseBody) => apiRequest<StatementView>('POST', `/finance/months/${seg(month)}/close`, body),
  payoutRun: (month: string) => apiRequest<FinancePayoutRun>('GET', `/finance/months/${seg(month)}/payouts`),
  approvePayouts: (month: string, body: ApprovePayoutsBody) => apiRequest<PayoutApproval>('POST', `/finance/months/${seg(month)}/payouts/approve`, body),
};

/** Community calls answer 403 for rules of the community (not your post, not your request): shown inline. */
const INLINE: RequestOptions = { inlineForbidden: true };

export interface RequestFilter {
  tag?: string;
  status?: RequestStatus;
  /** developers: only requests in the tags of their features */
  mine?: boolean;
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** Discussions, custom-development requests and developer levels (community-types.ts). */
export const community = {
  developers: () => apiRequest<{ developers: DeveloperLevel[] }>('GET', '/developers'),
  developer: (id: string) => apiRequest<DeveloperLevel>('GET', `/developers/${seg(id)}`),
  /** The signed-in developer's own features (for "deliver as"), without the shell's 403 page. */
  myFeatures: () => apiRequest<DeveloperOverview>('GET', '/developer/overview', undefined, INLINE),

  /** A feature's threads, or the general ones; newest first. */
  threads: (featureSlug?: string) => apiRequest<{ threads: ThreadSummary[] }>('GET', `/threads${query({ feature: featureSlug ?? 'general' })}`),
  /** Every thread, general and of every feature, newest first. */
  allThreads: () => apiRequest<{ threads: ThreadSummary[] }>('GET', '/threads?feature=all'),
  /** The signed-in developer's features' threads, and those new since the last visit. */
  myFeatureThreads: () => apiRequest<FeatureThreads>('GET', '/developer/discussions'),
  /** The developer page was seen: its new threads stop being new. */
  markThreadsSeen: () => apiRequest<void>('POST', '/developer/discussions/seen'),
  thread: (id: string) => apiRequest<ThreadDetail>('GET', `/threads/${seg(id)}`),
  createThread: (body: NewThreadBody) => apiRequest<ThreadDetail>('POST', '/threads', body, INLINE),
  reply: (threadId: string, markdown: string) => apiRequest<Post>('POST', `/threads/${seg(threadId)}/posts`, { markdown }, INLINE),
  editPost: (threadId: string, postId: string, markdown: string) => apiRequest<Post>('PUT', `/posts/${seg(threadId)}/${seg(postId)}`, { markdown }, INLINE),
  acceptAnswer: (threadId: string, postId: string) => apiRequest<ThreadDetail>('POST', `/threads/${seg(threadId)}/accept`, { postId }, INLINE),
  hidePost: (threadId: string, postId: string, hidden: boolean) => apiRequest<Post>('POST', `/posts/${seg(threadId)}/${seg(postId)}/hide`, { hidden }, INLINE),

  requests: (f: RequestFilter = {}) =>
    apiRequest<{ requests: DevRequest[] }>('GET', `/requests${query({ tag: f.tag, status: f.status, mine: f.mine ? '1' : undefined })}`, undefined, INLINE),
  request: (id: string) => apiRequest<DevRequest>('GET', `/requests/${seg(id)}`),
  createRequest: (body: NewRequestBody) => apiRequest<DevRequest>('POST', '/requests', body, INLINE),
  editRequest: (id: string, body: Partial<NewRequestBody>) => apiRequest<DevRequest>('PUT', `/requests/${seg(id)}`, body, INLINE),
  vote: (id: string) => apiRequest<DevRequest>('POST', `/requests/${seg(id)}/vote`, undefined, INLINE),
  unvote: (id: string) => apiRequest<DevRequest>('DELETE', `/requests/${seg(id)}/vote`, undefined, INLINE),
  plan: (id: string) => apiRequest<DevRequest>('POST', `/requests/${seg(id)}/plan`, undefined, INLINE),
  deliver: (id: string, featureSlug: string) => apiRequest<DevRequest>('POST', `/requests/${seg(id)}/deliver`, { featureSlug }, INLINE),
  decline: (id: string, reason: string) => apiRequest<DevRequest>('POST', `/requests/${seg(id)}/decline`, { reason }, INLINE),
  acceptForDevelopment: (id: string) => apiRequest<DevRequest>('POST', `/requests/${seg(id)}/accept`, undefined, INLINE),
};

/** PDF downloads of final invoices and credit notes: plain links, like the CSVs. */
export const pdf = {
  invoice: (month: string) => apiHref(`/client/invoices/${seg(month)}.pdf`),
  creditNote: (number: string) => apiHref(`/client/credit-notes/${seg(number)}.pdf`),
  document: (number: string) => apiHref(`/finance/invoices/${seg(number)}.pdf`),
};

/** The SEPA payment file of an approved payout run (pain.001, `<message id>.xml`): a plain link. */
export const paymentFile = (month: string) => apiHref(`/finance/months/${seg(month)}/payouts.xml`);

/** CSV downloads: plain links to these routes (the session cookie goes along). */
export const csv = {
  invoice: (month: string) => apiHref(`/client/invoices/${seg(month)}.csv`),
  earnings: (month: string) => apiHref(`/developer/earnings/${seg(month)}.csv`),
  statement: (month: string) => apiHref(`/finance/months/${seg(month)}.csv`),
  statementClients: (month: string) => apiHref(`/finance/months/${seg(month)}/clients.csv`),
  statementDevelopers: (month: string) => apiHref(`/finance/months/${seg(month)}/developers.csv`),
};
