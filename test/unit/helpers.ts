import assert from 'node:assert/strict';
import { SaomaError, ERROR_STATUS, type ErrorCode } from '../../src/core/errors.ts';

/** Asserts that `fn` throws a SaomaError with exactly `code` (and the status that code maps to); returns it. */
export function throwsSaoma(fn: () => unknown, code: ErrorCode): SaomaError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected a SaomaError "${code}", but nothing was thrown`);
  assert.ok(caught instanceof SaomaError, `expected a SaomaError "${code}", got ${String(caught)}`);
  assert.equal(caught.code, code, `expected code "${code}", got "${caught.code}": ${caught.message}`);
  assert.equal(caught.status, ERROR_STATUS[code]);
  return caught;
}
