import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, eventually, type TestServer } from '../helpers/server.ts';
import { TEST_STORE } from '../helpers/store.ts';
import { charges, payWithCode, scan, showQr, tradeNo, waitFinal } from '../helpers/flows.ts';
import type { Payment } from '../../src/core/domain.ts';
import { watchTerminal } from '../browser/terminal-feed.ts';

/**
 * The PostgreSQL deployment: identical stateless instances over one database. Their pollers share the
 * work without driving one payment twice, and a payment settled on one instance shows live on another
 * (LISTEN/NOTIFY). SQLite is one process by design, so this runs on PostgreSQL only.
 */
describe('two instances on one PostgreSQL database', { skip: TEST_STORE !== 'pg' && 'PostgreSQL only' }, () => {
  let a: TestServer;
  let b: TestServer;
  before(async () => {
    // A polls rarely, so a payment it creates is settled only by the wallet's notification to A.
    a = await startServer({ queryIntervalMs: 60_000 });
    b = await startServer({}, { database: a.db });
  });
  after(async () => {
    await b.close({ keepDatabase: true });
    await a.close();
  });

  test('payments taken on both instances settle once each, whichever poller gets them', async () => {
    const made = [];
    for (let i = 0; i < 6; i++) {
      const s = i % 2 === 0 ? a : b;
      const no = tradeNo('TWO');
      const r = await payWithCode(s, no, 100 + i, '02');
      assert.equal(r.status, 201, JSON.stringify(r.body));
      made.push({ id: r.body.id as string, no });
    }
    for (const m of made) {
      const p = await waitFinal(b, m.id);
      assert.equal(p.state, 'succeeded');
      assert.equal(charges(a, m.no).times_charged, 1);
      const events = await a.rt.store.db.selectFrom('payment_events').select('to_state').where('payment_id', '=', m.id).where('to_state', '=', 'succeeded').execute();
      assert.equal(events.length, 1, 'one succeeded transition, not one per instance');
      const journals = await a.rt.store.db.selectFrom('journals').select('id').where('ref', '=', m.id).execute();
      assert.equal(journals.length, 1);
    }
  });

  test('a terminal\'s stream held by instance B shows a payment on that terminal settled through instance A', async () => {
    const feed = watchTerminal(b.url, b.demo.terminalId, b.demo.terminalToken);
    try {
      await feed.ready;
      const qr = await showQr(a, tradeNo('TWOTS'), 990);
      assert.equal(qr.body.state, 'waiting_customer');
      await scan(a, qr.body.qrCode);
      await eventually(async () => feed.events.some((e) => e.id === qr.body.id && e.state === 'succeeded'), 'instance B\'s terminal stream to show it paid');
      assert.ok(feed.events.every((e) => e.terminalId === b.demo.terminalId));
    } finally {
      feed.close();
    }
  });

  test('a QR paid through instance A shows live on an SSE stream held by instance B', async () => {
    const published: Payment[] = [];
    const original = b.rt.bus.publish.bind(b.rt.bus);
    b.rt.bus.publish = (p: Payment) => {
      published.push(p);
      original(p);
    };
    try {
      const qr = await showQr(a, tradeNo('TWOQR'), 880);
      assert.equal(qr.body.state, 'waiting_customer');
      const res = await fetch(`${b.url}/v1/payments/${qr.body.id}/stream`, { headers: { authorization: `Bearer ${b.demo.terminalToken}` } });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      const first = await reader.read();
      text += decoder.decode(first.value);
      assert.match(text, /"state":"waiting_customer"/);
      await scan(a, qr.body.qrCode);
      for (;;) {
        const { value, done } = await reader.read();
        if (value) text += decoder.decode(value);
        if (done || /"state":"succeeded"/.test(text)) break;
      }
      assert.match(text, /"state":"succeeded"/);
      // B never touched this payment itself: what it streamed came from A through the database.
      await eventually(async () => published.some((p) => p.id === qr.body.id && p.state === 'succeeded'), 'B to hear of the change');
      const byB = await a.rt.store.db.selectFrom('payment_events').select('source').where('payment_id', '=', qr.body.id).where('to_state', '=', 'succeeded').executeTakeFirstOrThrow();
      assert.equal(byB.source, 'notify');
      await reader.cancel();
    } finally {
      b.rt.bus.publish = original;
    }
  });
});
