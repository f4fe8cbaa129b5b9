/**
 * Custom-development requests: clients ask for a feature that does not exist yet, clients and
 * developers vote, a developer plans and delivers it. The list is sorted by votes (server side).
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { DevRequest, RequestStatus } from '../../../community-types.ts';
import { CheckField, Field, TextAreaField } from '../components/field.tsx';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { community, type RequestFilter } from '../endpoints.ts';
import { formatCount } from '../format.ts';
import { formatEuros, parseEurosInput } from '../money.ts';
import { navigate, requestHref, signInHref } from '../router.ts';
import { useSession } from '../session.ts';
import { asApiError, useLoad } from '../use-load.ts';

export const STATUS_LABEL: Record<RequestStatus, string> = { open: 'Open', planned: 'Planned', delivered: 'Delivered', declined: 'Declined' };
const STATUSES = Object.keys(STATUS_LABEL) as RequestStatus[];

/** Same rule as the server (community-service.ts) and as shared/markdown.ts's MAX_MARKDOWN_CHARS. */
export const MAX_MARKDOWN = 20_000;
const TAG = /^[a-z0-9-]{1,32}$/;

export function StatusBadge({ status, testId }: { status: RequestStatus; testId?: string }) {
  return (
    <span class={`status request-${status}`} data-testid={testId} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  );
}

export function Tags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="tags" aria-label="Tags">
      {tags.map((t) => (
        <li key={t}>{t}</li>
      ))}
    </ul>
  );
}

/** The budget as this reader may see it: the server leaves out a budget its client kept private. */
export function budgetText(r: DevRequest): string {
  // Its client and finance (those the server tells the client id) see any budget: none means none.
  if (r.budgetMicros === undefined) return r.mine || r.author.clientId !== undefined ? 'No budget given' : 'No public budget';
  return formatEuros(r.budgetMicros);
}

/** To its client and finance (the only ones who get `budgetPublic`): who else sees the budget. */
export function budgetNote(r: DevRequest): string {
  if (r.budgetPublic !== false) return '';
  return r.mine ? ' (private: only you and the operator see it)' : ' (private: not shown to others)';
}

/** "Vote" / "Withdraw vote" for signed-in clients and developers; a sign-in link for everyone else who may vote. */
export function VoteButton({ r, onChange, onMessage }: { r: DevRequest; onChange: (r: DevRequest) => void; onMessage: (text: string, error: boolean) => void }) {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  if (session.status === 'loading') return null;
  if (session.status === 'signed-out') {
    return (
      <a href={signInHref(requestHref(r.requestId))} class="muted">
        Sign in to vote
      </a>
    );
  }
  if (session.info.role === 'finance') return null;
  const voted = r.voted === true;
  const press = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const updated = voted ? await community.unvote(r.requestId) : await community.vote(r.requestId);
      onChange(updated);
      onMessage(`${updated.voted ? 'Vote counted' : 'Vote withdrawn'} for “${updated.title}”: ${formatCount(updated.votes)} ${updated.votes === 1 ? 'vote' : 'votes'}.`, false);
    } catch (e) {
      onMessage(asApiError(e).message, true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      class={voted ? 'secondary' : undefined}
      aria-pressed={voted}
      aria-disabled={busy}
      aria-label={`${voted ? 'Withdraw your vote for' : 'Vote for'} ${r.title}`}
      onClick={() => void press()}
      data-testid={voted ? 'unvote-request' : 'vote-request'}
    >
      {voted ? 'Withdraw vote' : 'Vote'}
    </button>
  );
}

