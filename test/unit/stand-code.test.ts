import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { STAND_CODE, StandCodes } from '../../src/stand/code.ts';

describe('signed stand codes', () => {
  const codes = new StandCodes('master-key-one');
  test('issued codes have the stand-code shape and verify', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = codes.issue();
      assert.match(c, STAND_CODE);
      assert.ok(codes.verify(c), c);
      seen.add(c);
    }
    assert.equal(seen.size, 200, 'random heads');
  });
  test('a code changed in any character, or made under another key, does not verify', () => {
    const c = codes.issue();
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    for (let i = 0; i < c.length; i++) {
      const other = alphabet[(alphabet.indexOf(c[i]!) + 1) % 32]!;
      assert.equal(codes.verify(c.slice(0, i) + other + c.slice(i + 1)), false, `position ${i}`);
    }
    assert.equal(new StandCodes('master-key-two').verify(c), false);
    assert.equal(codes.verify('not-a-code'), false);
  });
});
