import assert from 'node:assert/strict';
import { NodeExecutionError } from '../../../core';
import { ChatStreamAccumulator, parseUsage } from '../../../runtime/llm/chat-completion-parser';

const data = (v: unknown) => JSON.stringify(v);

describe('ChatStreamAccumulator', () => {
  it('merges tool-call deltas by index, including a name streamed in pieces', () => {
    const acc = new ChatStreamAccumulator('p');
    acc.push(
      data({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'get_', arguments: '{"a"' } }] } }] }),
    );
    acc.push(data({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'weather', arguments: ':1}' } }] } }] }));
    acc.push(data({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }));
    assert.equal(acc.complete, true);
    assert.deepEqual(acc.result().toolCalls, [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"a":1}' } }]);
  });

  it('keeps whole calls apart when a server omits index but changes id', () => {
    const acc = new ChatStreamAccumulator('p');
    acc.push(data({ choices: [{ delta: { tool_calls: [{ id: 'x', function: { name: 'a', arguments: '{}' } }] } }] }));
    acc.push(data({ choices: [{ delta: { tool_calls: [{ id: 'y', function: { name: 'b', arguments: '{"k":2}' } }] } }] }));
    assert.deepEqual(
      acc.result().toolCalls.map((c) => [c.id, c.function.name, c.function.arguments]),
      [
        ['x', 'a', '{}'],
        ['y', 'b', '{"k":2}'],
      ],
    );
    assert.equal(acc.complete, false, 'no [DONE] and no finish reason yet');
  });

  it('ignores other choices and keeps the last usage', () => {
    const acc = new ChatStreamAccumulator('p');
    assert.equal(
      acc.push(
        data({
          choices: [
            { index: 1, delta: { content: 'other' } },
            { index: 0, delta: { content: 'mine' } },
          ],
        }),
      ),
      'mine',
    );
    acc.push(data({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 2 } }));
    acc.push('[DONE]');
    assert.deepEqual(acc.result().usage, { promptTokens: 4, completionTokens: 2, totalTokens: 6 });
    assert.equal(acc.result().text, 'mine');
  });

  for (const [label, chunk] of [
    ['choices not an array', { choices: {} }],
    ['a choice that is not an object', { choices: [7] }],
    ['delta not an object', { choices: [{ delta: 'x' }] }],
    ['content not a string', { choices: [{ delta: { content: 5 } }] }],
    ['tool_calls not an array', { choices: [{ delta: { tool_calls: {} } }] }],
    ['a tool call not an object', { choices: [{ delta: { tool_calls: [null] } }] }],
    ['a JSON string', 'hello'],
  ] as const) {
    it(`rejects a chunk with ${label}`, () => {
      assert.throws(() => new ChatStreamAccumulator('p').push(data(chunk)), NodeExecutionError);
    });
  }

  it('rejects a streamed tool call that never got a name', () => {
    const acc = new ChatStreamAccumulator('p');
    acc.push(data({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] } }] }));
    assert.throws(() => acc.result(), /streamed tool call #0 has no function name/);
  });
});

describe('parseUsage', () => {
  it('reads numbers, treats junk as zero and derives a missing total', () => {
    assert.deepEqual(parseUsage({ prompt_tokens: 3, completion_tokens: 'x', total_tokens: -1 }), {
      promptTokens: 3,
      completionTokens: 0,
      totalTokens: 3,
    });
    assert.deepEqual(parseUsage(null), { promptTokens: 0, completionTokens: 0, totalTokens: 0 });
  });
});
