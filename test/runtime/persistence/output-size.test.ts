import assert from 'node:assert/strict';
import { assertOutputSize } from '../../../runtime/persistence/output-size';
import { WeftError } from '../../../core/errors/weft-error';

describe('assertOutputSize', () => {
  it('returns the JSON of outputs within the cap, measured in UTF-8 bytes', () => {
    assert.equal(assertOutputSize('n', { a: 1 }, 1024), '{"a":1}');
    assert.equal(assertOutputSize('n', undefined, 1024), null);
    const exact = 'é'.repeat(509); // "…" quotes + 509 × 2 bytes = 1020
    assert.equal(assertOutputSize('n', exact, 1020), JSON.stringify(exact));
    assert.throws(() => assertOutputSize('n', exact, 1019), { code: 'WF_OUTPUT_TOO_LARGE' });
  });

  it('names the node, the size and the limit when refusing', () => {
    assert.throws(
      () => assertOutputSize('fetch_all', { rows: 'x'.repeat(5000) }, 4096),
      (err: WeftError) => {
        assert.equal(err.type, 'NodeExecutionError');
        assert.equal(err.code, 'WF_OUTPUT_TOO_LARGE');
        assert.match(err.message, /node "fetch_all": output is 5011 bytes, more than the 4096-byte limit/);
        assert.deepEqual(err.details, { nodeId: 'fetch_all', bytes: 5011, maxBytes: 4096 });
        return true;
      },
    );
  });

  it('refuses outputs that are not JSON', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.throws(() => assertOutputSize('n', circular, 1024), /node "n": output is not JSON-serialisable/);
    assert.throws(() => assertOutputSize('n', { big: 10n }, 1024), /not JSON-serialisable/);
  });
});
