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
