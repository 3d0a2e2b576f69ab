import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chunks, DEFAULT_SETTINGS, findBulkOut, loadSettings, parseSettings, sameDevice, saleReceiptPath, saveSettings, SETTINGS_KEY, support,
  verificationReceiptPath, writeSerial, writeUsb, type SerialPortLike, type UsbDeviceLike, type UsbInterfaceLike,
} from '../../web/pos/src/local-printer-core.ts';
import { inkOf, parseGifts, tooLittleInk } from '../../web/pos/src/sign-input.ts';
import { jobsState, refresh, type PrintJob } from '../../web/pos/src/store-printers.ts';
import { DICTS } from '../../web/pos/src/i18n.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tradeNo } from '../helpers/flows.ts';
import { decodeEscPos, textOf } from '../printer/escpos.ts';

/**
 * The counter's printing, the parts without a browser: the local printer's settings, chunking, what
 * a browser without WebUSB / Web Serial is told, the USB and serial byte paths on a recording device
 * (with the real ESC/POS the server renders), job states, and the signature and gift checks.
 */

/** A USB printer that records what reaches its bulk OUT endpoint; `failAfter` makes it stall. */
function fakeUsb(opts: { interfaces?: UsbInterfaceLike[]; failAfter?: number; claimFails?: boolean } = {}) {
  const log: string[] = [];
  const received: Uint8Array[] = [];
  const ifaces: UsbInterfaceLike[] = opts.interfaces ?? [
    { interfaceNumber: 0, claimed: false, alternate: null, alternates: [{ alternateSetting: 0, interfaceClass: 3, endpoints: [{ endpointNumber: 1, direction: 'out', type: 'interrupt', packetSize: 8 }] }] },
    { interfaceNumber: 1, claimed: false, alternate: null, alternates: [{ alternateSetting: 0, interfaceClass: 7, endpoints: [
      { endpointNumber: 2, direction: 'in', type: 'bulk', packetSize: 64 }, { endpointNumber: 3, direction: 'out', type: 'bulk', packetSize: 64 },
    ] }] },
  ];
  const device: UsbDeviceLike = {
    vendorId: 0x0416, productId: 0x5011, serialNumber: 'P58-1', opened: false, configuration: null,
    async open() { log.push('open'); device.opened = true; },
    async close() { log.push('close'); device.opened = false; },
    async selectConfiguration(n) { log.push(`config ${n}`); device.configuration = { interfaces: ifaces }; },
    async claimInterface(n) { if (opts.claimFails) throw new Error('Unable to claim interface.'); log.push(`claim ${n}`); },
    async releaseInterface(n) { log.push(`release ${n}`); },
    async selectAlternateInterface(n, a) { log.push(`alt ${n} ${a}`); },
    async transferOut(ep, data) {
      if (opts.failAfter !== undefined && received.length >= opts.failAfter) return { status: 'stall', bytesWritten: 0 };
      log.push(`out ${ep} ${data.length}`);
      received.push(data.slice());
      return { status: 'ok', bytesWritten: data.length };
    },
  };
  return { device, log, received, bytes: () => Buffer.concat(received) };
}

function fakeSerial() {
  const log: string[] = [];
  const received: Uint8Array[] = [];
  const port: SerialPortLike = {
    async open(o) { log.push(`open ${o.baudRate}`); },
    async close() { log.push('close'); },
    writable: { getWriter: () => ({ async write(c) { received.push(c.slice()); }, async close() { log.push('drained'); }, releaseLock() { log.push('release'); } }) },
  };
  return { port, log, received, bytes: () => Buffer.concat(received) };
}

