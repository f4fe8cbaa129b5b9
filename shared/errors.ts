/**
 * What went wrong, in the terms of whoever asked: the request is not valid, names nothing that
 * exists, conflicts with the current state, or is not theirs to make. The HTTP status each kind
 * gets is decided in one place (runtime/gateway/errors.ts); the CLI prints the message as is.
 */
export type ErrorKind = 'invalid_request' | 'not_found' | 'conflict' | 'forbidden';

/**
 * A rule of the domain said no: the message is written for the person who asked and is safe to
 * show them. Anything thrown that is not a DomainError (nor a PlatformError) is a bug or an outage:
 * it is logged and answered with a generic 500.
 */
export class DomainError extends Error {
  override readonly name: string = 'DomainError';
  /** a more specific, stable reason than the kind, for callers that act on it; the kind when none */
  readonly code: string;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options: { code?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code ?? kind;
  }
}
