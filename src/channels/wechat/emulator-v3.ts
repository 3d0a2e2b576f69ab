import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import type { RefundRow, TradeRow, WechatEmulator, WechatMerchant } from './emulator.ts';
import { UNDOCUMENTED_CODE } from './emulator.ts';
import { parseAuthorization, requestMessage, rfc3339Beijing, rsaVerify, V3_MAX_SKEW_S } from './v3.ts';

/**
 * WeChat Pay API v3 on the emulator: our `Authorization` checked against the merchant's public key, every
 * answer (errors and 204s included) signed with the platform key, errors as `{code, message}` with WeChat's
 * HTTP statuses, and the shared faults.
 */
type Answer = { status: number; body?: Record<string, unknown> };
const err = (status: number, code: string, message: string): Answer => ({ status, body: { code, message } });
const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : null;
  } catch {
    return null;
  }
}

function parseRfc3339(v: unknown): string | null {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/.test(v)) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function refundJson(r: RefundRow, t: TradeRow): Record<string, unknown> {
  const done = Date.parse(r.done_at) <= Date.now();
  return {
    refund_id: r.refund_id, out_refund_no: r.out_refund_no, transaction_id: t.transaction_id, out_trade_no: t.out_trade_no, channel: 'ORIGINAL',
    user_received_account: '支付用户零钱', ...(done ? { success_time: rfc3339Beijing(new Date(r.done_at)) } : {}), create_time: rfc3339Beijing(new Date(r.created_at)),
    status: done ? 'SUCCESS' : 'PROCESSING', funds_account: 'AVAILABLE',
    amount: { total: t.amount, refund: r.amount, payer_total: t.amount, payer_refund: r.amount, settlement_refund: r.amount, settlement_total: t.amount, discount_refund: 0, currency: 'CNY', refund_fee: 0 },
  };
}

