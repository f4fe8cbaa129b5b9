/**
 * The community's HTTP API (discussions, custom-development requests, developer levels), under
 * CONSOLE_API_PREFIX like the rest of the console, with the same conventions (see api-types.ts):
 * JSON errors `{ error: { code, message } }`, session cookie, `x-csrf-token` on every write.
 * Reading is public; writing needs a signed-in account. Levels never change money.
 *
 * Clients are private (issue #17): no answer names a client by its id except to that client itself
 * and to finance (the operator, who bills it). Everyone else sees the client's public display name
 * (PUT /client/profile, api-types.ts) or ANONYMOUS_CLIENT, and a request's budget only when its
 * client made it public. The names are looked up when read: a new name shows on old posts too.
 */
import type { LevelName } from '../../shared/levels.ts';
import type { Role } from './api-types.ts';

export type { LevelName };

/** How a client without a display name is shown to others. */
export const ANONYMOUS_CLIENT = 'a client';

/** Who wrote something, as others see it: a developer id, a client's display name, or "finance". */
export interface Author {
  role: Role;
  /** developers: the developer id; finance: 'finance'; clients: the display name, or ANONYMOUS_CLIENT ('a client') — never the client id */
  id: string;
  /** developers only: their current level */
  level?: LevelName;
  /** clients only, to an account of that same client: it is yours */
  you?: true;
  /** clients only, and only to that client itself and to finance: the client id */
  clientId?: string;
}

export interface DeveloperLevel {
  developerId: string;
  level: LevelName;
  /** usage points: log scale of billable calls of their features, weighted by author weight */
  usagePoints: number;
  /** help points: accepted answers in others' threads, co-authorship of others' features, reviews */
  helpPoints: number;
  score: number;
  /** the next level and the score it needs; null at the top */
  next: { level: LevelName; score: number } | null;
  /** what the help points are made of */
  help: { acceptedAnswers: number; coAuthoredFeatures: number; reviews: number };
  /** weighted billable calls behind the usage points */
  weightedCalls: number;
  /** always 'live': the closed months exactly as their statements recorded, plus the open months' usage */
  basis: 'live';
  /** the last closed month included exactly; null before the first close */
  closedThrough: string | null;
  features: { slug: string; name: string; weight: number; totalWeight: number }[];
}

/** GET /developers/{developerId} → DeveloperLevel (public) ; GET /developers → { developers: DeveloperLevel[] } */

export interface Post {
  postId: string;
  threadId: string;
  author: Author;
  /** the markdown as written (shown in the edit box) — absent when hidden */
  markdown?: string;
  /** sanitized HTML rendered from the markdown — absent when hidden */
  html?: string;
  createdAt: number;
  editedAt?: number;
  /** posts hidden by a maintainer are listed as hidden, without their content, to everyone */
  hidden: boolean;
  accepted: boolean;
  /** whether the signed-in account may edit it now (own post, within the edit window) */
  canEdit?: boolean;
}

export interface ThreadSummary {
  threadId: string;
  title: string;
  /** the feature the thread is about; absent for a general thread */
  featureSlug?: string;
  author: Author;
  createdAt: number;
  replies: number;
  answered: boolean;
}

/**
 * GET /developer/discussions (developers) → FeatureThreads: the threads on the developer's own
 * features; those others started since the account's last visit are `newThreads`.
 * POST /developer/discussions/seen → 204: the developer page was seen; later threads are new.
 */
export interface FeatureThreads {
  /** the last visit (epoch ms); null before the first */
  since: number | null;
  /** threads on the developer's features, all time */
  threads: number;
  /** started by someone else after `since` (all of them before a first visit), newest first */
  newThreads: ThreadSummary[];
}

/**
 * GET /threads?feature=<slug>|general|all → { threads: ThreadSummary[] } (newest first; `all`:
 * the general threads and every feature's)
 * POST /threads  body NewThreadBody → 201 ThreadDetail
 * GET /threads/{threadId} → ThreadDetail
 * POST /threads/{threadId}/posts  body { markdown } → 201 Post
 * PUT /posts/{threadId}/{postId}  body { markdown } → Post (own post, within EDIT_WINDOW_MS; 403 otherwise)
 * POST /threads/{threadId}/accept  body { postId } → ThreadDetail: the thread's author or an author
 *   of its feature marks an accepted answer (403 for anyone else)
 * POST /posts/{threadId}/{postId}/hide  body { hidden: boolean } → Post (maintainer level or above; 403 otherwise)
 */
export interface NewThreadBody {
  title: string;
  markdown: string;
  featureSlug?: string;
  /** a review of the feature (developers, in another developer's feature thread) */
  review?: boolean;
}

export interface ThreadDetail extends ThreadSummary {
  posts: Post[];
  acceptedPostId?: string;
  /** whether the signed-in account may accept an answer here */
  canAccept: boolean;
  /** whether the signed-in account may hide posts (maintainer or above) */
  canModerate: boolean;
}

export const EDIT_WINDOW_MS = 15 * 60_000;

export type RequestStatus = 'open' | 'planned' | 'delivered' | 'declined';

export interface DevRequest {
  requestId: string;
  title: string;
  /** markdown as written and its sanitized HTML */
  description: string;
  descriptionHtml: string;
  /**
   * optional budget in micro-euros and its decimal form: sent to everyone only when the client made
   * it public, and always to the client who posted the request and to finance
   */
  budgetMicros?: number;
  budget?: string;
  /** to the client who posted it and to finance, when there is a budget: whether others see it */
  budgetPublic?: boolean;
  tags: string[];
  /** the client who posted it, as an Author (display name; the client id only to itself and finance) */
  author: Author;
  /** to the accounts of the client who posted it: it may edit it while open */
  mine?: true;
  status: RequestStatus;
  votes: number;
  /** whether the signed-in account has voted */
  voted?: boolean;
  createdAt: number;
  plannedBy?: string;
  /** set by a mentor: accepted for development */
  acceptedBy?: string;
  deliveredSlug?: string;
  declineReason?: string;
}

/**
 * GET /requests?tag=<tag>&status=<status>&mine=1 → { requests: DevRequest[] } sorted by votes, then newest.
 *   mine=1 (developers): only requests in the tags of their features.
 * POST /requests  body NewRequestBody → 201 DevRequest (clients only)
 * GET /requests/{id} → DevRequest
 * PUT /requests/{id}  body Partial<NewRequestBody> → DevRequest (its own client only, while open)
 * POST /requests/{id}/vote → DevRequest ; DELETE /requests/{id}/vote → DevRequest (clients and developers;
 *   one vote per account, withdrawable; repeated votes count once)
 * POST /requests/{id}/plan → DevRequest (a developer commits to it: open → planned)
 * POST /requests/{id}/deliver  body { featureSlug } → DevRequest (the planning developer: planned → delivered;
 *   the slug must be a feature in the catalogue that this developer authors)
 * POST /requests/{id}/decline  body { reason } → DevRequest (the planning developer, or finance: → declined)
 * POST /requests/{id}/accept → DevRequest (mentor level only: marks it accepted for development)
 */
export interface NewRequestBody {
  title: string;
  description: string;
  /** decimal euros, e.g. "1500.00" */
  budget?: string;
  /** show the budget to everyone (default false: only the client and finance see it) */
  budgetPublic?: boolean;
  tags?: string[];
}
