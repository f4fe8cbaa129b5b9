/** Level badges and author names: who wrote something, linked to their profile when a developer. */
import { ANONYMOUS_CLIENT, type Author, type LevelName } from '../../../community-types.ts';
import { useLevels } from '../levels.ts';
import { developerHref } from '../router.ts';

export function LevelBadge({ level, testId = 'author-level' }: { level: LevelName; testId?: string }) {
  return (
    <span class={`level level-${level}`} data-testid={testId} data-level={level}>
      <span class="sr-only">level </span>
      {level}
    </span>
  );
}

/** A developer id linked to their profile, with their level when known. */
export function DeveloperName({ id, level }: { id: string; level?: LevelName }) {
  return (
    <span class="author">
      <a href={developerHref(id)}>{id}</a>
      {level ? <LevelBadge level={level} /> : null}
    </span>
  );
}

/** The author of a post or thread as others see them. */
export function AuthorName({ author }: { author: Author }) {
  if (author.role === 'developer') {
    return (
      <span class="author">
        <span class="muted">developer </span>
        <a href={developerHref(author.id)}>{author.id}</a>
        {author.level ? <LevelBadge level={author.level} /> : null}
      </span>
    );
  }
  if (author.role === 'finance') return <span class="author">Faascape operator</span>;
  // A client is its public display name, or "a client": the server never sends others its id.
  return (
    <span class="author" data-testid="author-client">
      {author.id === ANONYMOUS_CLIENT ? (
        author.id
      ) : (
        <>
          <span class="muted">client </span>
          {author.id}
        </>
      )}
      {author.you ? <span class="muted"> (you)</span> : null}
    </span>
  );
}

/** A feature's authors, each linked to their profile with their level (GET /developers, once). */
export function FeatureAuthors({ authors }: { authors: readonly { id: string }[] }) {
  const levels = useLevels();
  return (
    <span class="authors">
      {authors.map((a, i) => (
        <span key={a.id}>
          {i > 0 ? ', ' : null}
          <DeveloperName id={a.id} level={levels?.get(a.id)} />
        </span>
      ))}
    </span>
  );
}
