/**
 * One thread: its posts in order (server-rendered, sanitized HTML), the accepted answer marked,
 * and what the signed-in account may do: reply, edit its own recent posts, accept an answer
 * (the thread's author or the feature's authors), hide posts (maintainers and finance).
 */
import { useEffect, useState } from 'preact/hooks';
import type { Post, ThreadDetail } from '../../../community-types.ts';
import { TextAreaField } from '../components/field.tsx';
import { ServerHtml } from '../components/html.tsx';
import { AuthorName } from '../components/level.tsx';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { community } from '../endpoints.ts';
import { formatDateTime } from '../format.ts';
import { featureHref, signInHref, threadHref } from '../router.ts';
import { useSession } from '../session.ts';
import { asApiError, useLoad } from '../use-load.ts';
import { MAX_MARKDOWN } from './requests.tsx';

type Say = (text: string, error: boolean) => void;

function EditForm({ post, onSaved, onCancel, say }: { post: Post; onSaved: (p: Post) => void; onCancel: () => void; say: Say }) {
  const [text, setText] = useState(post.markdown ?? '');
  const [busy, setBusy] = useState(false);
  const id = `edit-${post.postId}`;
  useEffect(() => document.getElementById(id)?.focus(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) {
      say('A post cannot be empty.', true);
      return;
    }
    setBusy(true);
    try {
      onSaved(await community.editPost(post.threadId, post.postId, text));
      say('Post saved.', false);
    } catch (err) {
      say(asApiError(err).message, true);
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={submit}>
      <TextAreaField id={id} label="Edit your post" rows={5} maxLength={MAX_MARKDOWN} required value={text} onValue={setText} testId="edit-body" />
      <div class="row">
        <button type="submit" disabled={busy} data-testid="edit-save">
          Save
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function PostView({
  post,
  index,
  thread,
  onPost,
  onThread,
  say,
}: {
  post: Post;
  index: number;
  thread: ThreadDetail;
  onPost: (p: Post) => void;
  onThread: (t: ThreadDetail) => void;
  say: Say;
}) {
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const act = async (work: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    try {
      await work();
    } catch (e) {
      say(asApiError(e).message, true);
    } finally {
      setBusy(false);
    }
  };
  const accept = () =>
    act(async () => {
      onThread(await community.acceptAnswer(thread.threadId, post.postId));
      say('Answer accepted.', false);
    });
  const hide = (hidden: boolean) =>
    act(async () => {
      onPost(await community.hidePost(thread.threadId, post.postId, hidden));
      say(hidden ? 'Post hidden.' : 'Post shown again.', false);
    });
  const label = index === 0 ? 'Question' : `Reply ${index}`;
  return (
    <article
      class={`post${post.accepted ? ' post-accepted' : ''}${post.hidden ? ' post-hidden' : ''}`}
      aria-label={`${label}${post.accepted ? ', accepted answer' : ''}`}
      data-testid="post"
      data-post-id={post.postId}
      data-accepted={post.accepted}
      data-hidden={post.hidden}
    >
      <header class="post-head">
        <AuthorName author={post.author} />
        <time dateTime={new Date(post.createdAt).toISOString()}>{formatDateTime(post.createdAt)}</time>
        {post.editedAt ? (
          <span class="muted" title={`Edited ${formatDateTime(post.editedAt)}`}>
            edited
          </span>
        ) : null}
        {post.accepted ? (
          <span class="status status-ok" data-testid="accepted-answer">
            ✓ Accepted answer
          </span>
        ) : null}
      </header>
      {post.hidden ? (
        <p class="muted" data-testid="post-hidden">
          <em>This post was hidden by a moderator.</em>
        </p>
      ) : editing ? (
        <EditForm
          post={post}
          onSaved={(p) => {
            setEditing(false);
            onPost(p);
          }}
          onCancel={() => setEditing(false)}
          say={say}
        />
      ) : post.html !== undefined ? (
        <ServerHtml html={post.html} />
      ) : null}
      <div class="row post-actions">
        {post.canEdit && !editing ? (
          <button type="button" class="secondary" onClick={() => setEditing(true)} data-testid="edit-post">
            Edit
          </button>
        ) : null}
        {thread.canAccept && index > 0 && !post.hidden && !post.accepted ? (
          <button type="button" class="secondary" aria-disabled={busy} onClick={() => void accept()} data-testid="accept-answer">
            Accept answer
          </button>
        ) : null}
        {thread.canModerate ? (
          <button type="button" class="secondary" aria-disabled={busy} onClick={() => void hide(!post.hidden)} data-testid={post.hidden ? 'unhide-post' : 'hide-post'}>
            {post.hidden ? 'Unhide' : 'Hide'}
          </button>
        ) : null}
      </div>
    </article>
  );
}

function ReplyForm({ thread, onPost, say }: { thread: ThreadDetail; onPost: (p: Post) => void; say: Say }) {
  const session = useSession();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  if (session.status === 'loading') return null;
  if (session.status === 'signed-out') {
    return (
      <p>
        <a href={signInHref(threadHref(thread.threadId))}>Sign in</a> to reply.
      </p>
    );
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) {
      say('Write your reply first.', true);
      return;
    }
    setBusy(true);
    say('Posting your reply…', false);
    try {
      onPost(await community.reply(thread.threadId, text));
      setText('');
      say('Reply posted.', false);
    } catch (err) {
      say(asApiError(err).message, true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={submit}>
      <TextAreaField id="reply-body" label="Your reply" hint="Markdown: **bold**, lists, `code`, links." rows={5} maxLength={MAX_MARKDOWN} required value={text} onValue={setText} testId="reply-body" />
      <button type="submit" disabled={busy} data-testid="reply-submit">
        {busy ? 'Posting…' : 'Reply'}
      </button>
    </form>
  );
}

function Thread({ t, onChange }: { t: ThreadDetail; onChange: (t: ThreadDetail) => void }) {
  const [message, setMessage] = useState({ text: '', error: false });
  const say: Say = (text, error) => setMessage({ text, error });
  const onPost = (p: Post) => {
    const known = t.posts.some((x) => x.postId === p.postId);
    const posts = known ? t.posts.map((x) => (x.postId === p.postId ? p : x)) : [...t.posts, p];
    onChange({ ...t, posts, replies: posts.length - 1 });
  };
  return (
    <>
      <h1 tabIndex={-1}>{t.title}</h1>
      <p class="muted">
        {t.featureSlug ? (
          <>
            About <a href={featureHref(t.featureSlug)}>{t.featureSlug}</a>
          </>
        ) : (
          <a href="#/discussions">General discussion</a>
        )}
        {t.answered ? (
          <>
            {' · '}
            <span class="status status-ok">Answered</span>
          </>
        ) : null}
      </p>
      <ol class="posts">
        {t.posts.map((p, i) => (
          <li key={p.postId}>
            <PostView post={p} index={i} thread={t} onPost={onPost} onThread={onChange} say={say} />
          </li>
        ))}
      </ol>
      <LiveStatus message={message.text} error={message.error} />
      <h2>Reply</h2>
      <ReplyForm thread={t} onPost={onPost} say={say} />
      <p>
        <a href={t.featureSlug ? featureHref(t.featureSlug) : '#/discussions'}>← {t.featureSlug ? `Back to ${t.featureSlug}` : 'All discussions'}</a>
      </p>
    </>
  );
}

export function ThreadPage({ id }: { id: string }) {
  const loader = useLoad(() => community.thread(id), [id]);
  return (
    <section>
      <LoadView loader={loader} loading="Loading the thread…" notFound={{ title: 'No such thread', back: { href: '#/discussions', label: '← All discussions' } }}>
        {(t) => <Thread t={t} onChange={loader.replace} />}
      </LoadView>
    </section>
  );
}
