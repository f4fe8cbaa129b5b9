/** A copy button with a spoken result; selects the source text when the browser refuses to copy. */
import { useState } from 'preact/hooks';
import { copyText, selectText } from '../clipboard.ts';

export function CopyButton({ text, label = 'Copy', sourceId, testId }: { text: string; label?: string; sourceId?: string; testId?: string }) {
  const [status, setStatus] = useState('');
  const copy = async () => {
    if (await copyText(text)) {
      setStatus('Copied.');
      return;
    }
    const source = sourceId ? document.getElementById(sourceId) : null;
    if (source) selectText(source);
    setStatus('Copying is blocked here: the text is selected, press Ctrl+C (⌘C).');
  };
  return (
    <span class="copy">
      <button type="button" class="secondary" onClick={copy} data-testid={testId}>
        {label}
      </button>
      <span class="copy-status" role="status" aria-live="polite">
        {status}
      </span>
    </span>
  );
}
