import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../../runtime/config/weft-config';

const ROOT = path.join(__dirname, '..', '..', '..', '..');

/** docker-compose.yml and the Dockerfile cannot run here (no Docker engine): check what can be checked. */
describe('docker-compose.yml and Dockerfile', () => {
  const doc = parseDocument(readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const compose = doc.toJS() as { services: Record<string, any> };

  it('is valid YAML', () => {
    assert.deepEqual(doc.errors, []);
  });

  it('runs PostgreSQL 15, one weft serve and two weft workers on one DATABASE_URL, each with a healthcheck', () => {
    const s = compose.services;
    assert.match(s.postgres.image, /^postgres:15/);
    assert.deepEqual(s.api.command, ['serve']);
    const workers = Object.entries(s).filter(([, v]) => Array.isArray(v.command) && v.command[0] === 'worker');
    assert.equal(workers.length, 2);
    const urls = new Set([s.api, ...workers.map(([, w]) => w)].map((svc) => svc.environment.DATABASE_URL));
    assert.equal(urls.size, 1);
    assert.match([...urls][0], /@postgres:5432\//);
    for (const [name, svc] of Object.entries(s)) assert.ok(svc.healthcheck?.test, `${name} has a healthcheck`);
    for (const [, w] of workers) assert.equal(w.depends_on.postgres.condition, 'service_healthy');
    assert.equal(s.api.environment.WEFT_EXECUTION_MODE, 'queue');
  });

  it('sets only settings weft knows (an unknown WEFT_* variable would stop every process)', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (name === 'postgres') continue;
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(svc.environment as Record<string, string>)) {
        // compose interpolation is not ours to evaluate: give each variable a valid stand-in
        env[k] = /^\$\{/.test(String(v))
          ? k === 'WEFT_ADMIN_KEY'
            ? 'x'.repeat(32)
            : k === 'WEFT_LOG_LEVEL'
              ? 'info'
              : k === 'WEFT_MISSED_FIRES'
                ? 'none'
                : String(v)
          : String(v);
      }
      env.DATABASE_URL = 'postgres://weft:weft@postgres:5432/weft';
      assert.doesNotThrow(() => loadConfig(env), name);
    }
  });

  it('builds one image for serve and worker, with the isolated-vm flag set for node', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    // Node 24, the active LTS, in both stages (the native addons are built for the Node that runs them).
    assert.equal(dockerfile.match(/^FROM node:24-/gm)?.length, 2);
    assert.match(dockerfile, /NODE_OPTIONS=--no-node-snapshot/);
    assert.match(dockerfile, /ENTRYPOINT \["node", "bin\/weft\.js"\]/);
    assert.match(dockerfile, /HEALTHCHECK/);
    assert.match(dockerfile, /^USER node$/m);
  });
});
