import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bind, DEFAULT_SANDBOX_LIMITS, Tokens, type Kernel } from '../../../core';
import { WeftError } from '../../../core/errors/weft-error';
import adapterPlugin from '../../../plugins/adapter/index';
import { aggregatorPlugin } from '../../../plugins/aggregator/index';
import conditionPlugin from '../../../plugins/condition/index';
import mapPlugin from '../../../plugins/map/index';
import toolPlugin from '../../../plugins/tool/index';
import waitPlugin from '../../../plugins/wait/index';
import workflowPlugin from '../../../plugins/workflow/index';
import { expressionEngineBinding } from '../../../runtime/expressions/expression-engine.bindings';
import { IsolatedVmSandbox } from '../../../runtime/sandbox/isolated-vm-sandbox';
import { PiscinaWorkerPool } from '../../../runtime/worker-pool/piscina-worker-pool';
import { createFixtureTools } from '../../support/fixture-tools.plugin';
import { startTestKernel } from '../../support/test-kernel';
import { waitFor } from '../../support/wait-for';

/** The fixtures live beside the sources (tsc does not copy JSON into dist). */
const FIXTURES = path.join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'workflows');

/** Fields whose values change from run to run; a fixture writes "*" where the run has a value. */
const MASKED = new Set(['id', 'startedAt', 'finishedAt', 'durationMs', 'stack']);

interface Fixture {
  rule: string;
  description: string;
  workflow: unknown;
  inputs?: Record<string, unknown>;
  /** Cancel the execution once these nodes are all holding in `test.hold`. */
  cancel?: { whenHolding: string[]; reason: string };
  expect?: unknown;
  expectError?: unknown;
}

function mask(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(mask);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, MASKED.has(k) && v !== null && v !== undefined ? '*' : mask(v)]));
}

function errorShape(err: unknown): unknown {
  if (!(err instanceof WeftError)) throw err;
  return { type: err.name, code: err.code, message: err.message, details: err.details };
}

describe('workflow fixtures (test/fixtures/workflows: each JSON workflow against its expected execution document)', function () {
  const files = readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const tools = createFixtureTools();
  let kernel: Kernel;
  before(() => {
    kernel = startTestKernel({
      plugins: [toolPlugin, tools.plugin, conditionPlugin, adapterPlugin, aggregatorPlugin, mapPlugin, waitPlugin, workflowPlugin],
      services: [
        expressionEngineBinding(),
        bind(Tokens.Sandbox, () => new IsolatedVmSandbox({ defaults: DEFAULT_SANDBOX_LIMITS, poolSize: 1 })),
        bind(Tokens.WorkerPool, () => new PiscinaWorkerPool({ size: 1 })),
      ],
    });
  });
  after(() => kernel.stop());

  it('has fixtures to run', () => assert.ok(files.length > 0));

  for (const file of files) {
    const fixture = JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Fixture;
    it(`${file} — ${fixture.rule}: ${fixture.description}`, async () => {
      assert.ok(
        (fixture.expect === undefined) !== (fixture.expectError === undefined),
        'a fixture has exactly one of expect and expectError',
      );
      if (fixture.expectError !== undefined) {
        const err = await kernel.executor
          .run(fixture.workflow, { inputs: fixture.inputs })
          .then((doc) => assert.fail(`expected a refusal, the execution ended ${doc.status}`), errorShape);
        assert.deepEqual(err, fixture.expectError);
        return;
      }
      const handle = await kernel.executor.start(fixture.workflow, { inputs: fixture.inputs });
      if (fixture.cancel) {
        const { whenHolding, reason } = fixture.cancel;
        await waitFor(() => whenHolding.every((n) => tools.holding.get(handle.executionId)?.has(n)), `${whenHolding.join(', ')} to hold`);
        handle.cancel(reason);
      }
      const doc = await handle.done;
      assert.deepEqual(mask(JSON.parse(JSON.stringify(doc))), fixture.expect);
      // the run, and the context it holds, is let go once the execution has ended
      assert.equal(kernel.executor.isActive(handle.executionId), false);
      assert.equal(kernel.executor.whenDone(handle.executionId), null);
    });
  }
});
