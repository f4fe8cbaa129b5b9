import { formatMicros, MoneyError, parseDecimalMicros, toSafeNumber } from '../../shared/money.ts';
import { canAcceptRequests, canModerate } from '../../shared/levels.ts';
import { DomainError, type ErrorKind } from '../../shared/errors.ts';
import { MAX_MARKDOWN_CHARS, renderMarkdown } from '../../shared/markdown.ts';
import type { Session } from '../console/account-store.ts';
import { ANONYMOUS_CLIENT, EDIT_WINDOW_MS, type Author, type DevRequest, type FeatureThreads, type NewRequestBody, type Post, type RequestStatus, type ThreadDetail, type ThreadSummary } from '../console/community-types.ts';
import type { FeatureCatalog } from '../gateway/invoker.ts';
import { ConditionFailed, newId, type CommunityStore, type StoredAuthor, type StoredPost, type StoredRequest, type StoredThread } from './community-store.ts';
import type { Levels } from './levels.ts';
import { isDraft, publicFeatures } from '../../shared/lifecycle.ts';

/** A community rule said no; its code is the kind. */
export class CommunityError extends DomainError {
  override readonly name = 'CommunityError';
  constructor(
    override readonly code: ErrorKind,
    message: string,
  ) {
    super(code, message);
  }
}

const invalid = (m: string) => new CommunityError('invalid_request', m);
const forbidden = (m: string) => new CommunityError('forbidden', m);
const notFound = (m: string) => new CommunityError('not_found', m);
const conflict = (m: string) => new CommunityError('conflict', m);

const TAG = /^[a-z0-9-]{1,32}$/;
const ID = /^[0-9a-z]{19}$/;

/** The account behind a write, as others will see it. */
export function authorOf(s: Session): StoredAuthor {
  const id = s.role === 'client' ? s.clientId : s.role === 'developer' ? s.developerId : 'finance';
  return { role: s.role, id: id ?? s.role, email: s.email };
}

function text(value: unknown, name: string, min: number, max: number): string {
  if (typeof value !== 'string') throw invalid(`"${name}" is required (a string).`);
  const v = value.trim();
  if (v.length < min) throw invalid(`"${name}" needs at least ${min} characters.`);
  if (v.length > max) throw invalid(`"${name}" has at most ${max} characters.`);
  return v;
}

function markdown(value: unknown, name: string): { markdown: string; html: string } {
  const md = text(value, name, 1, MAX_MARKDOWN_CHARS);
  try {
    return { markdown: md, html: renderMarkdown(md) };
  } catch (e) {
    // The renderer's own limits (nesting too deep to parse): the text, not the platform, is at fault.
    if (e instanceof RangeError) throw invalid(`"${name}" cannot be rendered: ${e.message}.`);
    throw e;
  }
}

function checkId(id: string, what: string): string {
  if (!ID.test(id)) throw notFound(`No ${what} "${id}".`);
  return id;
}

export interface CommunityDeps {
  store: CommunityStore;
  levels: Levels;
  features: FeatureCatalog;
  /** a client's public display name, if it chose one (the clients table) */
  displayName: (clientId: string) => Promise<string | undefined>;
  clock: () => number;
}

/**
 * Who reads: a signed-in account, nobody (signed out), or 'operator' — the CLI, run by whoever
 * operates the platform and holds its store anyway, which sees what finance sees.
 */
export type Reader = Session | 'operator' | undefined;

/** One read as its reader sees it: what it may know of clients, and their names looked up once. */
interface Lens {
  session: Session | undefined;
  /** finance or the operator: they bill clients, so they see client ids and every budget */
  operator: boolean;
  name: (clientId: string) => Promise<string | undefined>;
}

/**
 * Discussions and custom-development requests: every rule of who may do what, in one place,
 * for the console API and the CLI. Levels unlock moderation and acceptance, never money.
 */
export class Community {
  constructor(private readonly deps: CommunityDeps) {}

  private isFeatureAuthor(featureSlug: string | undefined, s: Session | undefined): boolean {
    if (!featureSlug || s?.role !== 'developer') return false;
    return this.deps.features.get(featureSlug)?.manifest.authors.some((a) => a.id === s.developerId) ?? false;
  }

