import assert from 'node:assert/strict';
import { parseTemplate, renderTemplate, parsePath } from '../../../core/context/template-engine';
import { compileValue, renderValue } from '../../../core/context/compiled-value';
import { TemplateError } from '../../../core/errors/weft-error';
import type { TemplateScope } from '../../../core/plugin/node-type';

const where = { nodeId: 'n1', field: 'config.input' };
const scope: TemplateScope = {
  variables: { name: 'ada', count: 3, flag: false, list: [10, 20, { deep: 'yes' }], nil: null, obj: { a: 1 } },
  inputs: { q: '{{ variables.name }}' },
  nodes: { fetch: { output: { body: { items: [{ id: 7 }] } } } },
  execution: { id: 'e1', startedAt: '2026-01-01T00:00:00.000Z' },
};
const render = (text: string) => renderTemplate(parseTemplate(text, where)!, scope, where);

describe('template engine', () => {
  it('keeps the type of a whole-value template', () => {
    assert.equal(render('{{ variables.count }}'), 3);
    assert.equal(render('{{variables.flag}}'), false);
    assert.equal(render('{{ variables.nil }}'), null);
    assert.deepEqual(render('{{ variables.obj }}'), { a: 1 });
  });

  it('interpolates text, objects as JSON', () => {
    assert.equal(render('hi {{ variables.name }} x{{ variables.count }}'), 'hi ada x3');
    assert.equal(render('o={{ variables.obj }}'), 'o={"a":1}');
  });

  it('follows [index] and ["key"] paths', () => {
    assert.equal(render('{{ nodes.fetch.output.body.items[0].id }}'), 7);
    assert.equal(render('{{ variables.list[2]["deep"] }}'), 'yes');
    assert.equal(render('{{ execution.id }}'), 'e1');
  });

  it('names node, field and path when a path is missing', () => {
    assert.throws(
      () => render('{{ variables.missing.x }}'),
      (e: unknown) =>
        e instanceof TemplateError && /node "n1" field "config.input".*"variables.missing.x".*variables\.missing/.test(e.message),
    );
    assert.throws(() => render('{{ variables.list[9] }}'), /not found/);
  });

  it('refuses prototype access', () => {
    for (const t of [
      '{{ variables.__proto__ }}',
      '{{ variables.constructor }}',
      '{{ variables.obj.constructor.name }}',
      '{{ variables["__proto__"] }}',
      '{{ variables.obj.prototype }}',
    ]) {
      assert.throws(() => parseTemplate(t, where), TemplateError, t);
    }
    // inherited properties are not own properties
    assert.throws(() => render('{{ variables.obj.toString }}'), /not found/);
    assert.equal(render('{{ variables.list.length }}'), 3); // an own property of arrays
  });

  it('does not render substituted text again', () => {
    assert.equal(render('{{ inputs.q }}'), '{{ variables.name }}');
    assert.equal(render('say {{ inputs.q }}'), 'say {{ variables.name }}');
  });

  it('reports an unclosed {{ with its position and rejects bad paths and roots', () => {
    assert.throws(() => parseTemplate('abc {{ variables.x', where), /unclosed "\{\{" at character 5/);
    assert.throws(() => parsePath('variables..x', where), /invalid template path/);
    assert.throws(() => parsePath('process.env', where), /unknown root "process"/);
    assert.throws(() => parsePath('variables.x()', where), /unexpected/);
  });

  it('parses in linear time on adversarial text', () => {
    const text = '{{ variables.name }}'.repeat(20_000) + '}'.repeat(200_000);
    const t = parseTemplate(text, where)!;
    assert.equal(t.parts.length, 20_001);
    assert.throws(() => parseTemplate('{{'.repeat(100_000), where), /unclosed/);
  });

  it('renders nested config and keeps a "__proto__" key as data', () => {
    const c = compileValue(
      JSON.parse('{"a":["{{ variables.count }}", {"b":"x{{ variables.name }}"}], "__proto__": "{{ variables.name }}"}'),
      where,
    );
    const out = renderValue(c, scope) as Record<string, unknown>;
    assert.deepEqual(out.a, [3, { b: 'xada' }]);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(out, '__proto__')?.value, 'ada');
    assert.equal(({} as Record<string, unknown>).ada, undefined);
  });
});
