import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStrictJsonObject } from '../../src/auth/strict-json.js';

describe('strict json', () => {
  it('parses objects, nested objects and arrays, and strings holding quotes, braces and commas', () => {
    assert.deepEqual(parseStrictJsonObject('{"a":1,"b":{"a":2,"c":[{"a":3},{"a":4}]},"d":"x\\",{\\"a\\":1}"}'), {
      a: 1,
      b: { a: 2, c: [{ a: 3 }, { a: 4 }] },
      d: 'x",{"a":1}',
    });
    assert.deepEqual(parseStrictJsonObject('{}'), {});
    assert.deepEqual(parseStrictJsonObject(' { "a" : [ "a" , "a" ] } '), { a: ['a', 'a'] });
  });

  it('refuses duplicate members at any depth, whatever their spelling', () => {
    const duplicates = [
      '{"sub":"alice","sub":"admin"}',
      '{"a":{"x":1,"x":2}}',
      '{"a":[{"x":1,"y":2,"x":3}]}',
      '{"sub":"alice","s\\u0075b":"admin"}',
      '{"\\u0061":1,"a":2}',
      '{"a":1,"b":2,"c":3,"a":4}',
      '{"":1,"":2}',
    ];
    for (const text of duplicates) assert.throws(() => parseStrictJsonObject(text), SyntaxError, text);
  });

  it('allows the same name in sibling and nested objects', () => {
    assert.deepEqual(parseStrictJsonObject('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}'), { a: { a: { a: 1 } }, b: [{ a: 1 }, { a: 2 }] });
  });

  it('refuses anything but an object, and invalid JSON', () => {
    for (const text of ['[]', '1', '"s"', 'null', 'true', '', '{', '{"a":1,}', "{'a':1}", '{"a":1} x', '\ufeff{}']) {
      assert.throws(() => parseStrictJsonObject(text), SyntaxError, JSON.stringify(text));
    }
  });
});

/**
 * Random JSON objects whose truth is known by construction: members are generated as name/value
 * pairs, some names repeated on purpose, and names and strings spelled with or without escapes,
 * colons, quotes and whitespace. The scan must agree with the truth, with and without escapes.
 */
describe('strict json against generated objects', () => {
  function generator(seed: number) {
    let state = seed >>> 0;
    const next = (n: number) => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state % n;
    };
    const pieces = ['a', 'b', ':', 'a:b', 'http://x', '"', '\\', '{', '}', ',', '[', ' ', 'é', '𝄞'];
    const text = () => Array.from({ length: next(3) }, () => pieces[next(pieces.length)]).join('');
    /** A JSON string literal for `value`, each character spelled raw or as \u escape at random. */
    const literal = (value: string) =>
      `"${[...value]
        .map((ch) => {
          const raw = JSON.stringify(ch).slice(1, -1);
          if (next(4) !== 0) return raw;
          // Every UTF-16 unit escaped (a character outside the BMP is a surrogate pair).
          return Array.from({ length: ch.length }, (_, unit) => `\\u${ch.charCodeAt(unit).toString(16).padStart(4, '0')}`).join('');
        })
        .join('')}"`;
    const space = () => [' ', '', '', '\n'][next(4)]!;
    let duplicate = false;
    function value(depth: number): string {
      const kind = next(depth > 3 ? 3 : 6);
      if (kind === 0) return String(next(1000) - 500);
      if (kind === 1) return literal(text());
      if (kind === 2) return ['true', 'false', 'null'][next(3)]!;
      if (kind === 3) return `[${Array.from({ length: next(3) }, () => space() + value(depth + 1) + space()).join(',')}]`;
      return object(depth + 1);
    }
    function object(depth: number): string {
      const names: string[] = [];
      const count = next(5);
      for (let i = 0; i < count; i++) {
        // One time in six, a name already used in this object.
        const name = names.length > 0 && next(6) === 0 ? names[next(names.length)]! : text();
        if (names.includes(name)) duplicate = true;
        names.push(name);
      }
      return `{${names.map((name) => `${space()}${literal(name)}${space()}:${space()}${value(depth)}`).join(',')}${space()}}`;
    }
    return () => {
      duplicate = false;
      const json = object(0);
      return { json, duplicate };
    };
  }

  it('refuses exactly the texts that repeat a name, with and without escapes', () => {
    const generate = generator(20261123);
    let withDuplicates = 0;
    let withoutBackslash = 0;
    for (let i = 0; i < 20_000; i++) {
      const { json, duplicate } = generate();
      if (duplicate) withDuplicates++;
      if (!json.includes('\\')) withoutBackslash++;
      if (duplicate) assert.throws(() => parseStrictJsonObject(json), /duplicate member/, json);
      else assert.deepEqual(parseStrictJsonObject(json), JSON.parse(json), json);
    }
    // Both outcomes, and texts with and without escapes, are exercised.
    assert.ok(withDuplicates > 1000 && withDuplicates < 19_000, `${withDuplicates} with duplicates`);
    assert.ok(withoutBackslash > 1000, `${withoutBackslash} without a backslash`);
  });

  it('is not fooled by colons that stand in for a dropped member', () => {
    // Each text repeats a name; the colons of its strings differ between the text and the parsed value.
    for (const text of ['{"a":"x","a":"y:"}', '{"a":"::","a":1}', '{"a:":1,"a:":2}', '{"a":{"b":1},"a":{}}', '{"x":[{"a":1,"a":2}],"y":"::"}']) {
      assert.throws(() => parseStrictJsonObject(text), /duplicate member/, text);
    }
  });

  it('ignores what a polluted Object.prototype enumerates', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.polluted = 1;
    try {
      assert.throws(() => parseStrictJsonObject('{"a":1,"a":2}'), /duplicate member/);
      assert.deepEqual(Object.keys(parseStrictJsonObject('{"a":1,"b":{"c":"d"}}')), ['a', 'b']);
    } finally {
      delete proto.polluted;
    }
  });
});
