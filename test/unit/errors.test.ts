import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SaomaError, ERROR_STATUS, isSaomaError } from '../../src/core/errors.ts';

describe('SaomaError', () => {
  test('carries code, HTTP status, message and details', () => {
    const e = new SaomaError('refund_exceeds_paid', 'too much', { refundable: 5 });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'SaomaError');
    assert.equal(e.code, 'refund_exceeds_paid');
    assert.equal(e.status, 409);
    assert.equal(e.message, 'too much');
    assert.deepEqual(e.details, { refundable: 5 });
  });

  test('details are undefined when not given', () => {
    assert.equal(new SaomaError('internal', 'x').details, undefined);
  });

  test('status codes of the codes the core throws are stable', () => {
    assert.equal(ERROR_STATUS.invalid_amount, 400);
    assert.equal(ERROR_STATUS.unknown_currency, 400);
    assert.equal(ERROR_STATUS.currency_mismatch, 400);
    assert.equal(ERROR_STATUS.invalid_transition, 409);
    assert.equal(ERROR_STATUS.refund_exceeds_paid, 409);
    assert.equal(ERROR_STATUS.payment_not_refundable, 409);
    assert.equal(ERROR_STATUS.tender_exceeds_due, 409);
    assert.equal(ERROR_STATUS.sale_closed, 409);
    assert.equal(ERROR_STATUS.internal, 500);
  });

  test('isSaomaError distinguishes SaomaError from other values', () => {
    assert.equal(isSaomaError(new SaomaError('not_found', 'x')), true);
    assert.equal(isSaomaError(new Error('x')), false);
    assert.equal(isSaomaError({ code: 'not_found', status: 404 }), false);
    assert.equal(isSaomaError(undefined), false);
  });
});