  private lens(reader: Reader): Lens {
    const session = reader === 'operator' ? undefined : reader;
    // Per read, not per process: a name changed in the console shows on the next page.
    const names = new Map<string, Promise<string | undefined>>();
    const name = (clientId: string) => {
      let found = names.get(clientId);
      if (!found) names.set(clientId, (found = this.deps.displayName(clientId)));
      return found;
    };
    return { session, operator: reader === 'operator' || session?.role === 'finance', name };
  }

  /** Whether the reader is an account of this client: its own posts and requests. */
  private static own(l: Lens, clientId: string): boolean {
    return l.session?.role === 'client' && l.session.clientId === clientId;
  }

  private async authorView(a: StoredAuthor, l: Lens): Promise<Author> {
    if (a.role === 'client') {
      // The client id stays with the client and finance; everyone else gets the chosen name.
      const own = Community.own(l, a.id);
      return { role: a.role, id: (await l.name(a.id)) ?? ANONYMOUS_CLIENT, ...(own ? { you: true as const } : {}), ...(own || l.operator ? { clientId: a.id } : {}) };
    }
    return { role: a.role, id: a.id, ...(a.role === 'developer' ? { level: await this.deps.levels.levelOf(a.id) } : {}) };
  }

  private async mayModerate(s: Session | undefined): Promise<boolean> {
    if (s?.role === 'finance') return true;
    if (s?.role !== 'developer' || !s.developerId) return false;
    return canModerate(await this.deps.levels.levelOf(s.developerId));
  }

  private async postView(p: StoredPost, thread: StoredThread, l: Lens): Promise<Post> {
    const now = this.deps.clock();
    const s = l.session;
    return {
      postId: p.postId,
      threadId: p.threadId,
      author: await this.authorView(p.author, l),
      // Hidden means hidden everywhere: the content never leaves the store again.
      ...(p.hidden ? {} : { markdown: p.markdown, html: renderMarkdown(p.markdown) }),
      createdAt: p.createdAt,
      ...(p.editedAt ? { editedAt: p.editedAt } : {}),
      hidden: p.hidden,
      accepted: thread.acceptedPostId === p.postId,
      ...(s ? { canEdit: !p.hidden && p.author.email === s.email && now - p.createdAt < EDIT_WINDOW_MS } : {}),
    };
  }

  /** A feature of the public catalogue (a draft is not one: it is discussed and delivered once published). */
  private published(slug: string) {
    const feature = this.deps.features.get(slug);
    return feature && !isDraft(feature) ? feature : undefined;
  }

  // ---- discussions ----------------------------------------------------------------------------

  async listThreads(featureSlug?: string, reader?: Reader): Promise<ThreadSummary[]> {
    if (featureSlug && !this.published(featureSlug)) throw notFound(`No feature named "${featureSlug}".`);
    const threads = await this.deps.store.listThreads(featureSlug);
    const l = this.lens(reader);
    return Promise.all(threads.map((t) => this.summary(t, l)));
  }

  /** Every thread, general and of every feature, newest first (the #/discussions page). */
  async listAllThreads(reader?: Reader): Promise<ThreadSummary[]> {
    const scopes = [undefined, ...publicFeatures(this.deps.features.list()).map((f) => f.slug)];
    const threads = (await Promise.all(scopes.map((slug) => this.deps.store.listThreads(slug)))).flat();
    threads.sort((a, b) => b.createdAt - a.createdAt || (a.threadId < b.threadId ? 1 : -1));
    const l = this.lens(reader);
    return Promise.all(threads.map((t) => this.summary(t, l)));
  }

  /**
   * The threads on a developer's own features, and those started by others since the account's
   * last visit (`markVisit`): what the developer page counts as new.
   */
  async myFeatureThreads(s: Session): Promise<FeatureThreads> {
    if (s.role !== 'developer' || !s.developerId) throw forbidden('Only developers author features.');
    const mine = this.deps.features.list().filter((f) => f.manifest.authors.some((a) => a.id === s.developerId));
    const threads = (await Promise.all(mine.map((f) => this.deps.store.listThreads(f.slug)))).flat().sort((a, b) => b.createdAt - a.createdAt);
    const since = await this.deps.store.lastVisit(s.email);
    const fresh = threads.filter((t) => (since === undefined || t.createdAt > since) && t.author.email !== s.email);
    const l = this.lens(s);
    return { since: since ?? null, threads: threads.length, newThreads: await Promise.all(fresh.map((t) => this.summary(t, l))) };
  }

