import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(full).isDirectory()) out.push(...sources(full));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|require\(|import\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Which top-level area a relative import lands in. */
function target(file: string, spec: string): string | null {
  // package.json is read at run time relative to dist/, so its source-relative path differs
  if (!spec.startsWith('.') || spec.endsWith('/package.json')) return null;
  const rel = path.relative(root, path.resolve(path.dirname(file), spec));
  return rel.split(path.sep)[0]!;
}

describe('dependency direction (plugins → core ← runtime ← api)', () => {
  const rules: Record<string, string[]> = {
    core: ['core'],
    plugins: ['core', 'plugins'],
    runtime: ['core', 'runtime', 'package.json'],
    api: ['core', 'runtime', 'api', 'package.json'],
  };
  for (const [area, allowed] of Object.entries(rules)) {
    it(`${area}/ imports only ${allowed.join(', ')}`, () => {
      const bad: string[] = [];
      for (const file of sources(path.join(root, area))) {
        for (const spec of imports(file)) {
          const t = target(file, spec);
          if (t !== null && !allowed.includes(t)) bad.push(`${path.relative(root, file)} → ${spec}`);
        }
      }
      assert.deepEqual(bad, []);
    });
  }

  it('a plugin imports no other plugin (each is its own package)', () => {
    const bad: string[] = [];
    for (const file of sources(path.join(root, 'plugins'))) {
      const own = path.relative(root, file).split(path.sep)[1];
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const rel = path.relative(root, path.resolve(path.dirname(file), spec)).split(path.sep);
        if (rel[0] === 'plugins' && rel[1] !== own) bad.push(`${path.relative(root, file)} → ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('core/ has no import cycle, type-only imports included (tokens.ts sits above what it lists)', () => {
    const graph = new Map<string, string[]>();
    for (const file of sources(path.join(root, 'core'))) {
      const deps = imports(file)
        .filter((spec) => spec.startsWith('.'))
        .map((spec) => path.resolve(path.dirname(file), spec) + '.ts');
      graph.set(
        file,
        deps.filter((d) => d !== file),
      );
    }
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    // iterative depth-first search: a back edge to an open file closes a cycle
    for (const start of graph.keys()) {
      if (state.has(start)) continue;
      const stack: Array<{ file: string; next: number }> = [{ file: start, next: 0 }];
      state.set(start, 'open');
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const deps = graph.get(top.file) ?? [];
        if (top.next >= deps.length) {
          state.set(top.file, 'done');
          stack.pop();
          continue;
        }
        const dep = deps[top.next++]!;
        if (!graph.has(dep)) continue;
        if (state.get(dep) === 'open') {
          const from = stack.findIndex((f) => f.file === dep);
          cycles.push([...stack.slice(from).map((f) => f.file), dep].map((f) => path.relative(root, f)).join(' → '));
        } else if (!state.has(dep)) {
          state.set(dep, 'open');
          stack.push({ file: dep, next: 0 });
        }
      }
    }
    assert.deepEqual(cycles, []);
  });
});
