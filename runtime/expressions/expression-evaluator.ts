import { ExpressionError } from '../../core/errors/weft-error';
import { EXPRESSION_FUNCTIONS, jsonTypeOf } from './expression-functions';
import { describe, expressionError, FORBIDDEN_NAMES, type ExprNode } from './expression-tree';

/**
 * Evaluates a checked tree over a scope of null-prototype JSON copies. The semantics are
 * strict on purpose: arithmetic wants numbers, logic wants booleans, member access reads own
 * properties only, and a missing variable or property is an error naming it — no silent
 * coercion, no `undefined` flowing into a branch decision.
 */
export function evaluateTree(root: ExprNode, scope: Record<string, unknown>, source: string): unknown {
  const fail = (message: string, node: ExprNode): never => {
    throw expressionError(message, source, node.kind === 'member' ? (node.namePos ?? node.pos) : node.pos);
  };

  const ev = (node: ExprNode): unknown => {
    switch (node.kind) {
      case 'lit':
        return node.value;
      case 'var':
        if (node.name === 'null') return null;
        if (!Object.hasOwn(scope, node.name)) return fail(`unknown variable "${node.name}"`, node);
        return scope[node.name];
      case 'member':
        return member(ev(node.object), node.name, node);
      case 'index':
        return index(ev(node.object), ev(node.index), node);
      case 'unary':
        return unary(node.op, ev(node.arg), node);
      case 'binary':
        return binary(node);
      case 'cond': {
        const test = ev(node.test);
        if (typeof test !== 'boolean') return fail(`the condition of "? :" must be a boolean, got ${preview(test)}`, node);
        return test ? ev(node.then) : ev(node.else);
      }
      case 'call': {
        const args = node.args.map(ev);
        try {
          return EXPRESSION_FUNCTIONS[node.fn]!.call(args);
        } catch (err) {
          return fail((err as Error).message, node);
        }
      }
      case 'array':
        return node.items.map(ev);
    }
  };

  const member = (obj: unknown, name: string, node: ExprNode & { object: ExprNode }): unknown => {
    if (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && Object.hasOwn(obj, name))
      return (obj as Record<string, unknown>)[name];
    if ((typeof obj === 'string' || Array.isArray(obj)) && name === 'length') return obj.length;
    if (obj === null || typeof obj !== 'object')
      return fail(`cannot read "${name}" of ${describe(node.object)}: it is ${jsonTypeOf(obj)}`, node);
    return fail(`${describe(node.object)} has no property "${name}"`, node);
  };

  const index = (obj: unknown, key: unknown, node: ExprNode & { object: ExprNode }): unknown => {
    if (Array.isArray(obj) || typeof obj === 'string') {
      if (typeof key !== 'number' || !Number.isInteger(key))
        return fail(`index of ${describe(node.object)} must be an integer, got ${preview(key)}`, node);
      const i = key < 0 ? obj.length + key : key;
      if (i < 0 || i >= obj.length) return fail(`${describe(node.object)} has no element ${key} (length ${obj.length})`, node);
      return obj[i];
    }
    if (obj !== null && typeof obj === 'object') {
      if (typeof key !== 'string') return fail(`key of ${describe(node.object)} must be a string, got ${preview(key)}`, node);
      if (FORBIDDEN_NAMES.has(key)) return fail(`"${key}" is not allowed as a key`, node);
      if (!Object.hasOwn(obj, key)) return fail(`${describe(node.object)} has no property ${JSON.stringify(key)}`, node);
      return (obj as Record<string, unknown>)[key];
    }
    return fail(`cannot index ${describe(node.object)}: it is ${jsonTypeOf(obj)}`, node);
  };

  const unary = (op: string, v: unknown, node: ExprNode): unknown => {
    if (op === 'not') return typeof v === 'boolean' ? !v : fail(`"not" expects a boolean, got ${preview(v)}`, node);
    if (op === '-') return typeof v === 'number' ? -v : fail(`unary "-" expects a number, got ${preview(v)}`, node);
    // Unary + is the one conversion: numbers pass, numeric strings become numbers.
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return fail(`unary "+" expects a number or a numeric string, got ${preview(v)}`, node);
  };

  const binary = (node: Extract<ExprNode, { kind: 'binary' }>): unknown => {
    const { op } = node;
    if (op === 'and' || op === 'or') {
      const l = ev(node.left);
      if (typeof l !== 'boolean') return fail(`"${op}" expects booleans, got ${preview(l)} on the left`, node);
      if (op === 'and' ? !l : l) return l;
      const r = ev(node.right);
      if (typeof r !== 'boolean') return fail(`"${op}" expects booleans, got ${preview(r)} on the right`, node);
      return r;
    }
    const l = ev(node.left);
    const r = ev(node.right);
    switch (op) {
      case '==':
        return deepEqual(l, r);
      case '!=':
        return !deepEqual(l, r);
      case '<':
      case '>':
      case '<=':
      case '>=':
        if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) {
          return fail(`"${op}" compares two numbers or two strings, got ${jsonTypeOf(l)} and ${jsonTypeOf(r)}`, node);
        }
        return op === '<' ? l < r : op === '>' ? l > r : op === '<=' ? l <= r : l >= r;
      case 'in':
        if (Array.isArray(r)) return r.some((item) => deepEqual(item, l));
        if (typeof r === 'string' && typeof l === 'string') return r.includes(l);
        return fail(`"in" expects an array (or a string) on the right, got ${jsonTypeOf(r)}`, node);
      case '||':
        if ((Array.isArray(l) || isScalar(l)) && (Array.isArray(r) || isScalar(r)) && sizeOf(l) + sizeOf(r) > MAX_JOINED_LENGTH) {
          return fail(`"||" would build a value longer than ${MAX_JOINED_LENGTH} elements or characters`, node);
        }
        if (Array.isArray(l) && Array.isArray(r)) return l.concat(r);
        if (isScalar(l) && isScalar(r)) return `${l}${r}`;
        return fail(`"||" joins two arrays or two strings/numbers/booleans, got ${jsonTypeOf(l)} and ${jsonTypeOf(r)}`, node);
      default:
        if (typeof l !== 'number' || typeof r !== 'number') {
          return fail(
            `"${op}" expects numbers, got ${jsonTypeOf(l)} and ${jsonTypeOf(r)}${op === '+' ? ' (use || to join strings)' : ''}`,
            node,
          );
        }
        return op === '+' ? l + r : op === '-' ? l - r : op === '*' ? l * r : op === '/' ? l / r : op === '%' ? l % r : l ** r;
    }
  };

  try {
    return ev(root);
  } catch (err) {
    if (err instanceof ExpressionError) throw err;
    if (err instanceof RangeError) throw expressionError('expression evaluation exceeded the stack (data or expression too deep)', source);
    throw expressionError(`expression evaluation failed: ${(err as Error)?.message ?? String(err)}`, source);
  }
}

/** Bounds what `||` can build, so a chain of joins over large data cannot exhaust memory. */
const MAX_JOINED_LENGTH = 1_000_000;

function sizeOf(v: unknown): number {
  return Array.isArray(v) ? v.length : String(v).length;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Structural equality of JSON values (copies from different nodes compare by content). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** A short, safe rendering of a value for messages: `string ("false")`, `number (1)`. */
export function preview(value: unknown): string {
  const type = jsonTypeOf(value);
  if (value === null || value === undefined) return type;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return `${type} (${text.length > 40 ? `${text.slice(0, 37)}...` : text})`;
}