  /** The developer has seen its features' threads up to now. */
  async markVisit(s: Session): Promise<void> {
    await this.deps.store.markVisit(s.email, this.deps.clock());
  }

  private async summary(t: StoredThread, l: Lens, posts?: StoredPost[]): Promise<ThreadSummary> {
    const replies = posts ? posts.length - 1 : ((await this.deps.store.getThread(t.threadId))?.posts.length ?? 1) - 1;
    return {
      threadId: t.threadId,
      title: t.title,
      ...(t.featureSlug ? { featureSlug: t.featureSlug } : {}),
      author: await this.authorView(t.author, l),
      createdAt: t.createdAt,
      replies,
      answered: t.acceptedPostId !== undefined,
    };
  }

  async thread(threadId: string, reader?: Reader): Promise<ThreadDetail> {
    const found = await this.deps.store.getThread(checkId(threadId, 'thread'));
    if (!found) throw notFound(`No thread "${threadId}".`);
    const { thread, posts } = found;
    const l = this.lens(reader);
    const s = l.session;
    return {
      ...(await this.summary(thread, l, posts)),
      posts: await Promise.all(posts.map((p) => this.postView(p, thread, l))),
      ...(thread.acceptedPostId ? { acceptedPostId: thread.acceptedPostId } : {}),
      canAccept: !!s && (thread.author.email === s.email || this.isFeatureAuthor(thread.featureSlug, s)),
      canModerate: await this.mayModerate(s),
    };
  }

  async createThread(s: Session, body: Record<string, unknown>): Promise<ThreadDetail> {
    const title = text(body.title, 'title', 3, 140);
    const { markdown: md } = markdown(body.markdown, 'markdown');
    const featureSlug = body.featureSlug === undefined || body.featureSlug === null ? undefined : text(body.featureSlug, 'featureSlug', 1, 64);
    if (featureSlug && !this.published(featureSlug)) throw invalid(`No feature named "${featureSlug}".`);
    const review = body.review === true;
    if (review) {
      if (!featureSlug) throw invalid('A review is about a feature: give "featureSlug".');
      if (s.role !== 'developer') throw forbidden('Reviews are written by developers.');
      if (this.isFeatureAuthor(featureSlug, s)) throw forbidden('A review is of another developer\'s feature, not your own.');
    }
    const now = this.deps.clock();
    const author = authorOf(s);
    const threadId = newId(now);
    const thread: StoredThread = { threadId, title, ...(featureSlug ? { featureSlug } : {}), author, createdAt: now };
    await this.deps.store.createThread(thread, { postId: newId(now), threadId, author, markdown: md, createdAt: now, hidden: false, review });
    if (review && s.developerId && featureSlug) {
      await this.deps.store.creditReview(s.developerId, featureSlug);
      this.deps.levels.invalidate();
    }
    return this.thread(threadId, s);
  }

  async reply(s: Session, threadId: string, body: Record<string, unknown>): Promise<Post> {
    const found = await this.deps.store.getThread(checkId(threadId, 'thread'));
    if (!found) throw notFound(`No thread "${threadId}".`);
    const { markdown: md } = markdown(body.markdown, 'markdown');
    const now = this.deps.clock();
    const post: StoredPost = { postId: newId(now), threadId, author: authorOf(s), markdown: md, createdAt: now, hidden: false, review: false };
    await this.deps.store.putPost(post);
    return this.postView(post, found.thread, this.lens(s));
  }

  async edit(s: Session, threadId: string, postId: string, body: Record<string, unknown>): Promise<Post> {
    const { markdown: md } = markdown(body.markdown, 'markdown');
    const found = await this.deps.store.getThread(checkId(threadId, 'thread'));
    const post = found?.posts.find((p) => p.postId === postId);
    if (!found || !post) throw notFound(`No post "${postId}" in thread "${threadId}".`);
    if (post.author.email !== s.email) throw forbidden('Only its author can edit a post.');
    if (post.hidden) throw forbidden('A hidden post cannot be edited.');
    const now = this.deps.clock();
    if (now - post.createdAt >= EDIT_WINDOW_MS) throw forbidden(`Posts can be edited for ${EDIT_WINDOW_MS / 60_000} minutes after they are written; reply instead.`);
    try {
      const edited = await this.deps.store.editPost(threadId, postId, s.email, md, now, now - EDIT_WINDOW_MS);
      return this.postView(edited, found.thread, this.lens(s));
    } catch (e) {
      if (e instanceof ConditionFailed) throw forbidden('The post can no longer be edited.');
      throw e;
    }
  }

