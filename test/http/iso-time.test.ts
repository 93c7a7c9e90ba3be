import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isoTimestamp } from '../../src/http/iso-time.js';

describe('isoTimestamp', () => {
  it('writes what Date.prototype.toISOString writes', () => {
    const edges = [
      0, -1, 1, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 4_107_542_399_999 /* 2100-02-28T23:59:59.999 */,
      4_107_542_400_000, -62_167_219_200_000 /* year 0 */, 253_402_300_799_999 /* 9999-12-31T23:59:59.999 */,
      253_402_300_800_000 /* 10000: sign and six digits */, -62_167_219_200_001, 1.5, Date.now(),
    ];
    for (const ms of edges) assert.equal(isoTimestamp(ms), new Date(ms).toISOString(), String(ms));
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor((random() * 2 - 1) * 70_000_000_000_000);
      assert.equal(isoTimestamp(ms), new Date(ms).toISOString(), String(ms));
    }
  });

  it('refuses what toISOString refuses', () => {
    assert.throws(() => isoTimestamp(Number.NaN), RangeError);
    assert.throws(() => isoTimestamp(8.64e15 + 1), RangeError);
  });
});
