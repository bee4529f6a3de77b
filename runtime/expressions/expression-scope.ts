import type { ExprNode } from './expression-tree';
import { expressionError } from './expression-tree';

/** The data paths an expression can reach: `nodes.a.output` copies just that branch of `nodes`. */
export interface ScopePlan {
  /** Copy the whole value at this point. */
  full: boolean;
  children: Map<string, ScopePlan>;
}

const SKIP = Symbol('skip');

/** Collects the static member chains of a tree into a plan of what to copy. */
export function planScope(root: ExprNode): ScopePlan {
  const plan: ScopePlan = { full: false, children: new Map() };
  const visit = (node: ExprNode): void => {
    const chain = staticChain(node);
    if (chain) return insert(plan, chain);
    switch (node.kind) {
      case 'member':
        return visit(node.object);
      case 'index':
        visit(node.object);
        return visit(node.index);
      case 'unary':
        return visit(node.arg);
      case 'binary':
        visit(node.left);
        return visit(node.right);
      case 'cond':
        visit(node.test);
        visit(node.then);
        return visit(node.else);
      case 'call':
        return node.args.forEach(visit);
      case 'array':
        return node.items.forEach(visit);
      default:
        return;
    }
  };
  visit(root);
  return plan;
}

function staticChain(node: ExprNode): string[] | undefined {
  const names: string[] = [];
  let n: ExprNode = node;
  while (n.kind === 'member') {
    names.push(n.name);
    n = n.object;
  }
  if (n.kind !== 'var') return undefined;
  names.push(n.name);
  return names.reverse();
}

function insert(plan: ScopePlan, path: readonly string[]): void {
  let p = plan;
  for (const key of path) {
    if (p.full) return;
    let child = p.children.get(key);
    if (!child) {
      child = { full: false, children: new Map() };
      p.children.set(key, child);
    }
    p = child;
  }
  p.full = true;
  p.children.clear();
}

/**
 * Builds the evaluation scope: a null-prototype deep copy of the plain JSON data the plan
 * reaches. Functions, class instances, symbols and `undefined` are left out (as JSON would),
 * accessors are never invoked on non-plain objects, and nesting beyond `maxDataDepth` is an error.
 */
export function copyScope(scope: Record<string, unknown>, plan: ScopePlan, source: string, maxDataDepth: number): Record<string, unknown> {
  const out = copyPruned(scope, plan, source, maxDataDepth);
  return out === SKIP ? Object.create(null) : (out as Record<string, unknown>);
}

function copyPruned(src: unknown, plan: ScopePlan, source: string, maxDepth: number): unknown {
  if (!isPlainObject(src)) return copyJson(src, 0, source, maxDepth);
  const out: Record<string, unknown> = Object.create(null);
  for (const [key, sub] of plan.children) {
    if (!Object.hasOwn(src, key)) continue;
    const value = src[key];
    const copy = sub.full ? copyJson(value, 1, source, maxDepth) : copyPruned(value, sub, source, maxDepth);
    if (copy !== SKIP) out[key] = copy;
  }
  return out;
}

function copyJson(value: unknown, depth: number, source: string, maxDepth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'object') return SKIP;
  if (depth > maxDepth) throw expressionError(`the data the expression reads is nested deeper than ${maxDepth} levels`, source);
  if (Array.isArray(value)) {
    const arr = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const c = copyJson(value[i], depth + 1, source, maxDepth);
      arr[i] = c === SKIP ? null : c;
    }
    return arr;
  }
  if (!isPlainObject(value)) return SKIP;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value)) {
    const c = copyJson(value[key], depth + 1, source, maxDepth);
    if (c !== SKIP) out[key] = c;
  }
  return out;
}

/** Objects whose prototype is `Object.prototype` or null: JSON data, not class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Turns a result built from null-prototype copies into ordinary JSON values for callers. */
export function toPlainResult(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(toPlainResult);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // defineProperty: an own "__proto__" key stays data, never a prototype change.
    Object.defineProperty(out, key, {
      value: toPlainResult((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