  async accept(s: Session, threadId: string, postId: string): Promise<ThreadDetail> {
    const found = await this.deps.store.getThread(checkId(threadId, 'thread'));
    if (!found) throw notFound(`No thread "${threadId}".`);
    const { thread, posts } = found;
    if (thread.author.email !== s.email && !this.isFeatureAuthor(thread.featureSlug, s)) {
      throw forbidden("Only the thread's author or an author of its feature can accept an answer.");
    }
    const answer = posts.find((p) => p.postId === postId);
    if (!answer || answer.postId === posts[0]?.postId) throw invalid('Accept one of the replies of this thread.');
    if (answer.hidden) throw invalid('A hidden post cannot be the accepted answer.');
    const previous = posts.find((p) => p.postId === thread.acceptedPostId);
    await this.deps.store.setAccepted(threadId, postId);
    if (previous && previous.author.role === 'developer' && previous.author.id !== answer.author.id) await this.deps.store.uncreditAnswer(previous.author.id, threadId);
    if (this.earnsHelp(answer.author, thread)) await this.deps.store.creditAnswer(answer.author.id, threadId);
    this.deps.levels.invalidate();
    return this.thread(threadId, s);
  }

  /** Help is help to others: not in one's own thread, not about one's own feature. */
  private earnsHelp(answerer: StoredAuthor, thread: StoredThread): boolean {
    if (answerer.role !== 'developer' || answerer.email === thread.author.email) return false;
    const feature = thread.featureSlug ? this.deps.features.get(thread.featureSlug) : undefined;
    return !feature?.manifest.authors.some((a) => a.id === answerer.id);
  }

  async hide(s: Session, threadId: string, postId: string, hidden: boolean): Promise<Post> {
    if (!(await this.mayModerate(s))) throw forbidden('Hiding posts needs the maintainer level (or a finance account).');
    const found = await this.deps.store.getThread(checkId(threadId, 'thread'));
    if (!found || !found.posts.some((p) => p.postId === postId)) throw notFound(`No post "${postId}" in thread "${threadId}".`);
    const post = await this.deps.store.setHidden(threadId, postId, hidden);
    // A hidden accepted answer no longer earns help; unhidden, it earns again.
    if (found.thread.acceptedPostId === postId && this.earnsHelp(post.author, found.thread)) {
      if (hidden) await this.deps.store.uncreditAnswer(post.author.id, threadId);
      else await this.deps.store.creditAnswer(post.author.id, threadId);
      this.deps.levels.invalidate();
    }
    return this.postView(post, found.thread, this.lens(s));
  }

  // ---- custom-development requests ------------------------------------------------------------

  private async requestView(r: StoredRequest, l: Lens): Promise<DevRequest> {
    const s = l.session;
    const [votes, voted, author] = await Promise.all([
      this.deps.store.votes(r.requestId),
      s ? this.deps.store.hasVoted(r.requestId, s.email) : Promise.resolve(undefined),
      this.authorView({ role: 'client', id: r.clientId, email: r.authorEmail }, l),
    ]);
    const own = Community.own(l, r.clientId);
    // A budget is the client's negotiating position: public only if it said so (absent on
    // requests posted before the choice existed: private).
    const privileged = own || l.operator;
    const shown = r.budgetMicros !== undefined && (r.budgetPublic === true || privileged);
    return {
      requestId: r.requestId,
      title: r.title,
      description: r.description,
      descriptionHtml: renderMarkdown(r.description),
      ...(shown && r.budgetMicros !== undefined ? { budgetMicros: r.budgetMicros, budget: formatMicros(r.budgetMicros) } : {}),
      ...(privileged && r.budgetMicros !== undefined ? { budgetPublic: r.budgetPublic === true } : {}),
      tags: r.tags,
      author,
      ...(own ? { mine: true as const } : {}),
      status: r.status,
      votes,
      ...(voted !== undefined ? { voted } : {}),
      createdAt: r.createdAt,
      ...(r.plannedBy ? { plannedBy: r.plannedBy } : {}),
      ...(r.acceptedBy ? { acceptedBy: r.acceptedBy } : {}),
      ...(r.deliveredSlug ? { deliveredSlug: r.deliveredSlug } : {}),
      ...(r.declineReason ? { declineReason: r.declineReason } : {}),
    };
  }

