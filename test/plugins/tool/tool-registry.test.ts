import assert from 'node:assert/strict';
import { ConfigurationError, ErrorCodes, NodeExecutionError, TransientError, ValidationError, type ToolDefinition } from '../../../core';
import { AjvToolRegistry } from '../../../plugins/tool/tool-registry';
import { createHttpRequestTool } from '../../../plugins/tool/http-request.tool';
import { echoTool } from '../../../plugins/tool/echo.tool';
import { sleepTool } from '../../../plugins/tool/sleep.tool';
import { makeRunContext } from './node-run-context';
import { rejectionOf } from './rejection-of';

function counterTool(result: unknown, calls: { n: number } = { n: 0 }): ToolDefinition {
  return {
    name: 'test.counter',
    description: 'counts',
    inputSchema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false },
    outputSchema: { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] },
    async execute() {
      calls.n++;
      return result;
    },
  };
}

describe('AjvToolRegistry', () => {
  const builtins = () => new AjvToolRegistry([echoTool, sleepTool, createHttpRequestTool()]);

  it('lists, finds and reports its tools', () => {
    const reg = builtins();
    assert.deepEqual(
      reg.list().map((t) => t.name),
      ['core.echo', 'core.sleep', 'http.request'],
    );
    assert.equal(reg.has('http.request'), true);
    assert.equal(reg.has('nope'), false);
    assert.equal(reg.get('core.echo'), echoTool);
  });

  it('rejects input against the schema with the instance path in the message', async () => {
    const err = await rejectionOf(builtins().invoke('http.request', { url: 5 }, makeRunContext()));
    assert.ok(err instanceof NodeExecutionError);
    assert.equal(err.code, ErrorCodes.WF_TOOL_INPUT);
    assert.equal(err.retryable, false);
    assert.equal(err.message, 'tool "http.request" input: /url must be string');
    assert.deepEqual(err.details, [{ pointer: '/url', message: 'must be string' }]);
  });

  it('lists every input problem: missing keys, extra keys, enums, nested paths', async () => {
    const err = await rejectionOf(
      builtins().invoke('http.request', { method: 'FETCH', headers: { 'x-a': { nested: 1 } }, extra: 1 }, makeRunContext()),
    );
    assert.equal(err.code, ErrorCodes.WF_TOOL_INPUT);
    assert.match(err.message, /^tool "http\.request" input: /);
    assert.match(err.message, /\/ must have required property 'url'/);
    assert.match(err.message, /\/ must NOT have additional properties: "extra"/);
    assert.match(err.message, /\/method must be equal to one of the allowed values: GET, HEAD, POST/);
    assert.match(err.message, /\/headers\/x-a must be string,number,boolean/);
  });

  it('rejects a hostile header name and a non-http URL before any request', async () => {
    const reg = builtins();
    const bad = await rejectionOf(reg.invoke('http.request', { url: 'http://x', headers: { 'a\r\nb': 'c' } }, makeRunContext()));
    assert.equal(bad.code, ErrorCodes.WF_TOOL_INPUT);
    assert.equal(
      bad.message,
      `tool "http.request" input: /headers property name "a\\r\\nb" must match pattern "^[!#$%&'*+.^_\`|~0-9A-Za-z-]+$"`,
    );
    const file = await rejectionOf(reg.invoke('http.request', { url: 'file:///etc/passwd' }, makeRunContext()));
    assert.equal(file.code, ErrorCodes.WF_TOOL_INPUT);
    assert.match(file.message, /\/url must match pattern/);
  });

  it('rejects output against the schema (WF_TOOL_OUTPUT)', async () => {
    const reg = new AjvToolRegistry([counterTool({ count: 'three' })]);
    const err = await rejectionOf(reg.invoke('test.counter', { n: 1 }, makeRunContext()));
    assert.ok(err instanceof NodeExecutionError);
    assert.equal(err.code, ErrorCodes.WF_TOOL_OUTPUT);
    assert.equal(err.message, 'tool "test.counter" output: /count must be integer');
  });

  it('returns valid output and turns undefined into null', async () => {
    assert.deepEqual(await new AjvToolRegistry([counterTool({ count: 3 })]).invoke('test.counter', { n: 1 }, makeRunContext()), {
      count: 3,
    });
    const nothing: ToolDefinition = {
      name: 'test.nothing',
      inputSchema: {},
      outputSchema: { type: 'null' },
      execute: async () => undefined,
    };
    assert.equal(await new AjvToolRegistry([nothing]).invoke('test.nothing', {}, makeRunContext()), null);
  });

  it('wraps a plain error thrown by a tool, and passes weft errors and the abort reason through', async () => {
    const thrower = (e: unknown): ToolDefinition => ({
      name: 'test.throw',
      inputSchema: {},
      outputSchema: {},
      execute: async () => {
        throw e;
      },
    });
    const plain = await rejectionOf(
      new AjvToolRegistry([thrower(new TypeError('x is not a function'))]).invoke('test.throw', {}, makeRunContext()),
    );
    assert.ok(plain instanceof NodeExecutionError);
    assert.equal(plain.message, 'tool "test.throw" failed: x is not a function');
    assert.ok(plain.cause instanceof TypeError);
    const transient = new TransientError('later');
    assert.equal(await rejectionOf(new AjvToolRegistry([thrower(transient)]).invoke('test.throw', {}, makeRunContext())), transient);
    const ac = new AbortController();
    const reason = new Error('stop');
    const aborting: ToolDefinition = {
      name: 'test.abort',
      inputSchema: {},
      outputSchema: {},
      execute: async () => {
        ac.abort(reason);
        throw ac.signal.reason;
      },
    };
    assert.equal(
      await rejectionOf(new AjvToolRegistry([aborting]).invoke('test.abort', {}, makeRunContext({ signal: ac.signal }))),
      reason,
    );
  });

  it('does not run a tool whose input is invalid, or whose signal is already aborted', async () => {
    const calls = { n: 0 };
    const reg = new AjvToolRegistry([counterTool({ count: 1 }, calls)]);
    await assert.rejects(reg.invoke('test.counter', { n: 'x' }, makeRunContext()), { code: ErrorCodes.WF_TOOL_INPUT });
    const ac = new AbortController();
    const reason = new Error('cancelled by test');
    ac.abort(reason);
    await assert.rejects(reg.invoke('test.counter', { n: 1 }, makeRunContext({ signal: ac.signal })), (e) => e === reason);
    assert.equal(calls.n, 0);
  });

  it('fails an unknown tool with a ValidationError (WF_UNKNOWN_TOOL) naming the known ones', async () => {
    const err = await rejectionOf(builtins().invoke('no.such', {}, makeRunContext()));
    assert.ok(err instanceof ValidationError);
    assert.equal(err.code, ErrorCodes.WF_UNKNOWN_TOOL);
    assert.match(err.message, /^unknown tool "no\.such" \(known tools: core\.echo, core\.sleep, http\.request\)$/);
    assert.throws(() => builtins().get('__proto__'), { code: ErrorCodes.WF_UNKNOWN_TOOL });
    assert.equal(builtins().has('constructor'), false);
  });

  it('refuses a duplicate tool name, naming both tools', () => {
    const reg = builtins();
    const other: ToolDefinition = { ...echoTool, description: 'an impostor echo' };
    assert.throws(
      () => reg.register(other),
      (e: unknown) =>
        e instanceof ConfigurationError &&
        e.code === ErrorCodes.WF_PLUGIN &&
        e.message ===
          'tool "core.echo" is registered twice: first "Returns its input unchanged.", then "an impostor echo"; tool names must be unique across plugins',
    );
  });

  it('fails clearly on a schema ajv rejects in strict mode (unknown keyword, bad type)', () => {
    const typo: ToolDefinition = {
      name: 'acme.typo',
      inputSchema: { type: 'object', propertees: {} },
      outputSchema: {},
      execute: async () => null,
    };
    assert.throws(
      () => new AjvToolRegistry([typo]),
      (e: unknown) => {
        assert.ok(e instanceof ConfigurationError);
        assert.match(e.message, /^tool "acme\.typo" has an invalid input schema: strict mode: unknown keyword: "propertees"/);
        return true;
      },
    );
    const badType: ToolDefinition = { name: 'acme.bad', inputSchema: {}, outputSchema: { type: 'strng' }, execute: async () => null };
    assert.throws(() => new AjvToolRegistry([badType]), /tool "acme\.bad" has an invalid output schema/);
  });

  it('fails clearly on a malformed tool definition', () => {
    const bad = { name: 'no spaces allowed', inputSchema: [], execute: 'x' } as unknown as ToolDefinition;
    assert.throws(
      () => new AjvToolRegistry([bad]),
      (e: unknown) => {
        assert.ok(e instanceof ConfigurationError);
        assert.equal(
          e.message,
          'tool "no spaces allowed" is invalid: "name" must be a dotted name such as "acme.lookup"; "execute" must be a function; "inputSchema" must be a JSON Schema object; "outputSchema" must be a JSON Schema object',
        );
        return true;
      },
    );
  });

  it('checks an input without running the tool', () => {
    const reg = builtins();
    assert.deepEqual(reg.checkInput('core.sleep', { ms: 5 }), []);
    assert.deepEqual(reg.checkInput('core.sleep', { ms: -1 }), [{ pointer: '/ms', message: 'must be >= 0' }]);
  });

  it('keeps separate registries independent (no shared ajv state)', () => {
    const withId: ToolDefinition = {
      name: 'acme.ided',
      inputSchema: { $id: 'urn:acme:in', type: 'object' },
      outputSchema: {},
      execute: async () => null,
    };
    new AjvToolRegistry([withId]);
    assert.doesNotThrow(() => new AjvToolRegistry([withId]));
  });
});
