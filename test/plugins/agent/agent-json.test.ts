import assert from 'node:assert/strict';
import { TransientError } from '../../../core';
import { parseAgentJson } from '../../../plugins/agent/agent-json';

describe('parseAgentJson', () => {
  it('parses bare and fenced JSON', () => {
    assert.deepEqual(parseAgentJson(' {"a":1} ', 'n'), { a: 1 });
    assert.deepEqual(parseAgentJson('```json\n[1,2]\n```', 'n'), [1, 2]);
    assert.deepEqual(parseAgentJson('```\n"x"\n```', 'n'), 'x');
    assert.deepEqual(parseAgentJson('```JSON\r\n{"b":null}\r\n```', 'n'), { b: null });
  });

  it('does not strip a fence that does not wrap the whole reply', () => {
    assert.throws(() => parseAgentJson('Here you go:\n```json\n{}\n```', 'n'), TransientError);
  });

  it('keeps __proto__ as plain data', () => {
    const v = parseAgentJson('{"__proto__":{"polluted":1}}', 'n') as Record<string, unknown>;
    assert.ok(Object.prototype.hasOwnProperty.call(v, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('reports the position and an excerpt', () => {
    try {
      parseAgentJson('{"a": tru}', 'node-7');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof TransientError);
      assert.equal(e.code, 'WF_AGENT_BAD_JSON');
      assert.match(e.message, /^agent node "node-7": the model's reply is not valid JSON \(at position \d+/);
      const d = e.details as { position: number; excerpt: string };
      assert.ok(d.excerpt.includes('tru'));
    }
  });
});