  private async stored(requestId: string): Promise<StoredRequest> {
    const r = await this.deps.store.getRequest(checkId(requestId, 'request'));
    if (!r) throw notFound(`No request "${requestId}".`);
    return r;
  }

  async request(requestId: string, reader?: Reader): Promise<DevRequest> {
    return this.requestView(await this.stored(requestId), this.lens(reader));
  }

  /** Sorted by votes, then newest; `mine` = in the tags of the developer's features. */
  async requests(filter: { tag?: string; status?: string; mine?: boolean }, reader?: Reader): Promise<DevRequest[]> {
    const l = this.lens(reader);
    const s = l.session;
    if (filter.status && !['open', 'planned', 'delivered', 'declined'].includes(filter.status)) throw invalid('"status" is one of open, planned, delivered, declined.');
    let myTags: Set<string> | undefined;
    if (filter.mine) {
      if (s?.role !== 'developer') throw forbidden('"mine" lists requests in the tags of your features: developers only.');
      myTags = new Set(this.deps.features.list().filter((f) => f.manifest.authors.some((a) => a.id === s.developerId)).flatMap((f) => f.manifest.tags));
    }
    const all = (await this.deps.store.listRequests()).filter(
      (r) => (!filter.tag || r.tags.includes(filter.tag)) && (!filter.status || r.status === filter.status) && (!myTags || r.tags.some((t) => myTags.has(t))),
    );
    const views = await Promise.all(all.map((r) => this.requestView(r, l)));
    return views.sort((a, b) => b.votes - a.votes || b.createdAt - a.createdAt || (a.requestId < b.requestId ? -1 : 1));
  }

  private requestFields(body: Record<string, unknown>, partial: boolean): Partial<Pick<StoredRequest, 'title' | 'description' | 'budgetMicros' | 'budgetPublic' | 'tags'>> {
    const out: Partial<Pick<StoredRequest, 'title' | 'description' | 'budgetMicros' | 'budgetPublic' | 'tags'>> = {};
    if (!partial || body.title !== undefined) out.title = text(body.title, 'title', 5, 140);
    if (!partial || body.description !== undefined) out.description = markdown(body.description, 'description').markdown;
    if (body.budget !== undefined && body.budget !== null) {
      if (typeof body.budget !== 'string') throw invalid('"budget" is an amount in euros such as "1500.00".');
      try {
        out.budgetMicros = toSafeNumber(parseDecimalMicros(body.budget));
      } catch (e) {
        if (e instanceof MoneyError || e instanceof RangeError) throw invalid(`"budget" must be an amount in euros such as "1500.00", got "${body.budget}".`);
        throw e;
      }
      if (out.budgetMicros <= 0) throw invalid('"budget" must be more than 0.');
    }
    if (body.budgetPublic !== undefined) {
      if (typeof body.budgetPublic !== 'boolean') throw invalid('"budgetPublic" is true (everyone sees the budget) or false (only you and the operator).');
      out.budgetPublic = body.budgetPublic;
    }
    if (!partial || body.tags !== undefined) {
      const tags = body.tags ?? [];
      if (!Array.isArray(tags) || tags.length > 10 || !tags.every((t): t is string => typeof t === 'string' && TAG.test(t))) {
        throw invalid('"tags" is a list of at most 10 tags (lowercase letters, digits, dashes).');
      }
      out.tags = [...new Set(tags)];
    }
    return out;
  }

