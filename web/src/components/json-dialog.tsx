import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorBanner } from './error-banner';

interface JsonDialogProps {
  title: ReactNode;
  /** The textarea's label. */
  label: string;
  initialText?: string;
  rows?: number;
  submitLabel: string;
  busyLabel: string;
  /** The banner's title when `onSubmit` throws (the API refused). */
  refusedTitle: string;
  /** Turns the parsed JSON (`undefined` for an empty box) into what `onSubmit` takes; throws an Error to refuse it. */
  accept: (value: unknown) => unknown;
  /** Sends it; the dialog closes when this resolves and shows the error when it throws. */
  onSubmit: (value: unknown) => Promise<void>;
  onClose: () => void;
}

/** A modal with one JSON text box (a run's inputs, a signal's payload): parse errors and API refusals shown in place. */
export function JsonDialog({
  title,
  label,
  initialText = '',
  rows = 8,
  submitLabel,
  busyLabel,
  refusedTitle,
  accept,
  onSubmit,
  onClose,
}: JsonDialogProps) {
  const id = useId();
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState(initialText);
  const [error, setError] = useState<unknown>(null);
  const [refused, setRefused] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);

  // never rejects (a failure is shown as this dialog's error), so the form calls it with `void`
  async function submit(e: FormEvent) {
    e.preventDefault();
    let value: unknown;
    try {
      value = accept(text.trim() ? JSON.parse(text) : undefined);
    } catch (err) {
      setRefused(false);
      return setError(err);
    }
    setBusy(true);
    try {
      await onSubmit(value);
      onClose();
    } catch (err) {
      setRefused(true);
      setError(err);
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} className="dialog" onClose={onClose} aria-labelledby={`${id}-title`}>
      <form onSubmit={(e) => void submit(e)}>
        <h2 id={`${id}-title`}>{title}</h2>
        <label htmlFor={`${id}-text`}>{label}</label>
        <textarea
          id={`${id}-text`}
          rows={rows}
          value={text}
          onChange={(e) => (setText(e.target.value), setError(null))}
          spellCheck={false}
          className="mono"
        />
        <ErrorBanner error={error} title={refused ? refusedTitle : 'Check the JSON'} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? busyLabel : submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
