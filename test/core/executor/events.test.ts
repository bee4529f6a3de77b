import assert from 'node:assert/strict';
import { startTestKernel } from '../../support/test-kernel';
import { createTestPlugin } from '../../support/test-plugin';
import { Tokens } from '../../../core/di/tokens';
import type { NodeExecutionRecord } from '../../../core/model/execution-document';
import { InMemoryExecutionStore } from '../../../core/store/in-memory-execution-store';
import { bind } from '../../../core/kernel/kernel';

/** An in-memory store whose writes take a while and note when they are durable. */
class SlowStore extends InMemoryExecutionStore {
  constructor(private readonly timeline: string[]) {
    super();
  }
  override async nodeFinished(executionId: string, record: NodeExecutionRecord): Promise<void> {
    await new Promise((r) => setTimeout(r, 20));
    await super.nodeFinished(executionId, record);
    this.timeline.push(`stored ${record.nodeId} ${record.status}`);
  }
  override async finishExecution(executionId: string, end: Parameters<InMemoryExecutionStore['finishExecution']>[1]): Promise<void> {
    await new Promise((r) => setTimeout(r, 20));
    await super.finishExecution(executionId, end);
    this.timeline.push(`stored execution ${end.status}`);
  }
}

describe('executor events', () => {
  const echo = (id: string) => ({ id, type: 'fn', config: { fn: 'echo', input: id } });

  async function timelineOf(definition: object): Promise<string[]> {
    const timeline: string[] = [];
    const kernel = startTestKernel({
      plugins: [createTestPlugin({ echo: (i: unknown) => i })],
      overrides: [bind(Tokens.ExecutionStore, () => new SlowStore(timeline))],
    });
    const off = kernel.get(Tokens.EventBus).subscribe((e) => {
      if (e.kind === 'node' && e.status !== 'running') timeline.push(`event ${e.nodeId} ${e.status}`);
      if (e.kind === 'execution' && e.status !== 'running') timeline.push(`event execution ${e.status}`);
    });
    try {
      const doc = await kernel.executor.run(definition);
      assert.equal(doc.status, 'succeeded');
      return timeline;
    } finally {
      off();
      await kernel.stop();
    }
  }

  it('publishes a node’s end only once its record is durable, the last node’s included', async () => {
    const timeline = await timelineOf({ name: 'w', nodes: [echo('a'), echo('b')], edges: [{ from: 'a', to: 'b' }] });
    const at = (entry: string) => {
      const i = timeline.indexOf(entry);
      assert.ok(i >= 0, `${entry} missing from ${timeline.join(', ')}`);
      return i;
    };
    assert.ok(at('stored a succeeded') < at('event a succeeded'));
    // b is the last node: its record rides in the commit that ends the execution
    assert.ok(at('stored b succeeded') < at('event b succeeded'), timeline.join(', '));
    assert.ok(at('event b succeeded') < at('event execution succeeded'));
    assert.ok(at('stored execution succeeded') < at('event execution succeeded'));
  });

  it('a one-node execution: node event, then execution event, both after the commit', async () => {
    const timeline = await timelineOf({ name: 'w', nodes: [echo('only')] });
    assert.deepEqual(timeline, [
      'stored only succeeded',
      'stored execution succeeded',
      'event only succeeded',
      'event execution succeeded',
    ]);
  });
});