export function v3Routes(app: FastifyInstance, emu: WechatEmulator): void {
  /** The merchant whose `Authorization` verifies (after the latency/hang faults), or the refusal to send. */
  const authenticate = async (request: FastifyRequest, text: string): Promise<{ m: WechatMerchant } | { refused: Answer; mch?: string }> => {
    const auth = parseAuthorization(request.headers.authorization);
    const m = auth ? emu.merchants.get(auth.mchid) : undefined;
    if (!auth || !m?.v3) return { refused: err(401, 'SIGN_ERROR', 'Authorization 缺失或商户号不存在') };
    await emu.faults.delay(m.mchId);
    if (auth.serial_no !== m.v3.merchantSerial) return { refused: err(401, 'SIGN_ERROR', '商户证书序列号有误'), mch: m.mchId };
    if (!/^\d{1,12}$/.test(auth.timestamp) || Math.abs(Date.now() / 1000 - Number(auth.timestamp)) >= V3_MAX_SKEW_S) return { refused: err(401, 'SIGN_ERROR', '时间戳超出有效范围'), mch: m.mchId };
    if (!rsaVerify(requestMessage(request.method, request.url, auth.timestamp, auth.nonce_str, text), auth.signature, m.v3.merchantPublicKey)) {
      return { refused: err(401, 'SIGN_ERROR', '签名错误'), mch: m.mchId };
    }
    return { m };
  };

  /** Verifies the caller, applies the faults, runs the operation, signs the answer. */
  const handle = (op: (m: WechatMerchant, body: Record<string, unknown>, req: FastifyRequest) => Answer) => async (request: FastifyRequest, reply: FastifyReply) => {
    const text = typeof request.body === 'string' ? request.body : '';
    const send = (mch: string | undefined, a: Answer) => {
      const body = a.body === undefined ? '' : JSON.stringify(a.body);
      reply.code(a.status).headers(emu.signedHeaders(mch, body));
      return a.body === undefined ? reply.send() : reply.type('application/json; charset=utf-8').send(body);
    };
    const caller = await authenticate(request, text);
    if ('refused' in caller) return send(caller.mch, caller.refused);
    const { m } = caller;
    const body = request.method === 'GET' ? {} : parseJson(text);
    if (body === null) return send(m.mchId, err(400, 'PARAM_ERROR', '请求体不是JSON对象'));
    const outTradeNo = (request.params as { no?: string }).no ?? (typeof body.out_trade_no === 'string' ? body.out_trade_no : undefined);
    let a: Answer;
    if (emu.faults.take(m.mchId, 'systemErrorNext')) {
      a = err(500, 'SYSTEM_ERROR', '系统错误');
    } else {
      a = op(m, body, request);
      if (emu.faults.take(m.mchId, 'unknownResultNext')) a = err(400, UNDOCUMENTED_CODE, 'an answer nobody documented');
    }
    emu.calls.push({ path: request.routeOptions.url ?? request.url, outTradeNo, at: Date.now(), ...(a.body && typeof a.body.code === 'string' ? { errCode: a.body.code } : {}) });
    if (emu.faults.take(m.mchId, 'lostReplyNext')) return reply.code(502).send('bad gateway');
    return send(m.mchId, a);
  };

  const order = (tradeType: 'NATIVE' | 'JSAPI') => (m: WechatMerchant, b: Record<string, unknown>): Answer => {
    const amount = b.amount as { total?: unknown; currency?: unknown } | undefined;
    const payer = b.payer as { openid?: unknown } | undefined;
    if (b.appid !== m.appId) return err(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (b.mchid !== m.mchId) return err(400, 'PARAM_ERROR', 'mchid与请求头不一致');
    if (typeof b.out_trade_no !== 'string' || !OUT_TRADE_NO.test(b.out_trade_no)) return err(400, 'PARAM_ERROR', '商户订单号 out_trade_no 格式错误');
    if (typeof b.description !== 'string' || b.description === '' || b.description.length > 127) return err(400, 'PARAM_ERROR', 'description 必填，不超过127字符');
    if (typeof b.notify_url !== 'string' || !/^https?:\/\//.test(b.notify_url)) return err(400, 'PARAM_ERROR', 'notify_url 格式错误');
    if (!amount || !Number.isInteger(amount.total) || (amount.total as number) <= 0 || (amount.currency !== undefined && amount.currency !== 'CNY')) return err(400, 'PARAM_ERROR', 'amount.total 必须为正整数（分），currency 为 CNY');
    if (tradeType === 'JSAPI' && (typeof payer?.openid !== 'string' || payer.openid === '')) return err(400, 'PARAM_ERROR', 'payer.openid 必填');
    const expiresAt = b.time_expire === undefined ? null : parseRfc3339(b.time_expire);
    if (b.time_expire !== undefined && expiresAt === null) return err(400, 'PARAM_ERROR', 'time_expire 必须为 RFC 3339 格式');
    const r = emu.placeOrder(m, {
      outTradeNo: b.out_trade_no, amount: amount.total as number, tradeType, notifyUrl: b.notify_url, expiresAt, api: 'v3',
      ...(tradeType === 'JSAPI' ? { openid: payer!.openid as string } : {}), description: b.description,
    });
    if (!r.ok) {
      if (r.code === 'ORDERPAID') return err(403, 'ORDERPAID', '该订单已支付');
      if (r.code === 'ORDERCLOSED') return err(400, 'ORDER_CLOSED', '订单已关闭');
      return err(403, 'OUT_TRADE_NO_USED', '商户订单号重复');
    }
    return { status: 200, body: tradeType === 'NATIVE' ? { code_url: `weixin://wxpay/bizpayurl?pr=${r.row.code_token}` } : { prepay_id: r.row.prepay_id } };
  };
  app.post('/v3/pay/transactions/native', handle(order('NATIVE')));
  app.post('/v3/pay/transactions/jsapi', handle(order('JSAPI')));

  app.get('/v3/pay/transactions/out-trade-no/:no', handle((m, _b, req) => {
    const { no } = req.params as { no: string };
    if ((req.query as { mchid?: string }).mchid !== m.mchId) return err(400, 'PARAM_ERROR', 'mchid 与请求头不一致');
    const t = emu.trade(m.mchId, no);
    return t ? { status: 200, body: emu.transactionJson(t) } : err(404, 'ORDER_NOT_EXIST', '订单不存在');
  }));

  app.post('/v3/pay/transactions/out-trade-no/:no/close', handle((m, b, req) => {
    if (b.mchid !== m.mchId) return err(400, 'PARAM_ERROR', 'mchid 与请求头不一致');
    const r = emu.closeTrade(m.mchId, (req.params as { no: string }).no);
    if (r === 'ORDERNOTEXIST') return err(404, 'ORDER_NOT_EXIST', '订单不存在');
    if (r === 'ORDERPAID') return err(403, 'ORDERPAID', '订单已支付');
    if (r === 'ORDERCLOSED') return err(400, 'ORDER_CLOSED', '订单已关闭');
    return { status: 204 };
  }));

  app.post('/v3/refund/domestic/refunds', handle((m, b) => {
    const amount = b.amount as { refund?: unknown; total?: unknown; currency?: unknown } | undefined;
    let outTradeNo = typeof b.out_trade_no === 'string' ? b.out_trade_no : undefined;
    if (outTradeNo === undefined && typeof b.transaction_id === 'string') {
      const t = emu.db.prepare('SELECT out_trade_no FROM trades WHERE mch_id = ? AND transaction_id = ?').get(m.mchId, b.transaction_id) as { out_trade_no: string } | undefined;
      if (!t) return err(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
      outTradeNo = t.out_trade_no;
    }
    if (outTradeNo === undefined || typeof b.out_refund_no !== 'string' || !/^[0-9A-Za-z_\-|*@]{1,64}$/.test(b.out_refund_no)) return err(400, 'PARAM_ERROR', 'out_trade_no/transaction_id 与 out_refund_no 必填');
    if (!amount || !Number.isInteger(amount.refund) || !Number.isInteger(amount.total) || (amount.refund as number) <= 0 || amount.currency !== 'CNY') return err(400, 'PARAM_ERROR', 'amount.refund、amount.total 为正整数（分），currency 为 CNY');
    if (b.notify_url !== undefined && (typeof b.notify_url !== 'string' || !/^https?:\/\//.test(b.notify_url))) return err(400, 'PARAM_ERROR', 'notify_url 格式错误');
    const r = emu.refundTrade(m.mchId, {
      outTradeNo, outRefundNo: b.out_refund_no, amount: amount.refund as number, total: amount.total as number,
      ...(typeof b.notify_url === 'string' ? { notifyUrl: b.notify_url } : {}),
    });
    if (!r.ok) return r.code === 'ORDERNOTEXIST' ? err(404, 'RESOURCE_NOT_EXISTS', '订单不存在') : err(400, 'INVALID_REQUEST', r.message);
    return { status: 200, body: refundJson(r.refund, r.trade) };
  }));

  // The day's trade bill: a signed answer naming a download URL and the file's SHA1; the download itself is
  // not signed (WeChat exempts downloads), so the hash is what proves the file whole.
  app.get('/v3/bill/tradebill', handle((m, _b, req) => {
    const q = req.query as { bill_date?: string; bill_type?: string };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(q.bill_date ?? '')) return err(400, 'PARAM_ERROR', 'bill_date 格式为 yyyy-MM-dd');
    if ((q.bill_type ?? 'ALL') !== 'ALL') return err(400, 'PARAM_ERROR', 'the emulator serves bill_type=ALL');
    const file = emu.billFile(m.mchId, q.bill_date!.replace(/-/g, ''));
    if (!file) return err(400, 'NO_STATEMENT_EXIST', '账单文件不存在');
    const token = randomBytes(16).toString('hex');
    billFiles.set(token, { mch: m.mchId, text: file.served });
    const base = emu.publicUrl ?? `${req.protocol}://${req.headers.host}`;
    return { status: 200, body: { hash_type: 'SHA1', hash_value: createHash('sha1').update(file.whole, 'utf8').digest('hex'), download_url: `${base}/v3/billdownload/file?token=${token}` } };
  }));
  const billFiles = new Map<string, { mch: string; text: string }>();
  app.get('/v3/billdownload/file', async (request, reply) => {
    const caller = await authenticate(request, '');
    if ('refused' in caller) return reply.code(caller.refused.status).send(caller.refused.body);
    const file = billFiles.get((request.query as { token?: string }).token ?? '');
    if (!file || file.mch !== caller.m.mchId) return reply.code(404).send({ code: 'RESOURCE_NOT_EXISTS', message: '账单文件不存在或已过期' });
    return reply.type('text/plain; charset=utf-8').send(file.text);
  });

  app.get('/v3/refund/domestic/refunds/:no', handle((m, _b, req) => {
    const r = emu.refundRows(m.mchId, { outRefundNo: (req.params as { no: string }).no })[0];
    if (!r) return err(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
    return { status: 200, body: refundJson(r, emu.trade(m.mchId, r.out_trade_no)!) };
  }));
}
