import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP_POINTS } from '../shared/levels.ts';
import { MAX_MARKDOWN_CHARS } from '../shared/markdown.ts';
import { jsonLogger } from '../runtime/logger.ts';
import type { ClientProfile } from '../runtime/console/api-types.ts';
import type { DeveloperLevel, DevRequest, FeatureThreads, Post, ThreadDetail, ThreadSummary } from '../runtime/console/community-types.ts';
import { EDIT_WINDOW_MS } from '../runtime/console/community-types.ts';
import { ConsoleSession, MovableClock, setAuthors, signUp } from './helpers/console.ts';
import { copyFixtures, errorOf, startTestPlatform, type TestPlatform } from './helpers/platform.ts';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../runtime/cli/bin.mjs', import.meta.url));

const clock = new MovableClock(Date.now());
let t: TestPlatform;
let functionsDir: string;
let acme: ConsoleSession;
let globex: ConsoleSession;
let alice: ConsoleSession; // authors echo (with bob)
let carol: ConsoleSession; // authors slow
let dave: ConsoleSession; // authors nothing
let finance: ConsoleSession;

const body = async <T>(res: Response | Promise<Response>): Promise<T> => {
  const r = await res;
  if (r.status >= 300) throw new Error(`${r.status} ${await r.text()}`);
  return (await r.json()) as T;
};
const post = (s: ConsoleSession, path: string, b?: unknown) => s.fetch(path, { method: 'POST', body: b ?? {} });

beforeAll(async () => {
  functionsDir = copyFixtures();
  setAuthors(functionsDir, 'slow', [{ id: 'carol', weight: 1 }]);
  t = await startTestPlatform({ clock: clock.now, functionsDir, ...(process.env.DEBUG_LOG ? { logger: jsonLogger() } : {}) });
  [acme, globex, alice, carol, dave, finance] = await Promise.all([
    signUp(t, 'buyer@acme.example', 'client', { clientId: 'acme' }),
    signUp(t, 'buyer@globex.example', 'client', { clientId: 'globex' }),
    signUp(t, 'alice@dev.example', 'developer', { developerId: 'alice' }),
    signUp(t, 'carol@dev.example', 'developer', { developerId: 'carol' }),
    signUp(t, 'dave@dev.example', 'developer', { developerId: 'dave' }),
    signUp(t, 'fin@example.com', 'finance'),
  ]);
});
afterAll(async () => {
  await t.stop();
  rmSync(functionsDir, { recursive: true, force: true });
});

