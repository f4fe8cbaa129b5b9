/**
 * Who is signed in, as one small store: the header, the route guard and the pages all read
 * it, and sign-in, sign-out and a 401 from any call change it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from '../../api-types.ts';
import { setCsrfToken } from './api.ts';

export type SessionState = { status: 'loading' } | { status: 'signed-out' } | { status: 'signed-in'; info: SessionInfo };

let state: SessionState = { status: 'loading' };
const subscribers = new Set<(s: SessionState) => void>();

/** The state now, outside a component (the 401 listener: was anyone signed in?). */
export function currentSession(): SessionState {
  return state;
}

export function setSession(info: SessionInfo | null): void {
  state = info ? { status: 'signed-in', info } : { status: 'signed-out' };
  setCsrfToken(info?.csrfToken);
  for (const s of subscribers) s(state);
}

export function useSession(): SessionState {
  const [s, set] = useState(state);
  useEffect(() => {
    subscribers.add(set);
    set(state); // it may have changed between render and effect
    return () => {
      subscribers.delete(set);
    };
  }, []);
  return s;
}
