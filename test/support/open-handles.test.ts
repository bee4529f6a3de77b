import assert from 'node:assert/strict';
import { waitFor } from './wait-for';
import { countResources, leakedResources } from './open-handles';

describe('open handles check (mocha global teardown)', () => {
  it('names the resources beyond the baseline, with counts', () => {
    const baseline = countResources(['TTYWrap', 'TTYWrap', 'Timeout']);
    const now = countResources(['TTYWrap', 'TTYWrap', 'Timeout', 'Timeout', 'Timeout', 'TCPSocketWrap']);
    assert.deepEqual(leakedResources(baseline, now), ['TCPSocketWrap', 'Timeout ×2']);
    assert.deepEqual(leakedResources(baseline, countResources(['TTYWrap'])), [], 'fewer than the baseline is no leak');
  });

  it('sees a live timer and a listening server as active resources, and not once closed', async () => {
    const { createServer } = await import('node:net');
    const before = countResources(process.getActiveResourcesInfo());
    const timer = setInterval(() => undefined, 60_000);
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const leaked = leakedResources(before, countResources(process.getActiveResourcesInfo()));
    assert.ok(
      leaked.some((l) => l.startsWith('Timeout')),
      leaked.join(),
    );
    assert.ok(
      leaked.some((l) => l.startsWith('TCPServerWrap')),
      leaked.join(),
    );
    clearInterval(timer);
    await new Promise((r) => server.close(r));
    // a closed server's handle is released a little after its close callback (hence the
    // teardown's grace period); other suites' leftovers may come and go: look only at these two
    await waitFor(
      () => leakedResources(before, countResources(process.getActiveResourcesInfo())).every((l) => !/^(Timeout|TCPServerWrap)/.test(l)),
      'the timer and the server to be released',
    );
  });
});