describe('local printer settings', () => {
  test('what localStorage holds is checked field by field; anything unknown falls back to the default', () => {
    assert.deepEqual(parseSettings(null), DEFAULT_SETTINGS);
    assert.deepEqual(parseSettings('not json'), DEFAULT_SETTINGS);
    assert.deepEqual(parseSettings('[1,2]'), DEFAULT_SETTINGS);
    assert.deepEqual(parseSettings(JSON.stringify({ transport: 'serial', paper: 80, encoding: 'big5', baudRate: 115200, device: { vendorId: 1046, productId: 20497, serialNumber: 'X' } })),
      { transport: 'serial', paper: 80, encoding: 'big5', baudRate: 115200, device: { vendorId: 1046, productId: 20497, serialNumber: 'X' } });
    assert.deepEqual(parseSettings(JSON.stringify({ transport: 'bluetooth', paper: '80', encoding: 'utf8', baudRate: 9601, device: { vendorId: -1, productId: 2 } })), DEFAULT_SETTINGS);
    assert.equal(parseSettings(JSON.stringify({ baudRate: 19200 })).baudRate, 19200);
    assert.equal(DEFAULT_SETTINGS.baudRate, 9600);
    assert.equal(DEFAULT_SETTINGS.paper, 58);
  });

  test('saved and read back through a storage; a storage that throws neither loses printing nor crashes', () => {
    const m = new Map<string, string>();
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    saveSettings(storage, { ...DEFAULT_SETTINGS, encoding: 'gb18030', paper: 80 });
    assert.ok(m.has(SETTINGS_KEY));
    assert.equal(loadSettings(storage).encoding, 'gb18030');
    assert.equal(loadSettings(storage).paper, 80);
    const broken = { getItem: () => { throw new Error('SecurityError'); }, setItem: () => { throw new Error('QuotaExceededError'); } };
    assert.deepEqual(loadSettings(broken), DEFAULT_SETTINGS);
    assert.doesNotThrow(() => saveSettings(broken, DEFAULT_SETTINGS));
  });

  test('the receipt paths carry paper, encoding and language', () => {
    const s = { ...DEFAULT_SETTINGS, paper: 80 as const, encoding: 'big5' as const };
    assert.equal(saleReceiptPath('sal_1', s, 'zh-Hant'), '/v1/sales/sal_1/receipt?format=escpos&lang=zh-Hant&paper=80&encoding=big5');
    assert.equal(verificationReceiptPath('rcv/1', DEFAULT_SETTINGS, 'zh-Hans+en'), '/v1/verification-receipts/rcv%2F1/receipt?format=escpos&lang=zh-Hans%2Ben&paper=58&encoding=gbk');
  });
});

describe('chunks', () => {
  test('pieces of at most the size, in order, that together are the job', () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
    const parts = chunks(bytes, 4096);
    assert.deepEqual(parts.map((p) => p.length), [4096, 4096, 1808]);
    assert.deepEqual(Buffer.concat(parts), Buffer.from(bytes));
    assert.deepEqual(chunks(new Uint8Array(0), 64), []);
    assert.deepEqual(chunks(new Uint8Array(64), 64).map((p) => p.length), [64]);
    assert.throws(() => chunks(bytes, 0), RangeError);
    assert.throws(() => chunks(bytes, 1.5), RangeError);
  });
});

