import { useState } from 'preact/hooks';
import { asApiError } from './use-load.ts';

/**
 * A form's save: busy while it runs, then a message for the live region — what was done, or the
 * server's own words when it refused (they say why, e.g. which rule a value broke).
 */
export function useSaving() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState({ text: '', error: false });
  const run = async <T,>(send: () => Promise<T>, done: (result: T) => string): Promise<void> => {
    setBusy(true);
    setMessage({ text: '', error: false });
    try {
      const result = await send();
      setMessage({ text: done(result), error: false });
    } catch (e) {
      setMessage({ text: asApiError(e).message, error: true });
    } finally {
      setBusy(false);
    }
  };
  return { busy, message, setMessage, run };
}
