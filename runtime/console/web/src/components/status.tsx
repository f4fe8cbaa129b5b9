/** Loading, error and banner blocks, and LoadView: one way every page shows a resource's state. */
import type { ComponentChildren, JSX } from 'preact';
import type { ApiError } from '../api.ts';
import type { Loader } from '../use-load.ts';

export function Loading({ what = 'Loading…' }: { what?: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      {what}
    </p>
  );
}

export function ErrorBox({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  return (
    <div class="banner banner-error" role="alert">
      <p>
        {error.message}
        {error.status > 0 ? <span class="muted"> ({error.status} {error.code})</span> : null}
      </p>
      {onRetry ? (
        <button type="button" class="secondary" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export type BannerKind = 'ok' | 'info' | 'warning' | 'error';

/** Errors interrupt (role=alert); the rest are polite status messages. */
export function Banner({ kind, children, testId }: { kind: BannerKind; children: ComponentChildren; testId?: string }) {
  return (
    <div class={`banner banner-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}

/** What a page shows when the thing it names does not exist (a 404): no retry, a way back. */
export interface NotFound {
  title: string;
  back?: { href: string; label: string };
}

export function LoadView<T>({ loader, children, loading, notFound }: { loader: Loader<T>; children: (data: T) => JSX.Element; loading?: string; notFound?: NotFound }) {
  const { load } = loader;
  if (load.state === 'loading') return <Loading what={loading} />;
  if (load.state === 'error' && load.error.status === 404 && notFound) {
    return (
      <>
        <h1 tabIndex={-1}>{notFound.title}</h1>
        <ErrorBox error={load.error} />
        {notFound.back ? (
          <p>
            <a href={notFound.back.href}>{notFound.back.label}</a>
          </p>
        ) : null}
      </>
    );
  }
  if (load.state === 'error') return <ErrorBox error={load.error} onRetry={loader.reload} />;
  return children(load.data);
}

/** A polite live region for the outcome of a button press ("Saved.", "Copied."). */
export function LiveStatus({ message, error }: { message: string; error?: boolean }) {
  return (
    <p class={error ? 'live live-error' : 'live'} aria-live={error ? 'assertive' : 'polite'} role={error ? 'alert' : 'status'}>
      {message}
    </p>
  );
}
