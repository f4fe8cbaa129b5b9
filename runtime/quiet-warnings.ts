/**
 * The AWS SDK warns on every start that its 2027 releases will need Node 22. We pin a release
 * that supports Node 20; the warning tells a newcomer nothing they can act on, so it is dropped.
 * Every other warning still prints.
 */
const original = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type === 'NodeVersionSupportWarning' || /NodeVersionSupportWarning/.test(text)) return;
  (original as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
