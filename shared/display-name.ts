/**
 * A client's public display name: what the community shows of a client instead of its client id
 * (issue #17). Optional: a client without one is shown as "a client" (ANONYMOUS_CLIENT in
 * runtime/console/community-types.ts). Pure rules only.
 */
import { UNPRINTABLE } from './control-chars.ts';
import { DomainError } from './errors.ts';

export const MAX_DISPLAY_NAME_CHARS = 40;

// A name is public: an e-mail address in it would publish what the client chose not to (and
// invite spam); anything shaped like one is refused, not only valid addresses.
const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[^\s@]+/;

/**
 * The display name to store from what a client sent: trimmed, NFC; null (anonymous) for null or
 * a blank string. Throws invalid_request for anything else that is not a 1–40 character name.
 */
export function parseDisplayName(raw: unknown): string | null {
  if (raw === null) return null;
  if (typeof raw !== 'string') throw new DomainError('invalid_request', '"displayName" is a string, or null to be shown as "a client".');
  const name = raw.normalize('NFC').trim();
  if (name === '') return null;
  if ([...name].length > MAX_DISPLAY_NAME_CHARS) throw new DomainError('invalid_request', `The display name has at most ${MAX_DISPLAY_NAME_CHARS} characters.`);
  if (UNPRINTABLE.test(name)) throw new DomainError('invalid_request', 'The display name cannot contain control characters or line breaks.');
  if (EMAIL_LIKE.test(name)) throw new DomainError('invalid_request', 'The display name is public: it cannot be an e-mail address.');
  return name;
}
