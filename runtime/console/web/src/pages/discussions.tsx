/**
 * Discussions: the general threads (#/discussions) and each feature's threads (on its catalogue
 * page), with the form to start one. Reading is public; writing needs an account.
 */
import { useState } from 'preact/hooks';
import type { ThreadSummary } from '../../../community-types.ts';
import { CheckField, Field, TextAreaField } from '../components/field.tsx';
import { AuthorName } from '../components/level.tsx';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { community } from '../endpoints.ts';
import { formatCount, formatDateTime } from '../format.ts';
import { featureHref, navigate, signInHref, threadHref } from '../router.ts';
import { useSession } from '../session.ts';
import { asApiError, useLoad } from '../use-load.ts';
import { MAX_MARKDOWN } from './requests.tsx';

/** Threads in a table; `showFeature` adds the column naming each thread's feature (or "General"). */
export function ThreadList({ threads, showFeature = false, empty = 'No thread yet. Ask the first question.' }: { threads: ThreadSummary[]; showFeature?: boolean; empty?: string }) {
  if (threads.length === 0) return <p class="muted">{empty}</p>;
  return (
    <Table columns={['Thread', ...(showFeature ? ['About'] : []), 'Started by', { label: 'Replies', numeric: true }, 'Answered', 'Started']}>
      <tbody>
        {threads.map((t) => (
          <tr key={t.threadId} data-testid="thread-row" data-thread-id={t.threadId} data-feature={t.featureSlug ?? ''}>
            <th scope="row" class="wrap">
              <a href={threadHref(t.threadId)}>{t.title}</a>
            </th>
            {showFeature ? <td>{t.featureSlug ? <a href={featureHref(t.featureSlug)}>{t.featureSlug}</a> : <span class="muted">General</span>}</td> : null}
            <td>
              <AuthorName author={t.author} />
            </td>
            <td class="num">{formatCount(t.replies)}</td>
            <td>{t.answered ? <span class="status status-ok">Answered</span> : <span class="muted">No</span>}</td>
            <td>{formatDateTime(t.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Start a thread; `featureSlug` makes it one of that feature's threads. */
export function NewThreadForm({ featureSlug, canReview = false, backHash }: { featureSlug?: string; canReview?: boolean; backHash: string }) {
  const session = useSession();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [review, setReview] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState({ text: '', error: false });

  if (session.status === 'loading') return null;
  if (session.status === 'signed-out') {
    return (
      <p>
        <a href={signInHref(backHash)}>Sign in</a> to start a thread or reply.
      </p>
    );
  }

  const submit = async (e: Event) => {
    e.preventDefault();
    if (title.trim().length < 3) {
      setMessage({ text: 'Give the thread a title of at least 3 characters.', error: true });
      return;
    }
    if (!body.trim()) {
      setMessage({ text: 'Write the first post of the thread.', error: true });
      return;
    }
    setBusy(true);
    setMessage({ text: 'Starting the thread…', error: false });
    try {
      const t = await community.createThread({ title: title.trim(), markdown: body, ...(featureSlug ? { featureSlug } : {}), ...(canReview && review ? { review: true } : {}) });
      navigate(threadHref(t.threadId));
    } catch (err) {
      setMessage({ text: asApiError(err).message, error: true });
      setBusy(false);
    }
  };

  return (
    <form class="form" onSubmit={submit} aria-labelledby="new-thread-heading">
      <h3 id="new-thread-heading">New thread</h3>
      <Field id="new-thread-title" label="Title" maxLength={140} required value={title} onValue={setTitle} testId="new-thread-title" />
      <TextAreaField
        id="new-thread-body"
        label="Your post"
        hint="Markdown: **bold**, lists, `code`, links."
        rows={5}
        maxLength={MAX_MARKDOWN}
        required
        value={body}
        onValue={setBody}
        testId="new-thread-body"
      />
      {canReview ? (
        <CheckField id="new-thread-review" label="This is a review of the feature (one per feature counts towards your help points)" checked={review} onChecked={setReview} testId="new-thread-review" />
      ) : null}
      <button type="submit" disabled={busy} data-testid="new-thread-submit">
        {busy ? 'Starting…' : 'Start thread'}
      </button>
      <LiveStatus message={message.text} error={message.error} />
    </form>
  );
}

/** The "Discussions" section of a feature page. */
export function FeatureDiscussions({ slug, authorIds }: { slug: string; authorIds: string[] }) {
  const session = useSession();
  const loader = useLoad(() => community.threads(slug), [slug]);
  // Reviews are written by developers about other developers' features (the server checks too).
  const canReview = session.status === 'signed-in' && session.info.role === 'developer' && !authorIds.includes(session.info.developerId ?? '');
  return (
    <>
      <h2>Discussions</h2>
      <LoadView loader={loader} loading="Loading the discussions…">
        {(d) => <ThreadList threads={d.threads} />}
      </LoadView>
      <NewThreadForm featureSlug={slug} canReview={canReview} backHash={featureHref(slug)} />
    </>
  );
}

export function DiscussionsPage() {
  // Every thread: the general ones and each feature's (those are started on the feature's page).
  const loader = useLoad(() => community.allThreads(), []);
  return (
    <section>
      <h1 tabIndex={-1}>Discussions</h1>
      <p class="lead">Questions and ideas, general and about each feature. To ask about one feature, start the thread on its catalogue page.</p>
      <p class="links">
        <a href="#/requests">Requests</a>
        <a href="#/catalogue">Catalogue</a>
      </p>
      <LoadView loader={loader} loading="Loading the discussions…">
        {(d) => <ThreadList threads={d.threads} showFeature />}
      </LoadView>
      <NewThreadForm backHash="#/discussions" />
    </section>
  );
}
