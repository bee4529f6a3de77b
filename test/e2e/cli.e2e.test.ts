import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runWeft } from '../support/run-weft';
import { makeTempDir, type TempDir } from '../support/sqlite-temp';
import { loadConfig } from '../../runtime/config/weft-config';
import { openPersistence } from '../../runtime/persistence/persistence';

const EXAMPLE = path.join(__dirname, '..', '..', '..', 'examples', 'hello.json');

describe('weft CLI (end to end)', function () {
  this.timeout(120_000);
  let tmp: TempDir;
  before(() => (tmp = makeTempDir('weft-cli-')));
  after(() => tmp.remove());
  const file = (name: string, content: unknown) => {
    const p = path.join(tmp.dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };

  it('runs a workflow, shows live node status and outputs, exits 0', async () => {
    const r = await runWeft(['run', EXAMPLE, '--input', 'who=world']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /start\s+greet/);
    assert.match(r.stdout, /succeeded greet/);
    assert.match(r.stdout, /skipped\s+whisper \(branch_not_taken\)/);
    assert.match(r.stdout, /"said": "hello world!"/);
    assert.match(r.stdout, /status succeeded/);
  });

  it('--json prints only the execution document; inputs parse as JSON when they can', async () => {
    const wf = file('inputs.json', {
      name: 'inputs',
      variables: { n: 0, s: 'x' },
      nodes: [
        {
          id: 'echo',
          type: 'tool',
          config: { tool: 'core.echo', input: { n: '{{ variables.n }}', s: '{{ variables.s }}', o: '{{ variables.o }}' } },
        },
      ],
      outputs: { echo: '{{ nodes.echo.output }}' },
    });
    const r = await runWeft(['run', wf, '--json', '--input', 'n=42', '--input', 's=not json', '--input', 'o={"a":[1]}']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.outputs.echo, { n: 42, s: 'not json', o: { a: [1] } });
    for (const key of [
      'id',
      'workflowId',
      'workflowVersion',
      'status',
      'trigger',
      'inputs',
      'outputs',
      'error',
      'startedAt',
      'finishedAt',
      'durationMs',
      'nodes',
    ])
      assert.ok(key in doc, key);
    assert.deepEqual(
      Object.keys(doc.nodes[0]).filter((k) =>
        ['nodeId', 'status', 'attempts', 'startedAt', 'finishedAt', 'output', 'error', 'recoveredBy', 'skipReason'].includes(k),
      ).length,
      9,
    );
  });

  it('exits 1 when the execution fails, 2 with every validation problem', async () => {
    const failing = file(
      'fail.yaml',
      'name: fail\nnodes:\n  - id: get\n    type: tool\n    config:\n      tool: http.request\n      input:\n        url: http://127.0.0.1:9/nothing\n',
    );
    const f = await runWeft(['run', failing, '--json']);
    assert.equal(f.code, 1, f.stderr);
    const doc = JSON.parse(f.stdout);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.nodes[0].error.type, 'TransientError');

    const invalid = file('bad.json', {
      name: 'bad',
      nodes: [
        { id: 'a', type: 'nope' },
        { id: 'b', type: 'tool', config: { tool: 'no.such.tool' } },
      ],
      edges: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    });
    const v = await runWeft(['run', invalid, '--json']);
    assert.equal(v.code, 2);
    const err = JSON.parse(v.stdout).error;
    assert.equal(err.code, 'WF_VALIDATION');
    const paths = err.details.map((d: { path: string }) => d.path);
    assert.ok(paths.includes('nodes[0].type') && paths.includes('nodes[1].config.tool'), JSON.stringify(err.details));

    const val = await runWeft(['validate', invalid]);
    assert.equal(val.code, 2);
    assert.match(val.stdout, /nodes\[0\]\.type: unknown node type "nope"/);
    assert.match(val.stdout, /nodes\[1\]\.config\.tool/);

    const garbage = await runWeft(['run', file('garbage.json', '{ nope'), '--json']);
    assert.equal(garbage.code, 2);
    assert.match(JSON.parse(garbage.stdout).error.message, /garbage\.json is not valid JSON/);
  });

  it('--db records the execution in a SQLite file like the server does', async () => {
    const db = path.join(tmp.dir, 'runs.sqlite');
    const r = await runWeft(['run', EXAMPLE, '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const p = await openPersistence({ ...loadConfig({}), dataDir: tmp.dir }, undefined, { sqliteFile: db });
    try {
      const stored = await p.executionStore.getExecution(doc.id);
      assert.equal(stored!.status, 'succeeded');
      assert.equal(stored!.nodes.length, doc.nodes.length);
      assert.equal(stored!.workflowId, 'wf_hello');
      const wf = await p.workflowStore.get('wf_hello');
      assert.equal(wf!.definition.name, 'hello');
    } finally {
      await p.close();
    }
  });

  it('loads a third-party plugin from WEFT_PLUGINS and rejects unknown settings', async () => {
    const wf = file('greet.json', {
      name: 'greet',
      nodes: [{ id: 'g', type: 'greet', config: { name: 'Ada' } }],
      outputs: { m: '{{ nodes.g.output.message }}' },
    });
    const r = await runWeft(['run', wf, '--json'], { env: { WEFT_PLUGINS: './plugins/example-greeter' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).outputs.m, 'Hello, Ada!');
    const missing = await runWeft(['run', wf, '--json']);
    assert.equal(missing.code, 2);
    const bad = await runWeft(['run', wf], { env: { WEFT_PORTT: '1' } });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /WEFT_PORTT: unknown setting/);
  });
});
