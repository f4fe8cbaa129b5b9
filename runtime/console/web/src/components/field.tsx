/** A labelled input: the label's `for` and the input's `id` are one value, so they stay a pair. */
import type { ComponentChildren, JSX } from 'preact';

type InputProps = Omit<JSX.InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onInput' | 'label'>;

export function Field({
  id,
  label,
  value,
  onValue,
  testId,
  ...input
}: InputProps & { id: string; label: ComponentChildren; value: string; onValue: (value: string) => void; testId?: string }) {
  return (
    <>
      <label for={id}>{label}</label>
      <input id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} data-testid={testId} {...input} />
    </>
  );
}

type TextAreaProps = Omit<JSX.TextareaHTMLAttributes<HTMLTextAreaElement>, 'id' | 'value' | 'onInput' | 'label'>;

/** A labelled textarea (markdown posts, descriptions), with an optional hint tied by aria-describedby. */
export function TextAreaField({
  id,
  label,
  hint,
  value,
  onValue,
  testId,
  ...area
}: TextAreaProps & { id: string; label: ComponentChildren; hint?: ComponentChildren; value: string; onValue: (value: string) => void; testId?: string }) {
  return (
    <>
      <label for={id}>{label}</label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      <textarea id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} aria-describedby={hint ? `${id}-hint` : undefined} data-testid={testId} {...area} />
    </>
  );
}

/** A labelled checkbox, the label after the box. */
export function CheckField({ id, label, checked, onChecked, testId }: { id: string; label: ComponentChildren; checked: boolean; onChecked: (checked: boolean) => void; testId?: string }) {
  return (
    <div class="check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChecked(e.currentTarget.checked)} data-testid={testId} />
      <label for={id}>{label}</label>
    </div>
  );
}
