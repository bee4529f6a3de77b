import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Checks c8's json-summary against DESIGN's coverage targets (context 90%, retry 95%,
 * executor 85%, each node type 80%), lines and functions both, prints one row per area and
 * exits non-zero when an area is below. `npm run coverage` runs it after the suite:
 *   node dist/test/support/coverage-targets.js coverage/coverage-summary.json
 */

export interface Counts {
  total: number;
  covered: number;
}

/** One file's entry in c8's (istanbul's) coverage-summary.json. */
export interface FileSummary {
  lines: Counts;
  functions: Counts;
}

export interface Area {
  name: string;
  target: number;
  /** Does this source path (relative to the repository root, `/`-separated) belong here? */
  has(relative: string): boolean;
}

export interface AreaResult {
  name: string;
  target: number;
  files: number;
  lines: Counts;
  functions: Counts;
  /** Whether both lines and functions reach the target (an area with no files fails: it was never loaded). */
  met: boolean;
}

const under = (prefix: string) => (p: string) => p.startsWith(prefix);

/** DESIGN "Tests": the plan's targets. Node types are found from the plugins/ folders present. */
export function designAreas(nodeTypes: readonly string[]): Area[] {
  return [
    { name: 'context', target: 90, has: under('core/context/') },
    { name: 'retry', target: 95, has: (p) => /^core\/executor\/retry-[^/]+\.ts$/.test(p) },
    { name: 'executor', target: 85, has: under('core/executor/') },
    ...nodeTypes.map((t) => ({ name: `plugins/${t}`, target: 80, has: under(`plugins/${t}/`) })),
  ];
}

export function pct(c: Counts): number {
  return c.total === 0 ? 100 : (100 * c.covered) / c.total;
}

export function measure(summary: Record<string, FileSummary>, root: string, areas: readonly Area[]): AreaResult[] {
  return areas.map((area) => {
    const lines: Counts = { total: 0, covered: 0 };
    const functions: Counts = { total: 0, covered: 0 };
    let files = 0;
    for (const [file, s] of Object.entries(summary)) {
      if (file === 'total') continue;
      const relative = path.relative(root, file).split(path.sep).join('/');
      if (!area.has(relative)) continue;
      files += 1;
      lines.total += s.lines.total;
      lines.covered += s.lines.covered;
      functions.total += s.functions.total;
      functions.covered += s.functions.covered;
    }
    const met = files > 0 && pct(lines) >= area.target && pct(functions) >= area.target;
    return { name: area.name, target: area.target, files, lines, functions, met };
  });
}

export function formatTable(results: readonly AreaResult[]): string {
  const cell = (c: Counts) => `${pct(c).toFixed(1)}% (${c.covered}/${c.total})`;
  const rows = [
    ['area', 'target', 'lines', 'functions', ''],
    ...results.map((r) => [r.name, `${r.target}%`, cell(r.lines), cell(r.functions), r.files === 0 ? 'NO FILES' : r.met ? 'ok' : 'BELOW']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows
    .map((row) =>
      row
        .map((v, i) => v.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function main(summaryPath: string): number {
  const root = path.resolve(__dirname, '..', '..', '..');
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Record<string, FileSummary>;
  const nodeTypes = readdirSync(path.join(root, 'plugins'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const results = measure(summary, root, designAreas(nodeTypes));
  console.log(`\ncoverage against DESIGN's targets (lines and functions):\n${formatTable(results)}`);
  const below = results.filter((r) => !r.met).map((r) => r.name);
  if (below.length > 0) console.error(`\ncoverage below target: ${below.join(', ')}`);
  return below.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv[2] ?? 'coverage/coverage-summary.json');
