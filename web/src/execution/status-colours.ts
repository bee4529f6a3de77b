/**
 * A node status's colours where the stylesheet cannot reach (the big graph's canvas, React Flow's
 * minimap): `stroke` is the stylesheet's `--<status>` colour, `fill` a pale tint of it.
 */
export const STATUS_COLOURS: Readonly<Record<string, { fill: string; stroke: string }>> = {
  pending: { fill: '#e5e7eb', stroke: '#9ca3af' },
  running: { fill: '#bfdbfe', stroke: '#2563eb' },
  waiting: { fill: '#e9d5ff', stroke: '#9333ea' },
  retrying: { fill: '#fde68a', stroke: '#d97706' },
  succeeded: { fill: '#bbf7d0', stroke: '#16a34a' },
  failed: { fill: '#fecaca', stroke: '#dc2626' },
  skipped: { fill: '#f3f4f6', stroke: '#d1d5db' },
  cancelled: { fill: '#fed7aa', stroke: '#ea580c' },
};

export const UNKNOWN_COLOURS = { fill: '#ffffff', stroke: '#999999' };
