import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { can, ownsMerchant, grantKey, type Permission, type Principal } from '../../src/core/roles.ts';

const PERMISSIONS: readonly Permission[] = [
  'merchant:create', 'merchant:read', 'merchant:admin', 'payment:create', 'payment:read',
  'payment:cancel', 'refund:create', 'ledger:read', 'webhook:manage',
];

const platform: Principal = { kind: 'platform' };
const merchant: Principal = { kind: 'merchant', merchantId: 'm_1', keyId: 'k_1' };
const terminal: Principal = { kind: 'terminal', merchantId: 'm_1', storeId: 's_1', terminalId: 't_1' };
const operator = (role: 'cashier' | 'supervisor' | 'manager'): Principal => ({
  kind: 'operator', merchantId: 'm_1', storeId: 's_1', terminalId: 't_1', operatorId: 'o_1', role,
});

/**
 * Hand-written grant table. Columns, in order:
 *   merchant:create, merchant:read, merchant:admin, payment:create, payment:read,
 *   payment:cancel, refund:create, ledger:read, webhook:manage
 */
const EXPECTED: [string, Principal, readonly (0 | 1)[]][] = [
  //                                      m:cr m:rd m:ad p:cr p:rd p:ca r:cr l:rd w:mg
  ['platform', platform,                   [1,   1,   1,   0,   1,   0,   0,   1,   1]],
  ['merchant', merchant,                   [0,   1,   1,   1,   1,   1,   1,   1,   1]],
  ['terminal', terminal,                   [0,   1,   0,   1,   1,   1,   0,   0,   0]],
  ['operator:cashier', operator('cashier'),       [0, 1, 0, 1, 1, 1, 0, 0, 0]],
  ['operator:supervisor', operator('supervisor'), [0, 1, 0, 1, 1, 1, 1, 0, 0]],
  ['operator:manager', operator('manager'),       [0, 1, 0, 1, 1, 1, 1, 1, 0]],
];

describe('can()', () => {
  for (const [label, principal, row] of EXPECTED) {
    for (const [i, perm] of PERMISSIONS.entries()) {
      const allowed = row[i] === 1;
      test(`${label} ${allowed ? 'may' : 'may not'} ${perm}`, () => {
        assert.equal(can(principal, perm), allowed);
      });
    }
  }

  test('grant keys: operators are keyed by role', () => {
    assert.equal(grantKey(platform), 'platform');
    assert.equal(grantKey(merchant), 'merchant');
    assert.equal(grantKey(terminal), 'terminal');
    assert.equal(grantKey(operator('supervisor')), 'operator:supervisor');
  });

  test('only the platform may create merchants', () => {
    for (const [label, principal] of EXPECTED) assert.equal(can(principal, 'merchant:create'), label === 'platform', label);
  });

  test('refunds need a merchant key, a supervisor or a manager; cashiers and terminals cannot refund', () => {
    assert.equal(can(operator('cashier'), 'refund:create'), false);
    assert.equal(can(terminal, 'refund:create'), false);
    assert.equal(can(operator('supervisor'), 'refund:create'), true);
    assert.equal(can(operator('manager'), 'refund:create'), true);
    assert.equal(can(merchant, 'refund:create'), true);
  });

  test('an operator role outside the table is granted nothing (and does not throw)', () => {
    const rogue = { ...operator('cashier'), role: 'owner' } as unknown as Principal;
    for (const perm of PERMISSIONS) assert.equal(can(rogue, perm), false, perm);
  });

  test('an unknown permission is never granted', () => {
    for (const [label, principal] of EXPECTED) assert.equal(can(principal, 'payment:delete' as Permission), false, label);
  });
});

describe('ownsMerchant()', () => {
  test('the platform sees every merchant', () => {
    assert.equal(ownsMerchant(platform, 'm_1'), true);
    assert.equal(ownsMerchant(platform, 'm_2'), true);
  });

  const scoped: [string, Principal][] = [
    ['merchant', merchant],
    ['terminal', terminal],
    ['operator:cashier', operator('cashier')],
    ['operator:supervisor', operator('supervisor')],
    ['operator:manager', operator('manager')],
  ];
  for (const [label, principal] of scoped) {
    test(`${label} owns its own merchant only`, () => {
      assert.equal(ownsMerchant(principal, 'm_1'), true);
      assert.equal(ownsMerchant(principal, 'm_2'), false);
      assert.equal(ownsMerchant(principal, 'm_10'), false);
      assert.equal(ownsMerchant(principal, 'M_1'), false);
      assert.equal(ownsMerchant(principal, ''), false);
    });
  }
});
