import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signedHeaders as serverHeaders, signRequest as serverSign } from '../../src/security/request-signing.ts';
import { signedHeaders, signRequest } from '../../web/console/src/sign.ts';

/** The console signs in the browser with @noble/hashes; the server checks with node:crypto. They must agree. */
test('the console signs a request exactly as the server checks it', () => {
  const cases: Array<[string, string, string, string]> = [
    ['GET', '/v1/merchant', '', 'key_secret_abc'],
    ['post', '/v1/merchants/m_1/receipt-preview', JSON.stringify({ kind: 'sale', template: '^^欢迎光临 Welcome\n{{sale.total}}', lang: 'zh-Hant+en' }), 's3cr3t-密钥'],
    ['GET', '/v1/merchants/m_1/verification-receipts?code=AB12&collected=false&from=2026-11-01T00%3A00%3A00.000Z', '', 'x'],
  ];
  for (const [method, path, body, secret] of cases) {
    assert.equal(signRequest(secret, method, path, '1764115200', 'nonce-1', body), serverSign(secret, method, path, '1764115200', 'nonce-1', body));
    assert.deepEqual(signedHeaders('key_1', secret, method, path, body, 1764115200, '00000000-0000-4000-8000-000000000002'), serverHeaders('key_1', secret, method, path, body, 1764115200, '00000000-0000-4000-8000-000000000002'));
  }
});

test('a changed byte of the body changes the signature', () => {
  assert.notEqual(signRequest('s', 'PUT', '/p', '1', 'n', '{"a":1}'), signRequest('s', 'PUT', '/p', '1', 'n', '{"a":2}'));
});
