/** One figure of a `<dl>` (quality signals, statement totals, feature facts): its label and value. */
import type { ComponentChildren } from 'preact';

export function Stat({ label, testId, children }: { label: ComponentChildren; testId?: string; children: ComponentChildren }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}
