import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.ts';

/** A supervisor who approved one refund is logged out at once: the token stops working there and then. */
describe(`operator logout (${process.env.SAOMA_TEST_STORE ?? 'sqlite'})`, () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  const as = (token: string, method: string, path: string) => s.raw(method, path, { headers: { authorization: `Bearer ${token}` } });

  test('logout ends the session; the terminal token cannot log out', async () => {
    const login = await s.terminal('POST', '/v1/operators/login', { operatorId: s.demo.supervisor.id, pin: s.demo.supervisor.pin });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const token = login.body.token as string;
    assert.equal((await as(token, 'GET', '/v1/payments')).status, 200);
    assert.equal((await as(token, 'POST', '/v1/operators/logout')).status, 204);
    const after = await as(token, 'GET', '/v1/payments');
    assert.equal(after.status, 401);
    assert.equal((await s.terminal('POST', '/v1/operators/logout')).status, 403);
  });
});