function RequestTable({ requests, onChange, onMessage }: { requests: DevRequest[]; onChange: (r: DevRequest) => void; onMessage: (text: string, error: boolean) => void }) {
  return (
    <Table columns={[{ label: 'Votes', numeric: true }, 'Request', 'Status', 'Tags', { label: 'Budget', numeric: true }, { label: 'Vote', srOnly: true }]} class="requests">
      <tbody>
        {requests.map((r) => (
          <tr key={r.requestId} data-testid="request-row" data-request-id={r.requestId} data-status={r.status}>
            <td class="num">
              <strong data-testid="request-votes">{formatCount(r.votes)}</strong>
            </td>
            <th scope="row" class="wrap">
              <a href={requestHref(r.requestId)}>{r.title}</a>
            </th>
            <td>
              <StatusBadge status={r.status} />
            </td>
            <td class="wrap">
              <Tags tags={r.tags} />
            </td>
            <td class="num">{r.budgetMicros === undefined ? '—' : formatEuros(r.budgetMicros)}</td>
            <td class="actions">{r.status === 'open' || r.status === 'planned' ? <VoteButton r={r} onChange={onChange} onMessage={onMessage} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Comma-separated tags as the API takes them, or an error message. */
function parseTags(text: string): string[] | string {
  const tags = [...new Set(text.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean))];
  const bad = tags.find((t) => !TAG.test(t));
  if (bad !== undefined) return `“${bad}” is not a tag: use lowercase letters, digits and dashes.`;
  if (tags.length > 10) return 'At most 10 tags.';
  return tags;
}

function NewRequestForm({ titleRef }: { titleRef: { current: HTMLInputElement | null } }) {
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [budget, setBudget] = useState('');
  // Private unless the client says so (issue #17): a budget is a negotiating position.
  const [budgetPublic, setBudgetPublic] = useState(false);
  const [tags, setTags] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState({ text: '', error: false });

  const submit = async (e: Event) => {
    e.preventDefault();
    const parsedTags = parseTags(tags);
    const amount = budget.trim() ? parseEurosInput(budget) : undefined;
    let problem = '';
    if (title.trim().length < 5) problem = 'Give the request a title of at least 5 characters.';
    else if (!description.trim()) problem = 'Describe what the feature should do.';
    else if (budget.trim() && amount === undefined) problem = 'Enter the budget in euros, such as 1500 or 1500.00, or leave it empty.';
    else if (typeof parsedTags === 'string') problem = parsedTags;
    if (problem || typeof parsedTags === 'string') {
      setMessage({ text: problem, error: true });
      return;
    }
    setBusy(true);
    setMessage({ text: 'Posting your request…', error: false });
    try {
      const created = await community.createRequest({ title: title.trim(), description, ...(amount ? { budget: amount, budgetPublic } : {}), tags: parsedTags });
      navigate(requestHref(created.requestId));
    } catch (err) {
      setMessage({ text: asApiError(err).message, error: true });
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={submit} aria-labelledby="new-request-heading">
      <h2 id="new-request-heading">New request</h2>
      <p class="muted">Describe a feature you would use. Developers vote and one of them may plan and build it.</p>
      <label for="new-request-title">Title</label>
      <input id="new-request-title" ref={titleRef} value={title} onInput={(e) => setTitle(e.currentTarget.value)} maxLength={140} required data-testid="new-request-title" />
      <TextAreaField
        id="new-request-description"
        label="Description"
        hint="Markdown: **bold**, lists, `code`, links."
        rows={6}
        maxLength={MAX_MARKDOWN}
        required
        value={description}
        onValue={setDescription}
        testId="new-request-description"
      />
      <Field id="new-request-budget" label="Budget in euros (optional)" inputMode="decimal" autocomplete="off" placeholder="e.g. 1500" value={budget} onValue={setBudget} testId="new-request-budget" />
      <CheckField id="new-request-budget-public" label="Show my budget publicly (otherwise only you and the operator see it)" checked={budgetPublic} onChecked={setBudgetPublic} testId="new-request-budget-public" />
      <Field id="new-request-tags" label="Tags, separated by commas" autocomplete="off" placeholder="e.g. iban, banking" value={tags} onValue={setTags} testId="new-request-tags" />
      <button type="submit" disabled={busy} data-testid="new-request-submit">
        {busy ? 'Posting…' : 'Post request'}
      </button>
      <LiveStatus message={message.text} error={message.error} />
    </form>
  );
}

const ANY = '';

export function RequestsPage() {
  const session = useSession();
  const role = session.status === 'signed-in' ? session.info.role : undefined;
  const [tag, setTag] = useState(ANY);
  const [status, setStatus] = useState<RequestStatus | typeof ANY>(ANY);
  const [mine, setMine] = useState(false);
  const filter: RequestFilter = { ...(tag ? { tag } : {}), ...(status ? { status } : {}), ...(mine && role === 'developer' ? { mine: true } : {}) };
  const loader = useLoad(() => community.requests(filter), [tag, status, mine && role === 'developer']);
  const [message, setMessage] = useState({ text: '', error: false });
  const titleRef = useRef<HTMLInputElement>(null);
  const tags = useMemo(() => {
    const all = new Set(loader.load.state === 'ok' ? loader.load.data.requests.flatMap((r) => r.tags) : []);
    if (tag) all.add(tag);
    return [...all].sort();
  }, [loader.load, tag]);

  const onChange = (updated: DevRequest) => {
    if (loader.load.state !== 'ok') return;
    // In place: re-sorting under the pointer would move the row the person just pressed.
    loader.replace({ requests: loader.load.data.requests.map((r) => (r.requestId === updated.requestId ? updated : r)) });
  };
  const onMessage = (text: string, error: boolean) => setMessage({ text, error });

  return (
    <section>
      <h1 tabIndex={-1}>Requests</h1>
      <p class="lead">Features clients would pay for and nobody has built yet, most wanted first.</p>
      <p class="links">
        <a href="#/discussions">Discussions</a>
        <a href="#/catalogue">Catalogue</a>
        {role === 'client' ? (
          <button type="button" class="secondary" onClick={() => (titleRef.current?.scrollIntoView({ block: 'center' }), titleRef.current?.focus())}>
            New request
          </button>
        ) : null}
      </p>
      <div class="filters" role="search" aria-label="Filter requests">
        <div class="form inline-form">
          <label for="request-status-filter">Status</label>
          <select id="request-status-filter" value={status} onChange={(e) => setStatus(e.currentTarget.value as RequestStatus | typeof ANY)} data-testid="request-status-filter">
            <option value={ANY}>All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        {role === 'developer' ? <CheckField id="requests-mine" label="In my features' tags" checked={mine} onChecked={setMine} testId="requests-mine" /> : null}
        {tags.length ? (
          <div class="chips" role="group" aria-label="Filter by tag">
            {tags.map((t) => (
              <button type="button" key={t} class="chip" aria-pressed={tag === t} onClick={() => setTag(tag === t ? ANY : t)} data-testid={`request-tag-${t}`}>
                {t}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      <LiveStatus message={message.text} error={message.error} />
      <LoadView loader={loader} loading="Loading requests…">
        {(d) => (
          <>
            <p class="muted" role="status" aria-live="polite">
              {d.requests.length === 1 ? '1 request' : `${formatCount(d.requests.length)} requests`}
              {tag || status || (mine && role === 'developer') ? ' match the filters' : ''}
            </p>
            {d.requests.length ? <RequestTable requests={d.requests} onChange={onChange} onMessage={onMessage} /> : <p>No request yet{tag || status ? ' with these filters' : ''}.</p>}
          </>
        )}
      </LoadView>
      {role === 'client' ? (
        <NewRequestForm titleRef={titleRef} />
      ) : session.status === 'signed-out' ? (
        <p>
          <a href={signInHref('#/requests')}>Sign in</a> with a client account to post a request, or as a developer to vote.
        </p>
      ) : null}
    </section>
  );
}