describe('custom-development requests', () => {
  let request: DevRequest;

  it('a client posts a request; developers and finance cannot', async () => {
    request = await body<DevRequest>(post(acme, '/requests', { title: 'SIRET lookup', description: 'Check a **SIRET** number', budget: '1500.00', tags: ['france', 'test'] }));
    // Its own client sees who posted it (itself) and its budget, private by default.
    expect(request).toMatchObject({ status: 'open', votes: 0, author: { role: 'client', id: 'a client', you: true, clientId: 'acme' }, mine: true, budgetMicros: 1_500_000_000, budgetPublic: false, tags: ['france', 'test'] });
    expect(request).not.toHaveProperty('clientId');
    expect(request.descriptionHtml).toContain('<strong>SIRET</strong>');
    expect(await errorOf(await post(alice, '/requests', { title: 'From a dev', description: 'x' }))).toMatchObject({ status: 403 });
    expect(await errorOf(await post(finance, '/requests', { title: 'From finance', description: 'x' }))).toMatchObject({ status: 403 });
  });

  it('refuses bad input with clear errors', async () => {
    expect(await errorOf(await post(acme, '/requests', { title: 'abc', description: 'x' }))).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await post(acme, '/requests', { title: 'A fine title', description: 'x', budget: '12,50' }))).toMatchObject({ status: 400 });
    expect(await errorOf(await post(acme, '/requests', { title: 'A fine title', description: 'x', tags: ['Not A Tag'] }))).toMatchObject({ status: 400 });
    expect(await errorOf(await acme.fetch('/requests/nope'))).toMatchObject({ status: 404 });
  });

  it("a client cannot edit another client's request, and edits its own while open", async () => {
    expect(await errorOf(await globex.fetch(`/requests/${request.requestId}`, { method: 'PUT', body: { title: 'Hijacked title' } }))).toMatchObject({ status: 403 });
    const edited = await body<DevRequest>(acme.fetch(`/requests/${request.requestId}`, { method: 'PUT', body: { title: 'SIRET and SIREN lookup' } }));
    expect(edited.title).toBe('SIRET and SIREN lookup');
  });

  it('100 concurrent votes from one account count once; a vote can be withdrawn', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, () => post(alice, `/requests/${request.requestId}/vote`)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    expect((await body<DevRequest>(alice.fetch(`/requests/${request.requestId}`))).votes).toBe(1);
    await body(post(carol, `/requests/${request.requestId}/vote`));
    await body(post(globex, `/requests/${request.requestId}/vote`));
    const three = await body<DevRequest>(carol.fetch(`/requests/${request.requestId}`));
    expect(three).toMatchObject({ votes: 3, voted: true });
    const withdrawn = await body<DevRequest>(globex.fetch(`/requests/${request.requestId}/vote`, { method: 'DELETE' }));
    expect(withdrawn).toMatchObject({ votes: 2, voted: false });
    expect(await errorOf(await post(finance, `/requests/${request.requestId}/vote`))).toMatchObject({ status: 403 });
  });

  it('lists requests by votes, filtered by tag and by the tags of a developer\u2019s features', async () => {
    const other = await body<DevRequest>(post(globex, '/requests', { title: 'Invoice OCR please', description: 'Read invoices', tags: ['ocr'] }));
    const list = await body<{ requests: DevRequest[] }>(fetch(`${t.url}/console/api/requests`));
    expect(list.requests.map((r) => r.requestId)).toEqual([request.requestId, other.requestId]);
    const ocr = await body<{ requests: DevRequest[] }>(fetch(`${t.url}/console/api/requests?tag=ocr`));
    expect(ocr.requests.map((r) => r.requestId)).toEqual([other.requestId]);
    // alice's features are tagged "test": she sees the request tagged test, not the OCR one
    const mine = await body<{ requests: DevRequest[] }>(alice.fetch('/requests?mine=1'));
    expect(mine.requests.map((r) => r.requestId)).toEqual([request.requestId]);
  });

  it('open → planned by one developer (a second cannot), delivered only by them as their own feature', async () => {
    const planned = await body<DevRequest>(post(carol, `/requests/${request.requestId}/plan`));
    expect(planned).toMatchObject({ status: 'planned', plannedBy: 'carol' });
    expect(await errorOf(await post(alice, `/requests/${request.requestId}/plan`))).toMatchObject({ status: 409, code: 'conflict' });
    expect(await errorOf(await post(alice, `/requests/${request.requestId}/deliver`, { featureSlug: 'echo' }))).toMatchObject({ status: 403 });
    expect(await errorOf(await post(carol, `/requests/${request.requestId}/deliver`, { featureSlug: 'echo' }))).toMatchObject({ status: 400 });
    expect(await errorOf(await post(acme, `/requests/${request.requestId}/decline`, { reason: 'changed my mind' }))).toMatchObject({ status: 403 });
    expect(await errorOf(await acme.fetch(`/requests/${request.requestId}`, { method: 'PUT', body: { title: 'Too late to edit' } }))).toMatchObject({ status: 409 });
    const delivered = await body<DevRequest>(post(carol, `/requests/${request.requestId}/deliver`, { featureSlug: 'slow' }));
    expect(delivered).toMatchObject({ status: 'delivered', deliveredSlug: 'slow', votes: 2 });
  });

  it('only a mentor may accept a request for development', async () => {
    const r = await body<DevRequest>(post(acme, '/requests', { title: 'Another request', description: 'y' }));
    expect(await errorOf(await post(alice, `/requests/${r.requestId}/accept`))).toMatchObject({ status: 403 });
    const declined = await body<DevRequest>(post(finance, `/requests/${r.requestId}/decline`, { reason: 'out of scope' }));
    expect(declined).toMatchObject({ status: 'declined', declineReason: 'out of scope' });
  });

  it('the CLI lists and shows requests', async () => {
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir, FAASCAPE_FUNCTIONS_DIR: functionsDir };
    const { stdout } = await run(process.execPath, [CLI, 'requests', 'list', '--json'], { env });
    const list = JSON.parse(stdout) as DevRequest[];
    expect(list[0]).toMatchObject({ requestId: request.requestId, status: 'delivered', votes: 2 });
    // The CLI is the operator's: like finance, it sees which client posted it and its private budget.
    expect(list[0]?.author).toMatchObject({ role: 'client', clientId: 'acme' });
    const shown = await run(process.execPath, [CLI, 'requests', 'show', request.requestId], { env });
    expect(shown.stdout).toContain('delivered as the feature slow');
    expect(shown.stdout).toMatch(/by client acme, budget 1500\.0+ EUR \(private\)/);
  });
});

