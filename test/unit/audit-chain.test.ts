import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GENESIS_HASH, auditHash, verifyChainRows, type ChainedRow } from '../../src/core/audit-chain.ts';

/** A chain of `n` rows as the log writes them. */
function chain(n: number, name = 'm_1'): ChainedRow[] {
  const rows: ChainedRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const content = { chain: name, seq, at: `2026-12-08T00:00:0${seq}.000Z`, actor: '{"kind":"merchant","id":"key_1"}', action: `refund.create`, target: `rfd_${seq}`, ip: '127.0.0.1', before: null, after: `{"amount":${seq * 100}}` };
    const hash = auditHash(prev, content);
    rows.push({ id: seq * 10, ...content, prev_hash: prev, hash });
    prev = hash;
  }
  return rows;
}
const headOf = (rows: ChainedRow[]) => ({ seq: rows.length, hash: rows[rows.length - 1]?.hash ?? GENESIS_HASH });

describe('the audit hash chain', () => {
  test('an untouched chain holds, with its head', () => {
    const rows = chain(5);
    assert.equal(verifyChainRows('m_1', rows, headOf(rows)), null);
  });

  test('the hash covers every field: null and the text "null" hash differently', () => {
    const base = chain(1)[0]!;
    assert.notEqual(auditHash(GENESIS_HASH, { ...base, target: null }), auditHash(GENESIS_HASH, { ...base, target: 'null' }));
    assert.notEqual(auditHash(GENESIS_HASH, base), auditHash(GENESIS_HASH, { ...base, ip: '127.0.0.2' }));
  });

  const cases: Array<[string, (rows: ChainedRow[]) => { rows: ChainedRow[]; head: { seq: number; hash: string } | null }, { seq: number; reason: string }]> = [
    ['a changed amount is named as altered at its row', (r) => { const head = headOf(r); r[2] = { ...r[2]!, after: '{"amount":1}' }; return { rows: r, head }; }, { seq: 3, reason: 'altered' }],
    ['a changed actor is altered too', (r) => { const head = headOf(r); r[0] = { ...r[0]!, actor: '{"kind":"merchant","id":"key_2"}' }; return { rows: r, head }; }, { seq: 1, reason: 'altered' }],
    ['a row deleted in the middle is named by the row after the gap', (r) => { const head = headOf(r); r.splice(1, 1); return { rows: r, head }; }, { seq: 3, reason: 'missing' }],
    ['two rows swapped in storage are reordered', (r) => { const head = headOf(r); const a = r[1]!.id; r[1] = { ...r[1]!, id: r[2]!.id }; r[2] = { ...r[2]!, id: a }; return { rows: r, head }; }, { seq: 3, reason: 'reordered' }],
    ['a row rewritten with a fresh hash still breaks the next one', (r) => {
      const head = headOf(r);
      const changed = { ...r[1]!, after: '{"amount":1}' };
      r[1] = { ...changed, hash: auditHash(changed.prev_hash, changed) };
      return { rows: r, head };
    }, { seq: 3, reason: 'reordered' }],
    ['the newest rows deleted are truncation, seen through the head', (r) => { const head = headOf(r); r.splice(3); return { rows: r, head }; }, { seq: 4, reason: 'truncated' }],
    ['a chain whose head row is gone is truncated', (r) => ({ rows: r, head: null }), { seq: 5, reason: 'truncated' }],
  ];
  for (const [name, tamper, expected] of cases) {
    test(name, () => {
      const { rows, head } = tamper(chain(5));
      const b = verifyChainRows('m_1', rows, head);
      assert.ok(b, 'the break is found');
      assert.equal(b.reason, expected.reason, b.message);
      assert.equal(b.seq, expected.seq, b.message);
    });
  }

  test('an empty chain with no head holds', () => {
    assert.equal(verifyChainRows('m_1', [], null), null);
  });
});