describe('what the browser can do', () => {
  test('no secure page, no navigator.usb or no navigator.serial is said as such', () => {
    assert.equal(support({ isSecureContext: false, usb: {}, serial: {} }, 'usb'), 'insecure');
    assert.equal(support({ isSecureContext: true }, 'usb'), 'no-usb');
    assert.equal(support({ isSecureContext: true, usb: {} }, 'serial'), 'no-serial');
    assert.equal(support({ isSecureContext: true, usb: {} }, 'usb'), null);
    assert.equal(support({ isSecureContext: true, serial: {} }, 'serial'), null);
    for (const lang of ['en', 'zh-Hans', 'zh-Hant'] as const) {
      assert.match(DICTS[lang].prLocalInsecure, /https:\/\//);
      assert.match(DICTS[lang].prLocalNoUsb, /WebUSB/);
      assert.match(DICTS[lang].prLocalNoSerial, /Web Serial/);
    }
  });
  test('a remembered device is found again by vendor, product and serial number', () => {
    assert.ok(sameDevice({ vendorId: 1, productId: 2 }, { vendorId: 1, productId: 2, serialNumber: 'x' }));
    assert.ok(sameDevice({ vendorId: 1, productId: 2, serialNumber: 'x' }, { vendorId: 1, productId: 2, serialNumber: 'x' }));
    assert.ok(!sameDevice({ vendorId: 1, productId: 2, serialNumber: 'x' }, { vendorId: 1, productId: 2, serialNumber: 'y' }));
    assert.ok(!sameDevice({ vendorId: 1, productId: 2 }, { vendorId: 1, productId: 3 }));
  });
});

describe('sending bytes to a USB or serial printer', () => {
  test('USB: configuration 1, the printer-class interface claimed, its bulk OUT endpoint fed in chunks, then released', async () => {
    const usb = fakeUsb();
    const job = Uint8Array.from({ length: 9000 }, (_, i) => (i * 7) % 256);
    assert.equal(await writeUsb(usb.device, job), 9000);
    assert.deepEqual(usb.log, ['open', 'config 1', 'claim 1', 'out 3 4096', 'out 3 4096', 'out 3 808', 'release 1', 'close']);
    assert.deepEqual(usb.bytes(), Buffer.from(job));
  });

  test('USB: an interface that is not printer class is used when it is the only one with a bulk OUT; none is an error', async () => {
    const vendor = fakeUsb({ interfaces: [{ interfaceNumber: 0, claimed: false, alternate: null, alternates: [
      { alternateSetting: 0, interfaceClass: 255, endpoints: [] }, { alternateSetting: 1, interfaceClass: 255, endpoints: [{ endpointNumber: 1, direction: 'out', type: 'bulk', packetSize: 64 }] },
    ] }] });
    vendor.device.configuration = null;
    await vendor.device.selectConfiguration(1);
    const found = findBulkOut(vendor.device);
    assert.equal(found?.alt.alternateSetting, 1);
    await writeUsb(vendor.device, new Uint8Array(10));
    assert.ok(vendor.log.includes('alt 0 1'), vendor.log.join());
    const none = fakeUsb({ interfaces: [{ interfaceNumber: 0, claimed: false, alternate: null, alternates: [{ alternateSetting: 0, interfaceClass: 3, endpoints: [] }] }] });
    await assert.rejects(writeUsb(none.device, new Uint8Array(10)), /no bulk OUT endpoint/);
  });

  test('USB: a stalled transfer and a printer the system holds are errors that name what happened, and the device is let go', async () => {
    const stall = fakeUsb({ failAfter: 1 });
    await assert.rejects(writeUsb(stall.device, new Uint8Array(5000)), /stopped taking data \(stall\) after 4096 of 5000 bytes/);
    assert.deepEqual(stall.log.slice(-2), ['release 1', 'close']);
    const held = fakeUsb({ claimFails: true });
    await assert.rejects(writeUsb(held.device, new Uint8Array(5)), /system holds this printer/);
  });

  test('serial: opened at the chosen speed, written in chunks, drained, closed', async () => {
    const s = fakeSerial();
    const job = Uint8Array.from({ length: 1300 }, (_, i) => i % 256);
    assert.equal(await writeSerial(s.port, job, 9600), 1300);
    assert.deepEqual(s.received.map((c) => c.length), [512, 512, 276]);
    assert.deepEqual(s.log, ['open 9600', 'drained', 'release', 'close']);
    assert.deepEqual(s.bytes(), Buffer.from(job));
  });
});

describe('the receipt bytes from the server, sent over USB', () => {
  let s: TestServer;
  before(async () => { s = await startServer(); });
  after(async () => { await s.close(); });

  test('the sale\'s ESC/POS in the chosen language and encoding arrives byte for byte and decodes to the receipt', async () => {
    const sale = await s.terminal('POST', '/v1/sales', { amount: 2600, currency: 'CNY', items: [{ name: '鳳梨酥', quantity: 2, unitPrice: 1300 }] });
    assert.equal(sale.status, 201, JSON.stringify(sale.body));
    const pay = await s.terminal('POST', '/v1/payments', { saleId: sale.body.id, outTradeNo: tradeNo('cash'), amount: 3000, tendered: 3000, currency: 'CNY', method: 'cash', channel: 'cash' });
    assert.equal(pay.status, 201, JSON.stringify(pay.body));
    const path = saleReceiptPath(sale.body.id, { ...DEFAULT_SETTINGS, encoding: 'big5' }, 'zh-Hant');
    const res = await fetch(`${s.url}${path}`, { headers: { authorization: `Bearer ${s.demo.terminalToken}` } });
    assert.equal(res.status, 200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const usb = fakeUsb();
    assert.equal(await writeUsb(usb.device, bytes), bytes.length);
    assert.deepEqual(usb.bytes(), Buffer.from(bytes));
    const text = textOf(decodeEscPos(usb.bytes(), { encoding: 'big5' }));
    assert.match(text, /鳳梨酥[\s\S]*合計[\s\S]*26\.00[\s\S]*找零[\s\S]*4\.00/);
  });
});

describe('print job states', () => {
  const job = (id: string, state: PrintJob['state']): PrintJob => ({ id, printerId: 'p', state, lastError: null });
  test('printed only when every copy printed; queued on an offline printer says offline; dropped says cancelled', () => {
    assert.equal(jobsState([job('a', 'printed'), job('b', 'printed')], { status: 'online' }), 'printed');
    assert.equal(jobsState([job('a', 'printed'), job('b', 'queued')], { status: 'online' }), 'queued');
    assert.equal(jobsState([job('a', 'queued')], { status: 'offline' }), 'offline');
    assert.equal(jobsState([job('a', 'printing')], { status: 'unknown' }), 'queued');
    assert.equal(jobsState([job('a', 'cancelled')], { status: 'online' }), 'cancelled');
    assert.equal(jobsState([], null), 'queued');
    assert.deepEqual(refresh([job('a', 'queued'), job('b', 'queued')], [job('a', 'printed'), job('z', 'queued')]).map((j) => j.state), ['printed', 'queued']);
  });
});

describe('signature and gifts before sending', () => {
  test('a dot or a tap is too little ink; a stroke is enough; points dragged off the pad are kept on it', () => {
    assert.ok(tooLittleInk([]));
    assert.ok(tooLittleInk([{ points: [{ x: 1, y: 1 }] }]));
    assert.ok(tooLittleInk([{ points: [{ x: 1, y: 1 }, { x: 2, y: 2 }] }, { points: [{ x: 5, y: 5 }, { x: 6, y: 6 }] }]));
    assert.ok(!tooLittleInk([{ points: [{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3, y: 3 }, { x: 4, y: 4 }] }]));
    const ink = inkOf([{ points: [{ x: -3.14159, y: 10.06, time: 1700000000000.4, pressure: 0.5 }, { x: 5000, y: 2 }] }]);
    assert.deepEqual(ink, [{ points: [{ x: 0, y: 10.1, time: 1700000000000, pressure: 0.5 }, { x: 4000, y: 2 }] }]);
  });
  test('gift lines: blank ones dropped, a bad one named by its number', () => {
    assert.deepEqual(parseGifts([{ name: ' 纸巾 ', quantity: '2' }, { name: '', quantity: '1' }]), { gifts: [{ name: '纸巾', quantity: 2 }] });
    assert.deepEqual(parseGifts([{ name: '纸巾', quantity: '2' }, { name: '杯', quantity: '0' }]), { bad: 2 });
    assert.deepEqual(parseGifts([{ name: '', quantity: '3' }]), { bad: 1 });
    assert.deepEqual(parseGifts([{ name: 'x'.repeat(65), quantity: '1' }]), { bad: 1 });
    assert.deepEqual(parseGifts([{ name: '杯', quantity: '1.5' }]), { bad: 1 });
    assert.deepEqual(parseGifts([]), { gifts: [] });
  });
});
