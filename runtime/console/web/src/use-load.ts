/**
 * Loads one API resource for a page: loading / loaded / failed, a reload, and a way to replace
 * the data with a fresher copy a mutation returned. A slow answer to an older request never
 * overwrites a newer one.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export type Load<T> = { state: 'loading' } | { state: 'ok'; data: T } | { state: 'error'; error: ApiError };

export interface Loader<T> {
  load: Load<T>;
  reload(): void;
  replace(data: T): void;
}

export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, 'unexpected', e instanceof Error ? e.message : String(e));
}

export function useLoad<T>(fetcher: () => Promise<T>, deps: readonly unknown[]): Loader<T> {
  const [load, setLoad] = useState<Load<T>>({ state: 'loading' });
  const generation = useRef(0);
  const [tick, setTick] = useState(0);
  // A reload keeps showing the current data until the fresh copy arrives; new deps do not.
  const reloading = useRef(false);

  useEffect(() => {
    const mine = ++generation.current;
    if (!reloading.current) setLoad({ state: 'loading' });
    reloading.current = false;
    fetcher().then(
      (data) => mine === generation.current && setLoad({ state: 'ok', data }),
      (e: unknown) => mine === generation.current && setLoad({ state: 'error', error: asApiError(e) }),
    );
    return () => {
      generation.current++;
    };
  }, [...deps, tick]);

  const reload = useCallback(() => {
    reloading.current = true;
    setTick((t) => t + 1);
  }, []);
  const replace = useCallback((data: T) => {
    generation.current++;
    setLoad({ state: 'ok', data });
  }, []);
  return { load, reload, replace };
}
