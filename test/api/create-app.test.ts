import assert from 'node:assert/strict';
import { bind, Kernel, Tokens } from '../../core/index';
import { InMemoryWorkflowStore } from '../../core/store/in-memory-workflow-store';
import { InMemoryApiKeyStore } from '../../core/store/in-memory-api-key-store';
import toolPlugin from '../../plugins/tool';
import { createApp } from '../../api/create-app';

const config = { maxBodyBytes: 64 * 1024, rateLimitPerMinute: 1000, trustProxy: false };
const stores = [bind(Tokens.WorkflowStore, () => new InMemoryWorkflowStore()), bind(Tokens.ApiKeyStore, () => new InMemoryApiKeyStore())];

describe('createApp: optional services', () => {
  it('builds without a scheduler or dispatcher when none is bound', async () => {
    const kernel = Kernel.create({ plugins: [toolPlugin], services: stores });
    try {
      const weft = createApp({ kernel, config });
      assert.ok(weft.routes.length > 0);
      weft.close();
    } finally {
      await kernel.stop();
    }
  });

  it('fails startup when a bound scheduler cannot be built, even if its error reads like an unbound token', async () => {
    // the scheduler is bound, but something it needs is not: that is a misconfiguration, not "no scheduler"
    const broken = bind(Tokens.ScheduleService, () => {
      throw new Error('Attempted to resolve unregistered dependency token: "weft:core.somethingMissing"');
    });
    const kernel = Kernel.create({ plugins: [toolPlugin], services: [...stores, broken] });
    try {
      assert.throws(() => createApp({ kernel, config }), /unregistered dependency token/);
    } finally {
      await kernel.stop();
    }
  });
});
