import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { MultiStringMatcher, type StringMatch } from '../../../core/secrets/multi-string-matcher';

/** The reference: at each position from the left, the longest needle that starts there. */
function naive(needles: readonly string[], text: string): StringMatch[] {
  const out: StringMatch[] = [];
  let i = 0;
  while (i < text.length) {
    let best = -1;
    for (let k = 0; k < needles.length; k++) {
      if (text.startsWith(needles[k]!, i) && (best < 0 || needles[k]!.length > needles[best]!.length)) best = k;
    }
    if (best < 0) i++;
    else {
      out.push({ start: i, end: i + needles[best]!.length, needle: best });
      i += needles[best]!.length;
    }
  }
  return out;
}

function all(m: MultiStringMatcher, text: string): StringMatch[] {
  const out: StringMatch[] = [];
  for (let f = m.find(text, 0); f !== null; f = m.find(text, f.end)) out.push(f);
  return out;
}

const tag = (needles: readonly string[]) => (i: number) => `<${needles[i]}>`;

describe('MultiStringMatcher', () => {
  it('finds needles at the start, at the end, and a text that is exactly a needle', () => {
    const needles = ['alpha-key', 'omega-key'];
    const m = new MultiStringMatcher(needles);
    assert.equal(m.replace('alpha-key middle omega-key', tag(needles)), '<alpha-key> middle <omega-key>');
    assert.equal(m.replace('omega-key', tag(needles)), '<omega-key>');
    assert.deepEqual(m.find('xx alpha-key'), { start: 3, end: 12, needle: 0 });
    assert.equal(m.find('alpha-ke'), null, 'shorter than every needle');
    assert.equal(m.find('alpha-kex omega-keY'), null);
  });

  it('takes the longest needle at a position, and the leftmost position first', () => {
    const needles = ['abcdefgh', 'abcdefgh-long', 'defghijk'];
    const m = new MultiStringMatcher(needles);
    assert.equal(m.replace('1 abcdefgh-long 2 abcdefgh 3', tag(needles)), '1 <abcdefgh-long> 2 <abcdefgh> 3');
    // overlapping needles: the one that starts first wins, the other is not searched inside it
    assert.equal(m.replace('abcdefghijk', tag(needles)), '<abcdefgh>ijk');
    assert.equal(m.replace('xdefghijk', tag(needles)), 'x<defghijk>');
  });

  it('handles overlapping and self-overlapping needles like a longest-first scan', () => {
    const needles = ['aaaa', 'aaaaaa', 'aab', 'ab', 'b'];
    const m = new MultiStringMatcher(needles);
    for (const text of ['aaaaaaaaab', 'aaab', 'ababab', 'baaaaaab', 'aaaaaaaaaaaaaaaaaaaaa', '']) {
      assert.deepEqual(all(m, text), naive(needles, text), text);
    }
  });

  it('matches by UTF-16 code unit: accents, emoji, and a needle followed by a combining mark', () => {
    const needles = ['pässwörd-1', 'key-😀-42', 'naïve'];
    const m = new MultiStringMatcher(needles);
    assert.equal(m.replace('a pässwörd-1 b key-😀-42 c', tag(needles)), 'a <pässwörd-1> b <key-😀-42> c');
    // a grapheme-based matcher would see "2\u0301" as one character and miss the needle
    assert.equal(m.replace('key-😀-42\u0301', tag(needles)), '<key-😀-42>\u0301');
    assert.equal(m.replace('😀naïve😀', tag(needles)), '😀<naïve>😀');
    assert.equal(m.find('pa\u0308sswörd-1'), null, 'a differently normalised text is a different string');
  });

  it('agrees with the reference on many random needles and texts (short needles too)', () => {
    let seed = 7;
    const rnd = (n: number) => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n;
    const alphabet = 'abcdé😀';
    const word = (len: number) => Array.from({ length: len }, () => alphabet[rnd(alphabet.length)]).join('');
    for (let round = 0; round < 300; round++) {
      const needles = Array.from({ length: 1 + rnd(6) }, () => word(1 + rnd(7)));
      const text = word(rnd(80));
      assert.deepEqual(
        all(new MultiStringMatcher(needles), text),
        naive(needles, text),
        `${JSON.stringify(needles)} in ${JSON.stringify(text)}`,
      );
    }
  });

  it('finds every one of many secrets (forms of 50 values) in a large text', () => {
    const needles = Array.from({ length: 50 }, (_, i) => `sk_${i}_${randomBytes(12).toString('hex')}`);
    needles.push(...needles.map((n) => Buffer.from(n).toString('base64')));
    const m = new MultiStringMatcher(needles);
    const parts: string[] = [];
    for (let i = 0; i < 2_000; i++)
      parts.push(`row ${i} ${randomBytes(20).toString('base64')} `, i % 19 === 0 ? needles[i % needles.length]! : '');
    const text = parts.join('');
    const found = all(m, text);
    assert.deepEqual(found, naive(needles, text));
    assert.equal(found.length, parts.filter((p, i) => i % 2 === 1 && p !== '').length);
    assert.ok(!m.replace(text, () => '#').includes('sk_'));
  });

  it('returns the same string when nothing matches, and rejects an empty needle list or needle', () => {
    const m = new MultiStringMatcher(['needle-x']);
    const text = 'nothing to see here, not even a needle';
    assert.equal(
      m.replace(text, () => '#'),
      text,
    );
    assert.equal(m.test(text), false);
    assert.equal(m.test(`${text} needle-x`), true);
    assert.throws(() => new MultiStringMatcher([]), RangeError);
    assert.throws(() => new MultiStringMatcher(['ok', '']), RangeError);
  });
});
