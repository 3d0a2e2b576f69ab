import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, startServer, type TestServer } from '../helpers/server.ts';
import { payWithCode, scan, showQr, tradeNo } from '../helpers/flows.ts';
import { nextAttemptDelay, RETRY_SCHEDULE_S } from '../../src/webhooks/deliverer.ts';
import { signWebhook, verifyWebhook, WebhookVerificationError } from '../../src/webhooks/verify.js';
import { nowIso } from '../../src/store/db.ts';

/** A merchant's webhook endpoint: records every delivery and answers what the test says. */
interface Delivery { headers: IncomingHttpHeaders; body: string; event: { id: string; type: string; created_at: string; data: any } }

async function startReceiver() {
  const got: Delivery[] = [];
  let answer: (d: Delivery) => number = () => 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let event: Delivery['event'];
      try { event = JSON.parse(body); } catch { event = { id: '?', type: '?', created_at: '', data: null }; }
      const d = { headers: req.headers, body, event };
      got.push(d);
      res.writeHead(answer(d), { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/saoma`,
    got,
    answerWith(fn: (d: Delivery) => number) { answer = fn; },
    forEvent: (id: string) => got.filter((d) => d.event.id === id),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('webhooks', () => {
  let s: TestServer;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let secret: string;
  before(async () => {
    hook = await startReceiver();
    s = await startServer();
    secret = s.demo.webhookSecret;
    const r = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/webhook`, { url: hook.url });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.webhookUrl, hook.url);
    assert.equal(r.body.webhookSecret, undefined, 'the secret is only shown when rotated');
  });
  after(async () => {
    await s.close();
    await hook.close();
  });

  const eventLog = async (id: string) => {
    const r = await s.signed('GET', `/v1/webhooks/events/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body as { id: string; type: string; state: string; attempts: number; payload: any; deliveries: Array<{ attempt: number; url: string; status: number | null; error: string | null }> };
  };

  /** The payment.succeeded delivery for a trade number, once it arrived. */
  const succeededDelivery = (outTradeNo: string, n = 1) => eventually(async () => {
    const ds = hook.got.filter((d) => d.event.type === 'payment.succeeded' && d.event.data?.outTradeNo === outTradeNo);
    return ds.length >= n ? ds : null;
  }, `${n} payment.succeeded deliveries for ${outTradeNo}`);

  test('a payment succeeds → the endpoint gets a signed payment.succeeded event; the delivery log shows it', async () => {
    const no = tradeNo('WH');
    const p = await payWithCode(s, no, 1234, '00');
    assert.equal(p.body.state, 'succeeded');
    const [d] = await succeededDelivery(no);
    assert.equal(d!.headers['content-type'], 'application/json');
    const header = d!.headers['saoma-signature'];
    const event = verifyWebhook(d!.body, header, secret);
    assert.equal(event.type, 'payment.succeeded');
    assert.match(event.id, /^evt_/);
    assert.equal(d!.headers['saoma-event-id'], event.id);
    const data = event.data as { id: string; state: string; amount: number; outTradeNo: string };
    assert.equal(data.id, p.body.id);
    assert.equal(data.state, 'succeeded');
    assert.equal(data.amount, 1234);
    assert.ok(event.created_at);

    const log = await eventually(async () => {
      const l = await eventLog(event.id);
      return l.state === 'delivered' ? l : null;
    }, 'the delivery to be recorded');
    assert.equal(log.type, 'payment.succeeded');
    assert.equal(log.attempts, 1);
    assert.deepEqual(log.payload, JSON.parse(d!.body));
    assert.equal(log.deliveries.length, 1);
    assert.equal(log.deliveries[0]!.attempt, 1);
    assert.equal(log.deliveries[0]!.status, 200);
    assert.equal(log.deliveries[0]!.url, hook.url);
    const list = await s.signed('GET', '/v1/webhooks/events?state=delivered');
    assert.ok(list.body.data.some((e: { id: string }) => e.id === event.id));
  });

  test('verifyWebhook refuses a tampered body, a wrong secret, a stale or missing signature', async () => {
    const [d] = await succeededDelivery(hook.got.find((x) => x.event.type === 'payment.succeeded')!.event.data.outTradeNo);
    const header = d!.headers['saoma-signature'] as string;
    assert.doesNotThrow(() => verifyWebhook(d!.body, header, secret));
    assert.doesNotThrow(() => verifyWebhook(Buffer.from(d!.body), header, secret));
    const tampered = d!.body.replace('"amount":1234', '"amount":1');
    assert.notEqual(tampered, d!.body);
    assert.throws(() => verifyWebhook(tampered, header, secret), WebhookVerificationError);
    assert.throws(() => verifyWebhook(d!.body, header, `${secret}x`), WebhookVerificationError);
    assert.throws(() => verifyWebhook(d!.body, header, 'whsec_someone_else'), WebhookVerificationError);
    const t = Number(/t=(\d+)/.exec(header)![1]);
    assert.throws(() => verifyWebhook(d!.body, header, secret, { nowSeconds: t + 301 }), /tolerance/);
    assert.throws(() => verifyWebhook(d!.body, header, secret, { nowSeconds: t - 301 }), /tolerance/);
    assert.doesNotThrow(() => verifyWebhook(d!.body, header, secret, { nowSeconds: t + 299 }));
    // A captured body re-signed with an old timestamp by someone who knows the secret is still stale.
    const old = Math.floor(Date.now() / 1000) - 3600;
    assert.throws(() => verifyWebhook(d!.body, signWebhook(secret, d!.body, old), secret), /tolerance/);
    // A fresh timestamp pasted onto the old signature does not match.
    const now = Math.floor(Date.now() / 1000);
    assert.throws(() => verifyWebhook(d!.body, header.replace(/t=\d+/, `t=${now + 1}`), secret), /does not match/);
    assert.throws(() => verifyWebhook(d!.body, undefined, secret), /missing/);
    assert.throws(() => verifyWebhook(d!.body, 'v1=abc', secret), /timestamp/);
  });

  test('the endpoint answers 500 → retried with back-off, then delivered; a manual resend delivers again', async () => {
    const no = tradeNo('WH500');
    let failures = 0;
    hook.answerWith((d) => {
      if (d.event.data?.outTradeNo === no && failures < 1) {
        failures += 1;
        return 500;
      }
      return 200;
    });
    try {
      await payWithCode(s, no, 4321, '00');
      const [first] = await succeededDelivery(no);
      const id = first!.event.id;
      const failed = await eventually(async () => {
        const l = await eventLog(id);
        return l.attempts === 1 ? l : null;
      }, 'the failed attempt to be recorded');
      assert.equal(failed.state, 'pending');
      assert.equal(failed.deliveries[0]!.status, 500);
      const row = await s.rt.store.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.last_status, 500);
      assert.ok(Date.parse(row.next_attempt_at) > Date.parse(row.created_at), 'the retry waits (back-off)');
      const listed = await s.signed('GET', '/v1/webhooks/events?state=pending');
      assert.ok(listed.body.data.some((e: { id: string; attempts: number; nextAttemptAt: string | null; lastStatus: number | null }) =>
        e.id === id && e.attempts === 1 && e.nextAttemptAt !== null && e.lastStatus === 500));

      // Skip the back-off wait (the schedule itself is checked below).
      await s.rt.store.write((tx) => tx.updateTable('outbox').set({ next_attempt_at: nowIso() }).where('id', '=', id).execute());
      const delivered = await eventually(async () => {
        const l = await eventLog(id);
        return l.state === 'delivered' ? l : null;
      }, 'the retry to deliver');
      assert.equal(delivered.attempts, 2);
      assert.deepEqual(delivered.deliveries.map((x) => [x.attempt, x.status]), [[1, 500], [2, 200]]);
      const both = hook.forEvent(id);
      assert.equal(both.length, 2);
      assert.equal(both[0]!.body, both[1]!.body, 'the same event, byte for byte');
      for (const d of both) verifyWebhook(d.body, d.headers['saoma-signature'], secret);

      const resend = await s.signed('POST', `/v1/webhooks/events/${id}/resend`);
      assert.equal(resend.status, 202);
      const again = await eventually(async () => {
        const l = await eventLog(id);
        return l.state === 'delivered' && l.attempts === 3 ? l : null;
      }, 'the resend to deliver');
      assert.deepEqual(again.deliveries.map((x) => x.status), [500, 200, 200]);
      assert.equal(hook.forEvent(id).length, 3);
      const unknown = await s.signed('POST', '/v1/webhooks/events/evt_nope/resend');
      assert.equal(unknown.status, 404);
    } finally {
      hook.answerWith(() => 200);
    }
  });

  test('the retry schedule spreads about 24 hours, then the event is parked as failed and can be re-sent', async () => {
    assert.equal(nextAttemptDelay(1), 5);
    for (let a = 2; a <= RETRY_SCHEDULE_S.length; a++) assert.ok(nextAttemptDelay(a)! >= nextAttemptDelay(a - 1)!, `delay ${a} does not shrink`);
    assert.equal(nextAttemptDelay(RETRY_SCHEDULE_S.length + 1), null);
    const total = RETRY_SCHEDULE_S.reduce((a, b) => a + b, 0);
    assert.ok(total >= 22 * 3600 && total <= 26 * 3600, `total back-off ${total / 3600} h`);

    // An event on its last attempt that fails again is parked as failed.
    const no = tradeNo('WHPARK');
    hook.answerWith((d) => (d.event.data?.outTradeNo === no ? 503 : 200));
    try {
      await payWithCode(s, no, 555, '00');
      const [first] = await succeededDelivery(no);
      const id = first!.event.id;
      await eventually(async () => (await eventLog(id)).attempts === 1, 'the first failure');
      await s.rt.store.write((tx) => tx.updateTable('outbox').set({ attempts: RETRY_SCHEDULE_S.length, next_attempt_at: nowIso() }).where('id', '=', id).execute());
      const parked = await eventually(async () => {
        const l = await eventLog(id);
        return l.state === 'failed' ? l : null;
      }, 'the event to be parked');
      assert.equal(parked.attempts, RETRY_SCHEDULE_S.length + 1);
      hook.answerWith(() => 200);
      assert.equal((await s.signed('POST', `/v1/webhooks/events/${id}/resend`)).status, 202);
      await eventually(async () => (await eventLog(id)).state === 'delivered', 'the resent event to be delivered');
    } finally {
      hook.answerWith(() => 200);
    }
  });

  test('without an endpoint events wait; setting one (with a rotated secret) sends them, signed with the new secret', async () => {
    const off = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/webhook`, { url: null });
    assert.equal(off.status, 200);
    const no = tradeNo('WHOFF');
    const p = await payWithCode(s, no, 808, '00');
    const parked = await eventually(async () => {
      const rows = await s.rt.store.db.selectFrom('outbox').selectAll().where('event_type', '=', 'payment.succeeded').execute();
      const row = rows.find((r) => JSON.parse(r.payload).data.id === p.body.id);
      return row && row.state === 'no_endpoint' ? row : null;
    }, 'the event to wait for an endpoint');
    const on = await s.signed('PUT', `/v1/merchants/${s.demo.merchantId}/webhook`, { url: hook.url, rotateSecret: true });
    assert.equal(on.status, 200);
    const fresh = on.body.webhookSecret as string;
    assert.match(fresh, /^whsec_/);
    assert.notEqual(fresh, secret);
    const [d] = await succeededDelivery(no);
    assert.equal(d!.event.id, parked.id);
    const ev = verifyWebhook(d!.body, d!.headers['saoma-signature'], fresh);
    assert.equal((ev.data as { id: string }).id, p.body.id);
    assert.throws(() => verifyWebhook(d!.body, d!.headers['saoma-signature'], secret), WebhookVerificationError);
    secret = fresh;
  });

  test('SSE: the stream sends the current state, then the success after the QR is scanned, then ends', async () => {
    const qr = await showQr(s, tradeNo('SSE'), 1688);
    assert.equal(qr.body.state, 'waiting_customer');
    const res = await fetch(`${s.url}/v1/payments/${qr.body.id}/stream`, { headers: { authorization: `Bearer ${s.demo.terminalToken}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const events: Array<{ event: string; id: string; data: any }> = [];
    let ended = false;
    /** Reads until `n` events arrived or the stream ended. */
    const readUntil = async (n: number) => {
      while (events.length < n && !ended) {
        const { value, done } = await reader.read();
        if (done) { ended = true; break; }
        buffer += decoder.decode(value, { stream: true });
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':') && l.includes(':'))
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
          if (fields.event) events.push({ event: fields.event, id: fields.id ?? '', data: JSON.parse(fields.data ?? 'null') });
        }
      }
    };
    await readUntil(1);
    assert.equal(events[0]!.event, 'payment');
    assert.equal(events[0]!.data.id, qr.body.id);
    assert.equal(events[0]!.data.state, 'waiting_customer');
    assert.equal((await scan(s, qr.body.qrCode)).code, 'SUCCESS');
    await readUntil(Number.POSITIVE_INFINITY);
    assert.ok(ended, 'the stream ends once the payment is final');
    const states = events.map((e) => e.data.state);
    assert.equal(states.at(-1), 'succeeded');
    assert.ok(states.slice(0, -1).every((x) => x === 'waiting_customer'), states.join(' → '));
    assert.ok(events.every((e) => e.event === 'payment'));

    // A final payment: one event, then the end.
    const res2 = await fetch(`${s.url}/v1/payments/${qr.body.id}/stream`, { headers: { authorization: `Bearer ${s.demo.terminalToken}` } });
    const text = await res2.text();
    assert.equal((text.match(/^event: payment$/gm) ?? []).length, 1);
    assert.match(text, /"state":"succeeded"/);
    const anon = await fetch(`${s.url}/v1/payments/${qr.body.id}/stream`);
    assert.equal(anon.status, 401);
    await anon.body?.cancel();
  });
});
