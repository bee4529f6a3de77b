import assert from 'node:assert/strict';
import { SecretRedactor } from '../../../core/secrets/secret-redactor';

describe('SecretRedactor', () => {
  const TOKEN = 'tok_9f8e7d6c5b4a"/ +&é';
  const make = () => {
    const r = new SecretRedactor();
    r.add('API_TOKEN', TOKEN);
    return r;
  };

  it('returns its input untouched while no value is known', () => {
    const r = new SecretRedactor();
    const value = { a: ['x'] };
    assert.equal(r.redact(value), value);
    assert.equal(r.redactText('tok_9f8e7d6c5b4a'), 'tok_9f8e7d6c5b4a');
  });

  it('replaces the value and its JSON-escaped, URL-encoded and base64 forms (Basic auth at any alignment)', () => {
    const r = make();
    assert.equal(r.redactText(`Bearer ${TOKEN}!`), 'Bearer [secret:API_TOKEN]!');
    assert.equal(r.redactText(JSON.stringify({ h: TOKEN })), '{"h":"[secret:API_TOKEN]"}');
    assert.equal(r.redactText(`https://x/?t=${encodeURIComponent(TOKEN)}`), 'https://x/?t=[secret:API_TOKEN]');
    for (const user of ['', 'a', 'ab', 'abc', 'user']) {
      const basic = Buffer.from(`${user}:${TOKEN}`).toString('base64');
      const out = r.redactText(`Basic ${basic}`);
      assert.match(out, /\[secret:API_TOKEN\]/, `user "${user}": ${out}`);
      // what is left of the encoding cannot give the value back
      assert.ok(
        !Buffer.from(out.replace(/^Basic /, '').replace(/\[secret:API_TOKEN\]/, ''), 'base64')
          .toString('latin1')
          .includes('9f8e7d'),
      );
    }
    assert.match(r.redactText(Buffer.from(TOKEN).toString('base64url')), /^\[secret:API_TOKEN\]/);
  });

  it('replaces the longest value first, so a secret containing another is replaced whole', () => {
    const r = new SecretRedactor();
    r.add('SHORT', 'abcdefgh');
    r.add('LONG', 'xx-abcdefgh-yy');
    assert.equal(r.redactText('1 xx-abcdefgh-yy 2 abcdefgh'), '1 [secret:LONG] 2 [secret:SHORT]');
  });

  it('redacts every string of nested data, keys included, sharing what did not change', () => {
    const r = make();
    const untouched = { n: 1, list: ['a', 'b'] };
    const input = { keep: untouched, deep: [{ [TOKEN]: `x${TOKEN}y` }], stack: `Error: ${TOKEN}\n    at f` };
    const out = r.redact(input);
    assert.deepEqual(out, {
      keep: untouched,
      deep: [{ '[secret:API_TOKEN]': 'x[secret:API_TOKEN]y' }],
      stack: 'Error: [secret:API_TOKEN]\n    at f',
    });
    assert.equal(out.keep, untouched);
    assert.equal(input.deep[0]![TOKEN], `x${TOKEN}y`, 'the input is not changed');
  });

  it('catches a value split across streamed chunks, and lets everything else through in order', () => {
    const r = make();
    const text = `The token is ${TOKEN} and again ${TOKEN}. Done.`;
    for (const size of [1, 2, 3, 5, 7, 13, 1000]) {
      const s = r.stream();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += s.push(text.slice(i, i + size));
      out += s.end();
      assert.equal(out, 'The token is [secret:API_TOKEN] and again [secret:API_TOKEN]. Done.', `chunks of ${size}`);
    }
  });

  it('streams exactly what redacting the whole text gives, for several secrets split at every chunk size', () => {
    const r = new SecretRedactor();
    r.add('SHORT', 'abcdefgh');
    r.add('LONG', 'xx-abcdefgh-yy');
    r.add('OTHER', 'pässwörd-😀-12');
    const basic = Buffer.from('user:pässwörd-😀-12').toString('base64');
    const text = `a xx-abcdefgh-yy b abcdefgh c pässwörd-😀-12\u0301 d ${basic} e ${JSON.stringify('pässwörd-😀-12')} xx-abcdefgh`;
    const whole = r.redactText(text);
    assert.ok(!/abcdefgh|pässwörd/.test(whole), whole);
    for (let size = 1; size <= text.length; size++) {
      const s = r.stream();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += s.push(text.slice(i, i + size));
      out += s.end();
      assert.equal(out, whole, `chunks of ${size}`);
    }
  });
});
