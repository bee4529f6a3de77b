import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CancelledError, ErrorCodes } from '../../../core';
import { AjvToolRegistry } from '../../../plugins/tool/tool-registry';
import { sleepTool } from '../../../plugins/tool/sleep.tool';
import { makeRunContext } from './node-run-context';
import { rejectionOf } from './rejection-of';

describe('core.sleep tool', () => {
  const tools = new AjvToolRegistry([sleepTool]);

  it('waits, then returns value (or null)', async () => {
    assert.deepEqual(await tools.invoke('core.sleep', { ms: 1, value: { a: [1] } }, makeRunContext()), { a: [1] });
    assert.equal(await tools.invoke('core.sleep', { ms: 0 }, makeRunContext()), null);
  });

  it('rejects with the signal reason as soon as it aborts', async () => {
    const ac = new AbortController();
    // A day-long sleep: only the abort can end this test before mocha's timeout.
    const pending = rejectionOf(tools.invoke('core.sleep', { ms: 86_400_000 }, makeRunContext({ signal: ac.signal })));
    await new Promise((r) => setImmediate(r));
    const reason = new CancelledError('execution cancelled');
    ac.abort(reason);
    assert.equal(await pending, reason);
  });

  it('clears its timer on abort, so nothing keeps the process alive', async () => {
    // In a child process: had the day-long timer survived the abort, the child would not exit.
    const script = `
      const { sleepTool } = require(${JSON.stringify(require.resolve('../../../plugins/tool/sleep.tool'))});
      const ac = new AbortController();
      sleepTool.execute({ ms: 86400000 }, { signal: ac.signal }).catch((e) => console.log('rejected: ' + e.message));
      setImmediate(() => ac.abort(new Error('stop')));`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const guard = setTimeout(() => child.kill(), 20_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    clearTimeout(guard);
    assert.equal(signal, null, 'the child was still alive: the sleep timer kept it running');
    assert.equal(code, 0);
    assert.equal(out.trim(), 'rejected: stop');
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('gone');
    const signal = AbortSignal.abort(reason);
    assert.equal(await rejectionOf(sleepTool.execute({ ms: 86_400_000 }, makeRunContext({ signal }))), reason);
  });

  it('validates ms: integer within 0..86400000', async () => {
    for (const [input, msg] of [
      [{ ms: -1 }, '/ms must be >= 0'],
      [{ ms: 1.5 }, '/ms must be integer'],
      [{ ms: 86_400_001 }, '/ms must be <= 86400000'],
      [{ ms: '10' }, '/ms must be integer'],
      [{}, "/ must have required property 'ms'"],
    ] as const) {
      const err = await rejectionOf(tools.invoke('core.sleep', input, makeRunContext()));
      assert.equal(err.code, ErrorCodes.WF_TOOL_INPUT);
      assert.equal(err.message, `tool "core.sleep" input: ${msg}`);
    }
  });
});
