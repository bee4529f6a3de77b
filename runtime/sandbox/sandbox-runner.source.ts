/**
 * The script that prepares each fresh context, as source text run INSIDE the isolate.
 *
 * It removes globals user code has no business with, captures the builtins the runner needs
 * before any user code can replace them, and evaluates to the runner function. The host keeps
 * the runner as a `Reference` and calls it once per run with primitives only
 * (`code`, names JSON, args JSON, output cap); the runner answers with one string:
 *
 * - `<json>`: the result, serialised here (getters, `toJSON`, proxies run inside, under the limits),
 *   untagged so the text is handed over without another copy; JSON text never starts with a tag letter
 * - `U`: the result serialised to nothing (`undefined`, a function, a symbol)
 * - `O<length>`: the serialised result is longer than the output cap (it never leaves the isolate)
 * - `E`/`C`/`S` + `json(name) \u0001 json(message) \u0001 json(stack)`: the code threw,
 *   did not compile, or its result could not be serialised
 *
 * Errors are encoded from JSON-stringified primitive strings (no object `toJSON` lookup), so a
 * user's `Object.prototype.toJSON` cannot forge them. Nothing of the host (no `Reference`,
 * `Callback`, `ExternalCopy` or isolate object) is ever placed in the context.
 */
export const SANDBOX_RUNNER_SOURCE = String.raw`(function () {
  'use strict';
  var g = globalThis;
  // WebAssembly/SharedArrayBuffer/Atomics reach outside the JS heap or block the isolate's
  // thread; FinalizationRegistry/WeakRef callbacks would run after the run, outside its timeout.
  var removed = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'FinalizationRegistry', 'WeakRef', 'console'];
  for (var r = 0; r < removed.length; r++) {
    try { delete g[removed[r]]; } catch (e) { /* non-configurable: leave it */ }
  }
  var parse = JSON.parse;
  var stringify = JSON.stringify;
  var freeze = Object.freeze;
  var isFrozen = Object.isFrozen;
  var keys = Object.keys;
  var hasOwn = Object.prototype.hasOwnProperty;
  var apply = Reflect.apply;
  var construct = Reflect.construct;
  var substring = String.prototype.substring;
  var StringCtor = String;
  var AsyncFunction = (async function () {}).constructor;
  var MAX_TEXT = 4000;

  function deepFreeze(root) {
    var stack = [root];
    var n = 1;
    while (n > 0) {
      var v = stack[--n];
      if (v !== null && typeof v === 'object' && !isFrozen(v)) {
        freeze(v);
        var ks = keys(v);
        for (var i = 0; i < ks.length; i++) stack[n++] = v[ks[i]];
      }
    }
    return root;
  }

  function text(read) {
    try {
      var v = read();
      var s = typeof v === 'string' ? v : v === undefined || v === null ? '' : StringCtor(v);
      if (typeof s !== 'string') return '';
      return s.length > MAX_TEXT ? apply(substring, s, [0, MAX_TEXT]) + '...' : s;
    } catch (e) {
      return '';
    }
  }

  function encodeError(tag, err) {
    var name = 'Error';
    var message = '';
    var stack = '';
    if (err !== null && (typeof err === 'object' || typeof err === 'function')) {
      name = text(function () { return err.name; }) || 'Error';
      message = text(function () { return err.message; });
      stack = text(function () { return err.stack; });
    } else {
      message = text(function () { return err; });
    }
    return tag + stringify(name) + '\u0001' + stringify(message) + '\u0001' + stringify(stack);
  }

  return async function run(code, namesJson, argsJson, outputCap) {
    var fn;
    var values = [];
    try {
      var names = parse(namesJson);
      var args = parse(argsJson);
      for (var i = 0; i < names.length; i++) {
        values[i] = apply(hasOwn, args, [names[i]]) ? args[names[i]] : undefined;
        if (names[i] === 'variables') deepFreeze(values[i]);
      }
      var params = names.slice();
      params[params.length] = code;
      fn = construct(AsyncFunction, params);
    } catch (e) {
      return encodeError('C', e);
    }
    var result;
    try {
      result = await apply(fn, undefined, values);
    } catch (e) {
      return encodeError('E', e);
    }
    var out;
    try {
      out = stringify(result);
    } catch (e) {
      return encodeError('S', e);
    }
    if (typeof out !== 'string') return 'U';
    if (out.length > outputCap) return 'O' + out.length;
    return out;
  };
})()`;
