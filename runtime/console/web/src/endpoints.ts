/** Every console API route the app calls, typed with the shared contract (api-types.ts). */
import type {
  ApiKeyInfo,
  CatalogueFeatureDetail,
  CatalogueList,
  ClientInvoice,
  ClientInvoiceList,
  ClientKeyList,
  ClientOverview,
  CloseBody,
  DeveloperEarnings,
  DeveloperOverview,
  FinanceMonths,
  FinanceRevenue,
  NewApiKey,
  RedeemBody,
  SessionInfo,
  SignInBody,
  SpendCapBody,
  StatementView,
} from '../../api-types.ts';
import { apiHref, apiRequest } from './api.ts';

const seg = encodeURIComponent;

export const api = {
  session: () => apiRequest<SessionInfo>('GET', '/session'),
  signIn: (body: SignInBody) => apiRequest<SessionInfo>('POST', '/auth/sign-in', body),
  redeem: (body: RedeemBody) => apiRequest<SessionInfo>('POST', '/auth/redeem', body),
  signOut: () => apiRequest<void>('POST', '/auth/sign-out'),

  catalogue: () => apiRequest<CatalogueList>('GET', '/catalogue'),
  feature: (slug: string) => apiRequest<CatalogueFeatureDetail>('GET', `/catalogue/${seg(slug)}`),

  clientOverview: () => apiRequest<ClientOverview>('GET', '/client/overview'),
  setSpendCap: (body: SpendCapBody) => apiRequest<ClientOverview>('PUT', '/client/spend-cap', body),
  invoices: () => apiRequest<ClientInvoiceList>('GET', '/client/invoices'),
  invoice: (month: string) => apiRequest<ClientInvoice>('GET', `/client/invoices/${seg(month)}`),
  keys: () => apiRequest<ClientKeyList>('GET', '/client/keys'),
  createKey: () => apiRequest<NewApiKey>('POST', '/client/keys'),
  revokeKey: (keyId: string) => apiRequest<ApiKeyInfo>('DELETE', `/client/keys/${seg(keyId)}`),

  developerOverview: () => apiRequest<DeveloperOverview>('GET', '/developer/overview'),
  earnings: () => apiRequest<DeveloperEarnings>('GET', '/developer/earnings'),

  financeMonths: () => apiRequest<FinanceMonths>('GET', '/finance/months'),
  financeRevenue: () => apiRequest<FinanceRevenue>('GET', '/finance/revenue'),
  statement: (month: string) => apiRequest<StatementView>('GET', `/finance/months/${seg(month)}`),
  preview: (month: string) => apiRequest<StatementView>('POST', `/finance/months/${seg(month)}/preview`),
  close: (month: string, body: CloseBody) => apiRequest<StatementView>('POST', `/finance/months/${seg(month)}/close`, body),
};

/** CSV downloads: plain links to these routes (the session cookie goes along). */
export const csv = {
  invoice: (month: string) => apiHref(`/client/invoices/${seg(month)}.csv`),
  earnings: (month: string) => apiHref(`/developer/earnings/${seg(month)}.csv`),
  statement: (month: string) => apiHref(`/finance/months/${seg(month)}.csv`),
  statementClients: (month: string) => apiHref(`/finance/months/${seg(month)}/clients.csv`),
  statementDevelopers: (month: string) => apiHref(`/finance/months/${seg(month)}/developers.csv`),
};
