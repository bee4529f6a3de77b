import { useState } from 'react';

/** Entries shown per object/array level before a "show more" button. */
const PAGE = 50;
/** Characters of a string shown before it is folded. */
const STRING_FOLD = 300;

/**
 * A folded JSON view: children render only when opened and at most {@link PAGE} at a time, long
 * strings are cut, so a multi-megabyte output opens at once instead of freezing the page.
 */
export function JsonTree({ value, label, open = true }: { value: unknown; label?: string; open?: boolean }) {
  return (
    <div className="json-tree">
      <JsonNode value={value} name={label} depth={0} initiallyOpen={open} />
    </div>
  );
}

function JsonNode({ value, name, depth, initiallyOpen }: { value: unknown; name?: string; depth: number; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const [shown, setShown] = useState(PAGE);
  const key = name !== undefined ? <span className="json-key">{name}: </span> : null;
  if (value === null || typeof value !== 'object') {
    return (
      <div className="json-row">
        {key}
        <Scalar value={value} />
      </div>
    );
  }
  const isArray = Array.isArray(value);
  const entries: Array<[string, unknown]> = isArray ? (value as unknown[]).map((v, i) => [String(i), v]) : Object.entries(value);
  const summary = isArray ? `[${entries.length}]` : `{${entries.length}}`;
  return (
    <div className="json-row">
      <button type="button" className="json-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? '▾' : '▸'} {key}
        <span className="json-summary">{summary}</span>
      </button>
      {open && (
        <div className="json-children">
          {entries.slice(0, shown).map(([k, v]) => (
            <JsonNode key={k} name={k} value={v} depth={depth + 1} initiallyOpen={depth < 1 && entries.length <= 20} />
          ))}
          {entries.length > shown && (
            <button type="button" className="link-button" onClick={() => setShown(shown + PAGE * 4)}>
              show {Math.min(PAGE * 4, entries.length - shown)} more of {entries.length - shown}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  const [full, setFull] = useState(false);
  if (typeof value === 'string') {
    if (value.length <= STRING_FOLD || full) return <span className="json-string">"{value}"</span>;
    return (
      <span className="json-string">
        "{value.slice(0, STRING_FOLD)}…"{' '}
        <button type="button" className="link-button" onClick={() => setFull(true)}>
          show all {value.length.toLocaleString()} characters
        </button>
      </span>
    );
  }
  return <span className={`json-${value === null ? 'null' : typeof value}`}>{String(value)}</span>;
}
