import { ExpressionError } from '../../core/errors/weft-error';
import { ErrorCodes } from '../../core/errors/error-codes';
import type { ScannedToken } from './expression-scanner';
import { EXPRESSION_FUNCTIONS } from './expression-functions';

/** A node of a checked expression; `pos` is the 0-based start of its leftmost operand, when known. */
export type ExprNode =
  | { kind: 'lit'; value: unknown; pos?: number; depth: number }
  | { kind: 'var'; name: string; pos?: number; depth: number }
  | { kind: 'member'; object: ExprNode; name: string; pos?: number; namePos?: number; depth: number }
  | { kind: 'index'; object: ExprNode; index: ExprNode; pos?: number; depth: number }
  | { kind: 'unary'; op: string; arg: ExprNode; pos?: number; depth: number }
  | { kind: 'binary'; op: string; left: ExprNode; right: ExprNode; pos?: number; depth: number }
  | { kind: 'cond'; test: ExprNode; then: ExprNode; else: ExprNode; pos?: number; depth: number }
  | { kind: 'call'; fn: string; args: ExprNode[]; pos?: number; depth: number }
  | { kind: 'array'; items: ExprNode[]; pos?: number; depth: number };

/** expr-eval's instruction shape (its `Expression.tokens`). */
export interface RpnInstruction {
  type: string;
  value: unknown;
}

/** Names that would reach prototypes; blocked as variables, members and literal keys. */
export const FORBIDDEN_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

const UNARY_OPS = new Set(['-', '+', 'not']);
const BINARY_OPS = new Set(['+', '-', '*', '/', '%', '^', '||', '==', '!=', '<', '>', '<=', '>=', 'and', 'or', 'in', '[']);

/** Builds the tree and runs every static check: forbidden names, calls, operators, depth. */
export function buildExpressionTree(
  instructions: readonly RpnInstruction[],
  operands: readonly ScannedToken[],
  source: string,
  maxDepth: number,
): ExprNode {
  return new TreeBuilder(operands, source, maxDepth).build(instructions);
}

/** Formats a 0-based position for messages (`at character 12`, 1-based). */
export function at(pos: number | undefined): string {
  return pos === undefined ? '' : ` at character ${pos + 1}`;
}

/** An ExpressionError about `source` at a 0-based position. */
export function expressionError(message: string, source: string, pos?: number): ExpressionError {
  return new ExpressionError(`${message}${at(pos)}`, {
    code: ErrorCodes.WF_EXPRESSION,
    details: { expression: source, ...(pos === undefined ? {} : { position: pos + 1 }) },
  });
}

class TreeBuilder {
  private next = 0;
  /** False once the scanner and the parser disagree: positions are then left out, not guessed. */
  private aligned = true;

  constructor(
    private readonly operands: readonly ScannedToken[],
    private readonly source: string,
    private readonly maxDepth: number,
  ) {}

  build(instructions: readonly RpnInstruction[]): ExprNode {
    const stack: ExprNode[] = [];
    for (const ins of instructions) {
      switch (ins.type) {
        case 'INUMBER':
          stack.push(this.leaf({ kind: 'lit', value: ins.value, depth: 1 }, undefined));
          break;
        case 'IVAR': {
          const name = String(ins.value);
          const pos = this.operandPos(name);
          if (FORBIDDEN_NAMES.has(name)) throw expressionError(`"${name}" is not allowed as a name`, this.source, pos ?? this.find(name));
          stack.push({ kind: 'var', name, pos, depth: 1 });
          break;
        }
        case 'IMEMBER': {
          const name = String(ins.value);
          const object = this.pop(stack);
          const pos = this.operandPos(name);
          if (FORBIDDEN_NAMES.has(name)) throw expressionError(`"${name}" is not allowed as a member`, this.source, pos ?? this.find(name));
          stack.push(this.node({ kind: 'member', object, name, pos: object.pos, namePos: pos, depth: 0 }, [object]));
          break;
        }
        case 'IOP1': {
          const op = String(ins.value);
          if (!UNARY_OPS.has(op)) throw expressionError(`operator "${op}" is not allowed`, this.source, this.find(op));
          const arg = this.pop(stack);
          stack.push(this.node({ kind: 'unary', op, arg, pos: arg.pos, depth: 0 }, [arg]));
          break;
        }
        case 'IOP2': {
          const op = String(ins.value);
          if (!BINARY_OPS.has(op)) throw this.disallowed(op);
          const rightRaw = this.pop(stack);
          const left = this.pop(stack);
          if (op === '[') {
            if (rightRaw.kind === 'lit' && typeof rightRaw.value === 'string' && FORBIDDEN_NAMES.has(rightRaw.value)) {
              throw expressionError(`"${rightRaw.value}" is not allowed as a key`, this.source, rightRaw.pos);
            }
            stack.push(this.node({ kind: 'index', object: left, index: rightRaw, pos: left.pos, depth: 0 }, [left, rightRaw]));
          } else {
            stack.push(this.node({ kind: 'binary', op, left, right: rightRaw, pos: left.pos, depth: 0 }, [left, rightRaw]));
          }
          break;
        }
        case 'IOP3': {
          if (ins.value !== '?') throw this.disallowed(String(ins.value));
          const otherwise = this.pop(stack);
          const then = this.pop(stack);
          const test = this.pop(stack);
          stack.push(this.node({ kind: 'cond', test, then, else: otherwise, pos: test.pos, depth: 0 }, [test, then, otherwise]));
          break;
        }
        case 'IEXPR': {
          // Right operands of and/or and the branches of ?: arrive as nested instruction lists.
          const inner = ins.value as RpnInstruction[];
          if (inner.some((i) => i.type === 'IENDSTATEMENT')) throw this.disallowed(';');
          stack.push(this.build(inner));
          break;
        }
        case 'IFUNCALL': {
          const argc = Number(ins.value);
          const args = stack.splice(stack.length - argc, argc);
          if (args.length !== argc) throw this.malformed();
          const callee = this.pop(stack);
          stack.push(this.call(callee, args));
          break;
        }
        case 'IARRAY': {
          const count = Number(ins.value);
          const items = stack.splice(stack.length - count, count);
          if (items.length !== count) throw this.malformed();
          stack.push(this.node({ kind: 'array', items, pos: items[0]?.pos, depth: 0 }, items));
          break;
        }
        case 'IENDSTATEMENT':
          throw this.disallowed(';');
        case 'IFUNDEF':
        case 'IVARNAME':
          throw this.disallowed('=');
        default:
          throw this.malformed();
      }
    }
    if (stack.length !== 1) throw stack.length === 0 ? expressionError('expression is empty', this.source) : this.malformed();
    return stack[0]!;
  }

