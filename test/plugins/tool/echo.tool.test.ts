import assert from 'node:assert/strict';
import { AjvToolRegistry } from '../../../plugins/tool/tool-registry';
import { echoTool } from '../../../plugins/tool/echo.tool';
import { makeRunContext } from './node-run-context';

describe('core.echo tool', () => {
  const tools = new AjvToolRegistry([echoTool]);
  it('returns any JSON input unchanged', async () => {
    for (const value of [{ orders: [{ id: 1 }] }, [1, 'a', null], 'text', 42, true, null]) {
      assert.deepEqual(await tools.invoke('core.echo', value, makeRunContext()), value);
    }
  });
  it('keeps a __proto__ key as data', async () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}}');
    const out = (await tools.invoke('core.echo', input, makeRunContext())) as Record<string, unknown>;
    assert.equal(Object.hasOwn(out, '__proto__'), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});