describe('discussions', () => {
  let general: ThreadDetail;
  let onEcho: ThreadDetail;

  it('anyone signed in opens a thread; reading is public; markdown is sanitized', async () => {
    general = await body<ThreadDetail>(post(acme, '/threads', { title: 'How do I batch calls?', markdown: 'Hello <script>alert(1)</script> [x](javascript:alert(1))' }));
    const read = await body<ThreadDetail>(fetch(`${t.url}/console/api/threads/${general.threadId}`));
    const html = read.posts[0]?.html ?? '';
    expect(html).not.toMatch(/<script|javascript:/i);
    expect(read.canAccept).toBe(false);
    expect(await errorOf(await fetch(`${t.url}/console/api/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))).toMatchObject({ status: 401 });
    // Markdown nested too deeply for the renderer is the writer's to fix: 400 with the reason, not a 500.
    const deep = await errorOf(await post(acme, '/threads', { title: 'Deep thoughts', markdown: '> '.repeat(MAX_MARKDOWN_CHARS / 2) }));
    expect(deep).toMatchObject({ status: 400, code: 'invalid_request', message: expect.stringContaining('nested too deeply') });
  });

  it("the thread's author accepts an answer, which earns a developer help points; others cannot accept", async () => {
    const before = await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/dave`));
    const answer = await body<Post>(post(dave, `/threads/${general.threadId}/posts`, { markdown: 'Use `Promise.all`.' }));
    expect(await errorOf(await post(carol, `/threads/${general.threadId}/accept`, { postId: answer.postId }))).toMatchObject({ status: 403 });
    const accepted = await body<ThreadDetail>(post(acme, `/threads/${general.threadId}/accept`, { postId: answer.postId }));
    expect(accepted.acceptedPostId).toBe(answer.postId);
    const after = await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/dave`));
    expect(after.help.acceptedAnswers).toBe(before.help.acceptedAnswers + 1);
    expect(after.helpPoints - before.helpPoints).toBe(HELP_POINTS.acceptedAnswer);
  });

  it("an answer about one's own feature earns nothing; the feature's author may accept in its threads", async () => {
    onEcho = await body<ThreadDetail>(post(globex, '/threads', { title: 'Echo drops my header', markdown: 'Why?', featureSlug: 'echo' }));
    const own = await body<Post>(post(alice, `/threads/${onEcho.threadId}/posts`, { markdown: 'It is by design.' }));
    const before = await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/alice`));
    const accepted = await body<ThreadDetail>(post(alice, `/threads/${onEcho.threadId}/accept`, { postId: own.postId }));
    expect(accepted.acceptedPostId).toBe(own.postId);
    const after = await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/alice`));
    expect(after.help.acceptedAnswers).toBe(before.help.acceptedAnswers);
  });

  it('a review of another developer\u2019s feature counts once per feature; not of one\u2019s own', async () => {
    await body(post(carol, '/threads', { title: 'Review of echo', markdown: 'Solid.', featureSlug: 'echo', review: true }));
    await body(post(carol, '/threads', { title: 'Second review of echo', markdown: 'Still solid.', featureSlug: 'echo', review: true }));
    expect((await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/carol`))).help.reviews).toBe(1);
    expect(await errorOf(await post(carol, '/threads', { title: 'Review of slow', markdown: 'Mine is great.', featureSlug: 'slow', review: true }))).toMatchObject({ status: 403 });
  });

  it('#/discussions lists every thread, feature threads included (it said "No thread yet" while echo had threads)', async () => {
    const all = await body<{ threads: ThreadSummary[] }>(fetch(`${t.url}/console/api/threads?feature=all`));
    const ids = all.threads.map((x) => x.threadId);
    expect(ids).toContain(general.threadId);
    expect(ids).toContain(onEcho.threadId);
    expect(all.threads.find((x) => x.threadId === onEcho.threadId)?.featureSlug).toBe('echo');
    const times = all.threads.map((x) => x.createdAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // The general list stays general.
    const generalOnly = await body<{ threads: ThreadSummary[] }>(fetch(`${t.url}/console/api/threads?feature=general`));
    expect(generalOnly.threads.map((x) => x.threadId)).not.toContain(onEcho.threadId);
  });

  it("a feature's authors are told how many threads others started on it since their last visit", async () => {
    const first = await body<FeatureThreads>(alice.fetch('/developer/discussions'));
    // Before a first visit every thread on echo (alice's) started by someone else is new: globex's and carol's two reviews.
    expect(first.since).toBeNull();
    expect(first.newThreads.map((x) => x.title).sort()).toEqual(['Echo drops my header', 'Review of echo', 'Second review of echo']);
    expect(first.newThreads.every((x) => x.featureSlug === 'echo')).toBe(true);
    expect((await post(alice, '/developer/discussions/seen')).status).toBe(204);
    expect((await body<FeatureThreads>(alice.fetch('/developer/discussions'))).newThreads).toEqual([]);
    clock.jumpTo(clock.now() + 1_000);
    await body(post(globex, '/threads', { title: 'Echo and unicode?', markdown: 'Does it keep emoji?', featureSlug: 'echo' }));
    await body(post(alice, '/threads', { title: 'Echo v2 is out', markdown: 'News from its author.', featureSlug: 'echo' }));
    await body(post(globex, '/threads', { title: 'A general question', markdown: 'Not about echo.' }));
    const later = await body<FeatureThreads>(alice.fetch('/developer/discussions'));
    expect(later.since).toBeGreaterThan(0);
    expect(later.newThreads.map((x) => x.title)).toEqual(['Echo and unicode?']);
    expect(later.threads).toBe(5);
    // carol's feature (slow) has no thread: nothing new for her; clients and finance have no such page.
    expect((await body<FeatureThreads>(carol.fetch('/developer/discussions'))).newThreads).toEqual([]);
    expect(await errorOf(await acme.fetch('/developer/discussions'))).toMatchObject({ status: 403 });
  });

  it('posts are editable by their author only, within the edit window', async () => {
    const reply = await body<Post>(post(globex, `/threads/${onEcho.threadId}/posts`, { markdown: 'Thanks' }));
    expect(reply.canEdit).toBe(true);
    expect(await errorOf(await carol.fetch(`/posts/${onEcho.threadId}/${reply.postId}`, { method: 'PUT', body: { markdown: 'Vandalised' } }))).toMatchObject({ status: 403 });
    const edited = await body<Post>(globex.fetch(`/posts/${onEcho.threadId}/${reply.postId}`, { method: 'PUT', body: { markdown: 'Thanks a lot' } }));
    expect(edited).toMatchObject({ markdown: 'Thanks a lot' });
    expect(edited.editedAt).toBeGreaterThan(0);
    clock.jumpTo(clock.now() + EDIT_WINDOW_MS + 1_000);
    expect(await errorOf(await globex.fetch(`/posts/${onEcho.threadId}/${reply.postId}`, { method: 'PUT', body: { markdown: 'Later edit' } }))).toMatchObject({ status: 403 });
  });

  it('hiding needs the maintainer level (or finance); hidden posts stay hidden in the API and the CLI', async () => {
    const abusive = await body<Post>(post(dave, `/threads/${general.threadId}/posts`, { markdown: 'BUY CHEAP STUFF secret-spam-marker' }));
    expect(await errorOf(await post(alice, `/posts/${general.threadId}/${abusive.postId}/hide`, { hidden: true }))).toMatchObject({ status: 403 });
    const hidden = await body<Post>(post(finance, `/posts/${general.threadId}/${abusive.postId}/hide`, { hidden: true }));
    expect(hidden).toMatchObject({ hidden: true });
    const publicView = await (await fetch(`${t.url}/console/api/threads/${general.threadId}`)).text();
    expect(publicView).not.toContain('secret-spam-marker');
    const asAuthor = await (await dave.fetch(`/threads/${general.threadId}`)).text();
    expect(asAuthor).not.toContain('secret-spam-marker');
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir, FAASCAPE_FUNCTIONS_DIR: functionsDir };
    const cli = await run(process.execPath, [CLI, 'discussions', 'show', general.threadId, '--json'], { env });
    expect(cli.stdout).not.toContain('secret-spam-marker');
    expect(await errorOf(await post(dave, `/posts/${general.threadId}/${abusive.postId}/hide`, { hidden: false }))).toMatchObject({ status: 403 });
  });

  it('a hidden accepted answer stops earning help, and earns again when unhidden', async () => {
    const thread = await body<ThreadDetail>(fetch(`${t.url}/console/api/threads/${general.threadId}`));
    const accepted = thread.acceptedPostId as string;
    const before = (await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/dave`))).help.acceptedAnswers;
    await body(post(finance, `/posts/${general.threadId}/${accepted}/hide`, { hidden: true }));
    expect((await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/dave`))).help.acceptedAnswers).toBe(before - 1);
    await body(post(finance, `/posts/${general.threadId}/${accepted}/hide`, { hidden: false }));
    expect((await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/dave`))).help.acceptedAnswers).toBe(before);
  });
});

describe('clients are private: a display name or "a client", budgets public only by choice (issue #17)', () => {
  // Ids and amounts no other text of these answers contains, so a leak anywhere in the JSON shows.
  const ID = 'privy-client-7731';
  const BUDGET = '4321.37';
  const BUDGET_MICROS = 4_321_370_000;
  let privy: ConsoleSession;
  let other: ConsoleSession;
  let priv: DevRequest;
  let pub: DevRequest;
  let thread: ThreadDetail;

  /** The raw answer each kind of reader gets: signed out, another client, a developer. */
  const asOthers = async (path: string): Promise<string[]> =>
    Promise.all([fetch(`${t.url}/console/api${path}`).then((r) => r.text()), other.fetch(path).then((r) => r.text()), dave.fetch(path).then((r) => r.text())]);

  beforeAll(async () => {
    [privy, other] = await Promise.all([signUp(t, 'buyer@privy.example', 'client', { clientId: ID }), signUp(t, 'buyer@other.example', 'client', { clientId: 'other-client' })]);
    priv = await body<DevRequest>(post(privy, '/requests', { title: 'Private budget request', description: 'Secret figures', budget: BUDGET, tags: ['privacy'] }));
    pub = await body<DevRequest>(post(privy, '/requests', { title: 'Public budget request', description: 'Open figures', budget: '987.00', budgetPublic: true, tags: ['privacy'] }));
    thread = await body<ThreadDetail>(post(privy, '/threads', { title: 'Who am I?', markdown: 'Nobody should know.' }));
    await body(post(privy, `/threads/${thread.threadId}/posts`, { markdown: 'A reply from the same client.' }));
  });

  it('signed out, another client and a developer never see the client id nor a private budget, in lists and details', async () => {
    const paths = ['/requests', '/requests?tag=privacy', `/requests/${priv.requestId}`, `/requests/${pub.requestId}`, '/threads', '/threads?feature=all', `/threads/${thread.threadId}`];
    for (const path of paths) {
      for (const text of await asOthers(path)) {
        expect(text, path).not.toContain(ID);
        expect(text, path).not.toContain('privy.example');
        expect(text, path).not.toContain('4321.37');
        expect(text, path).not.toContain(String(BUDGET_MICROS));
        expect(text, path).not.toContain('"clientId"');
        expect(text, path).not.toContain('"mine"');
        expect(text, path).not.toContain('"you"');
      }
    }
    const seen = await body<DevRequest>(other.fetch(`/requests/${priv.requestId}`));
    expect(seen.author).toEqual({ role: 'client', id: 'a client' });
    expect(seen).not.toHaveProperty('budgetMicros');
    expect(seen).not.toHaveProperty('budgetPublic');
    const read = await body<ThreadDetail>(fetch(`${t.url}/console/api/threads/${thread.threadId}`));
    expect([read.author, ...read.posts.map((p) => p.author)]).toEqual([{ role: 'client', id: 'a client' }, { role: 'client', id: 'a client' }, { role: 'client', id: 'a client' }]);
  });

  it('a public budget is shown to everyone', async () => {
    for (const text of await asOthers(`/requests/${pub.requestId}`)) expect(JSON.parse(text)).toMatchObject({ budgetMicros: 987_000_000 });
  });

  it('the client itself and finance see the client id and the private budget', async () => {
    const own = await body<DevRequest>(privy.fetch(`/requests/${priv.requestId}`));
    expect(own).toMatchObject({ mine: true, budgetMicros: BUDGET_MICROS, budgetPublic: false, author: { id: 'a client', you: true, clientId: ID } });
    const listed = (await body<{ requests: DevRequest[] }>(privy.fetch('/requests?tag=privacy'))).requests;
    expect(listed.find((r) => r.requestId === priv.requestId)).toMatchObject({ mine: true, budgetMicros: BUDGET_MICROS });
    const ownThread = await body<ThreadDetail>(privy.fetch(`/threads/${thread.threadId}`));
    expect(ownThread.author).toEqual({ role: 'client', id: 'a client', you: true, clientId: ID });
    const fin = await body<DevRequest>(finance.fetch(`/requests/${priv.requestId}`));
    expect(fin).toMatchObject({ budgetMicros: BUDGET_MICROS, budgetPublic: false, author: { clientId: ID } });
    expect(fin).not.toHaveProperty('mine');
    expect(fin.author).not.toHaveProperty('you');
    expect((await body<ThreadDetail>(finance.fetch(`/threads/${thread.threadId}`))).author.clientId).toBe(ID);
  });

  it('its client makes a budget public or private again; others follow', async () => {
    expect(await errorOf(await privy.fetch(`/requests/${priv.requestId}`, { method: 'PUT', body: { budgetPublic: 'yes' } }))).toMatchObject({ status: 400, code: 'invalid_request' });
    expect(await errorOf(await other.fetch(`/requests/${priv.requestId}`, { method: 'PUT', body: { budgetPublic: true } }))).toMatchObject({ status: 403 });
    expect(await body<DevRequest>(privy.fetch(`/requests/${priv.requestId}`, { method: 'PUT', body: { budgetPublic: true } }))).toMatchObject({ budgetPublic: true });
    expect(await body<DevRequest>(fetch(`${t.url}/console/api/requests/${priv.requestId}`))).toMatchObject({ budgetMicros: BUDGET_MICROS });
    await body(privy.fetch(`/requests/${priv.requestId}`, { method: 'PUT', body: { budgetPublic: false } }));
    expect(await body<DevRequest>(fetch(`${t.url}/console/api/requests/${priv.requestId}`))).not.toHaveProperty('budget');
  });

  it('a display name set in the console is the author everywhere, old posts included; null makes the client "a client" again', async () => {
    expect(await body<ClientProfile>(privy.fetch('/client/profile'))).toEqual({ clientId: ID, displayName: null, shownAs: 'a client' });
    const named = await body<ClientProfile>(privy.fetch('/client/profile', { method: 'PUT', body: { displayName: '  Privy Logistics ' } }));
    expect(named).toEqual({ clientId: ID, displayName: 'Privy Logistics', shownAs: 'Privy Logistics' });
    expect(await body<ClientProfile>(privy.fetch('/client/profile'))).toMatchObject({ displayName: 'Privy Logistics' });

    const read = await body<ThreadDetail>(fetch(`${t.url}/console/api/threads/${thread.threadId}`));
    expect([read.author, ...read.posts.map((p) => p.author)].every((a) => a.role === 'client' && a.id === 'Privy Logistics' && a.clientId === undefined)).toBe(true);
    const all = await body<{ threads: ThreadSummary[] }>(other.fetch('/threads?feature=all'));
    expect(all.threads.find((x) => x.threadId === thread.threadId)?.author).toEqual({ role: 'client', id: 'Privy Logistics' });
    const requests = await body<{ requests: DevRequest[] }>(fetch(`${t.url}/console/api/requests?tag=privacy`));
    expect(requests.requests.map((r) => r.author)).toEqual([
      { role: 'client', id: 'Privy Logistics' },
      { role: 'client', id: 'Privy Logistics' },
    ]);
    for (const text of await asOthers('/requests')) expect(text).not.toContain(ID);

    expect(await body<ClientProfile>(privy.fetch('/client/profile', { method: 'PUT', body: { displayName: null } }))).toEqual({ clientId: ID, displayName: null, shownAs: 'a client' });
    expect((await body<DevRequest>(fetch(`${t.url}/console/api/requests/${pub.requestId}`))).author).toEqual({ role: 'client', id: 'a client' });
  });

  it('refuses display names that are too long, span lines, carry control characters or an e-mail address (400 invalid_request)', async () => {
    for (const displayName of ['x'.repeat(41), 'Privy\nLogistics', 'Privy\u0000', 'mail buyer@privy.example', 42, ['Privy']]) {
      expect(await errorOf(await privy.fetch('/client/profile', { method: 'PUT', body: { displayName } })), JSON.stringify(displayName)).toMatchObject({ status: 400, code: 'invalid_request' });
    }
    expect(await errorOf(await privy.fetch('/client/profile', { method: 'PUT', body: {} }))).toMatchObject({ status: 400, code: 'invalid_request' });
    // Only clients have a profile; the name stayed as it was.
    expect(await errorOf(await dave.fetch('/client/profile', { method: 'PUT', body: { displayName: 'Dave' } }))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await errorOf(await fetch(`${t.url}/console/api/client/profile`))).toMatchObject({ status: 401 });
    expect(await body<ClientProfile>(privy.fetch('/client/profile'))).toMatchObject({ displayName: null });
  });
});

describe('levels unlock trust', () => {
  /** `n` threads by a client, each answered by the developer and accepted: 20 help points each. */
  async function helpOut(dev: ConsoleSession, n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const thread = await body<ThreadDetail>(post(globex, '/threads', { title: `Question ${i}`, markdown: 'How?' }));
      const answer = await body<Post>(post(dev, `/threads/${thread.threadId}/posts`, { markdown: 'Like this.' }));
      await body(post(globex, `/threads/${thread.threadId}/accept`, { postId: answer.postId }));
    }
  }

  it('a developer who helped enough becomes a maintainer and may hide posts, then a mentor and may accept requests', async () => {
    const erin = await signUp(t, 'erin@dev.example', 'developer', { developerId: 'erin' });
    const thread = await body<ThreadDetail>(post(acme, '/threads', { title: 'Spam magnet', markdown: 'Hi' }));
    const spam = await body<Post>(post(dave, `/threads/${thread.threadId}/posts`, { markdown: 'spam' }));
    const request = await body<DevRequest>(post(acme, '/requests', { title: 'Mentor check', description: 'z' }));

    await helpOut(erin, 20); // 400 help points: score 400, help ≥ 100
    expect((await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/erin`))).level).toBe('maintainer');
    expect((await body<ThreadDetail>(erin.fetch(`/threads/${thread.threadId}`))).canModerate).toBe(true);
    expect(await body<Post>(post(erin, `/posts/${thread.threadId}/${spam.postId}/hide`, { hidden: true }))).toMatchObject({ hidden: true });
    expect(await errorOf(await post(erin, `/requests/${request.requestId}/accept`))).toMatchObject({ status: 403 });

    await helpOut(erin, 30); // 1000 help points: a mentor
    expect((await body<DeveloperLevel>(fetch(`${t.url}/console/api/developers/erin`))).level).toBe('mentor');
    expect(await body<DevRequest>(post(erin, `/requests/${request.requestId}/accept`))).toMatchObject({ acceptedBy: 'erin', status: 'open' });
  });
});

describe('developer levels', () => {
  it('usage points come from billable calls weighted by author weight, live before a close', async () => {
    const key = await t.newKey('levels');
    for (let i = 0; i < 30; i++) await (await t.call(key, '/v1/features/echo')).arrayBuffer();
    await t.platform.meter.settled();
    const env = { ...process.env, FAASCAPE_DATA_DIR: t.dataDir, FAASCAPE_FUNCTIONS_DIR: functionsDir };
    const { stdout } = await run(process.execPath, [CLI, 'developers', 'show', 'alice', '--json'], { env });
    const alice = JSON.parse(stdout) as DeveloperLevel;
    // echo is alice 2 : bob 1, so alice's share of its 30 billable calls is 20.
    expect(alice.weightedCalls).toBeCloseTo(20, 6);
    // 100 points per decade of weighted calls: ⌊100 · log10(1 + 20)⌋ = 132, a contributor.
    expect(alice.usagePoints).toBe(132);
    expect(alice.level).toBe('contributor');
    const bob = JSON.parse((await run(process.execPath, [CLI, 'developers', 'show', 'bob', '--json'], { env })).stdout) as DeveloperLevel;
    expect(bob.weightedCalls).toBeCloseTo(10, 6);
  });
});