  private call(callee: ExprNode, args: ExprNode[]): ExprNode {
    if (callee.kind !== 'var') {
      throw expressionError(
        `only built-in functions can be called (${Object.keys(EXPRESSION_FUNCTIONS).join(', ')}); ${describe(callee)} is not one`,
        this.source,
        callee.pos,
      );
    }
    const fn = EXPRESSION_FUNCTIONS[callee.name];
    if (!fn) {
      throw expressionError(
        `unknown function "${callee.name}" (allowed: ${Object.keys(EXPRESSION_FUNCTIONS).join(', ')})`,
        this.source,
        callee.pos,
      );
    }
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected =
        fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : fn.maxArgs === Infinity ? `at least ${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      throw expressionError(`function "${callee.name}" takes ${expected} argument(s), got ${args.length}`, this.source, callee.pos);
    }
    return this.node({ kind: 'call', fn: callee.name, args, pos: callee.pos, depth: 0 }, args);
  }

  private leaf(node: ExprNode, name: string | undefined): ExprNode {
    node.pos = this.operandPos(name);
    return node;
  }

  /** Sets the depth from the children and enforces the cap, so evaluation recursion stays bounded. */
  private node<T extends ExprNode>(node: T, children: readonly ExprNode[]): T {
    let d = 0;
    for (const c of children) if (c.depth > d) d = c.depth;
    node.depth = d + 1;
    if (node.depth > this.maxDepth) {
      throw expressionError(`expression is nested too deeply (more than ${this.maxDepth} levels)`, this.source, node.pos);
    }
    return node;
  }

  /** Position of the next operand token; names are cross-checked against the parser's. */
  private operandPos(name: string | undefined): number | undefined {
    const tok = this.operands[this.next++];
    if (!tok || (name !== undefined && tok.text !== name) || (name === undefined && tok.kind === 'name')) this.aligned = false;
    return this.aligned && tok ? tok.start : undefined;
  }

  /** Fallback position of a word or operator when the scanner could not be matched. */
  private find(word: string): number | undefined {
    if (!/^[A-Za-z0-9_$]+$/.test(word)) {
      const i = this.source.indexOf(word);
      return i < 0 ? undefined : i;
    }
    const re = new RegExp(`(^|[^A-Za-z0-9_$])${word.replace(/\$/g, '\\$')}(?![A-Za-z0-9_])`);
    const m = re.exec(this.source);
    return m ? m.index + m[1]!.length : undefined;
  }

  private pop(stack: ExprNode[]): ExprNode {
    const node = stack.pop();
    if (!node) throw this.malformed();
    return node;
  }

  private disallowed(op: string): ExpressionError {
    const what =
      op === '='
        ? 'assignment and function definition ("=") are not allowed; use == to compare'
        : op === ';'
          ? 'statement separators (";") are not allowed'
          : `operator "${op}" is not allowed`;
    return expressionError(what, this.source, this.find(op));
  }

  private malformed(): ExpressionError {
    return expressionError('expression is malformed', this.source);
  }
}

/** A readable rendering of a variable/member/index chain (`nodes.a.output[0]`). */
export function describe(node: ExprNode): string {
  switch (node.kind) {
    case 'var':
      return node.name;
    case 'member':
      return `${describe(node.object)}.${node.name}`;
    case 'index':
      return `${describe(node.object)}[${node.index.kind === 'lit' ? JSON.stringify(node.index.value) : '…'}]`;
    case 'call':
      return `${node.fn}(…)`;
    case 'lit':
      return JSON.stringify(node.value) ?? String(node.value);
    default:
      return 'the value';
  }
}