  async createRequest(s: Session, body: NewRequestBody | Record<string, unknown>): Promise<DevRequest> {
    if (s.role !== 'client' || !s.clientId) throw forbidden('Requests are posted by client accounts.');
    const fields = this.requestFields(body as Record<string, unknown>, false);
    const now = this.deps.clock();
    const r: StoredRequest = {
      requestId: newId(now),
      title: fields.title as string,
      description: fields.description as string,
      ...(fields.budgetMicros !== undefined ? { budgetMicros: fields.budgetMicros } : {}),
      budgetPublic: fields.budgetPublic ?? false,
      tags: fields.tags ?? [],
      clientId: s.clientId,
      authorEmail: s.email,
      status: 'open',
      createdAt: now,
    };
    await this.deps.store.createRequest(r);
    return this.requestView(r, this.lens(s));
  }

  async editRequest(s: Session, requestId: string, body: Record<string, unknown>): Promise<DevRequest> {
    const r = await this.stored(requestId);
    if (s.role !== 'client' || r.clientId !== s.clientId) throw forbidden('Only the client who posted a request can edit it.');
    const fields = this.requestFields(body, true);
    if (Object.keys(fields).length === 0) throw invalid('Nothing to change: send title, description, budget, budgetPublic or tags.');
    return this.transition(s, requestId, ['open'], fields, 'Only an open request can be edited.', { expression: 'clientId = :me', values: { ':me': s.clientId } });
  }

  private async transition(s: Session, requestId: string, from: RequestStatus[], set: Partial<StoredRequest>, refused: string, extra?: { expression: string; values: Record<string, unknown> }): Promise<DevRequest> {
    try {
      return this.requestView(await this.deps.store.updateRequest(requestId, from, set, extra), this.lens(s));
    } catch (e) {
      if (e instanceof ConditionFailed) throw conflict(refused);
      throw e;
    }
  }

  async vote(s: Session, requestId: string, up: boolean): Promise<DevRequest> {
    if (s.role !== 'client' && s.role !== 'developer') throw forbidden('Clients and developers vote on requests.');
    await this.stored(requestId);
    if (up) await this.deps.store.vote(requestId, s.email, this.deps.clock());
    else await this.deps.store.unvote(requestId, s.email);
    return this.request(requestId, s);
  }

  async plan(s: Session, requestId: string): Promise<DevRequest> {
    if (s.role !== 'developer' || !s.developerId) throw forbidden('A developer commits to a request.');
    await this.stored(requestId);
    return this.transition(s, requestId, ['open'], { status: 'planned', plannedBy: s.developerId }, 'Only an open request can be planned (someone may have planned it first).');
  }

  async deliver(s: Session, requestId: string, body: Record<string, unknown>): Promise<DevRequest> {
    const r = await this.stored(requestId);
    if (s.role !== 'developer' || r.plannedBy !== s.developerId) throw forbidden('Only the developer who planned a request delivers it.');
    const slug = text(body.featureSlug, 'featureSlug', 1, 64);
    const feature = this.published(slug);
    if (!feature) throw invalid(`No feature named "${slug}" in the catalogue: publish it first.`);
    if (!feature.manifest.authors.some((a) => a.id === s.developerId)) throw invalid(`"${slug}" is not one of your features.`);
    return this.transition(s, requestId, ['planned'], { status: 'delivered', deliveredSlug: slug }, 'Only a planned request can be delivered.', { expression: 'plannedBy = :dev', values: { ':dev': s.developerId } });
  }

  async decline(s: Session, requestId: string, body: Record<string, unknown>): Promise<DevRequest> {
    const r = await this.stored(requestId);
    const mayDecline = s.role === 'finance' || (s.role === 'developer' && r.plannedBy === s.developerId);
    if (!mayDecline) throw forbidden('A request is declined by the developer who planned it, or by the operator (finance).');
    const reason = text(body.reason, 'reason', 3, 1_000);
    return this.transition(s, requestId, ['open', 'planned'], { status: 'declined', declineReason: reason }, 'Only an open or planned request can be declined.');
  }

  async acceptForDevelopment(s: Session, requestId: string): Promise<DevRequest> {
    if (s.role !== 'developer' || !s.developerId || !canAcceptRequests(await this.deps.levels.levelOf(s.developerId))) {
      throw forbidden('Marking a request as accepted for development needs the mentor level.');
    }
    await this.stored(requestId);
    return this.transition(s, requestId, ['open', 'planned'], { acceptedBy: s.developerId }, 'Only an open or planned request can be accepted for development.');
  }
}
