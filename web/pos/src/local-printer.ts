/**
 * Print on the printer plugged into this terminal (Chromium's WebUSB / Web Serial). Loaded only when
 * the cashier prints there. The bytes are the store's template rendered by the server as ESC/POS.
 */
import { ApiError, NetworkError, type Client } from './api.ts';
import {
  loadSettings, sameDevice, saveSettings, support, USB_PRINTER_CLASS, writeSerial, writeUsb,
  type LocalSettings, type SerialPortLike, type Unsupported, type UsbDeviceLike,
} from './local-printer-core.ts';

interface UsbApi { getDevices(): Promise<UsbDeviceLike[]>; requestDevice(o: { filters: Array<{ classCode?: number }> }): Promise<UsbDeviceLike> }
interface SerialApi { getPorts(): Promise<SerialPortLike[]>; requestPort(o?: object): Promise<SerialPortLike> }
const nav = () => navigator as unknown as { usb?: UsbApi; serial?: SerialApi };

export type LocalResult = { ok: true; bytes: number } | { ok: false; reason: Unsupported | 'cancelled' | 'network' | 'failed'; message?: string };

/** What stops this browser printing on `transport`, or null. */
export function localSupport(transport: LocalSettings['transport']): Unsupported | null {
  return support({ isSecureContext: window.isSecureContext, usb: nav().usb, serial: nav().serial }, transport);
}

/** The remembered device if the browser still allows it, else the browser's chooser (needs the tap). */
async function usbDevice(s: LocalSettings): Promise<UsbDeviceLike> {
  const usb = nav().usb!;
  if (s.device) {
    const known = (await usb.getDevices()).filter((d) => sameDevice(s.device!, d))[0];
    if (known) return known;
  }
  return usb.requestDevice({ filters: [{ classCode: USB_PRINTER_CLASS }] });
}

async function serialPort(s: LocalSettings): Promise<SerialPortLike> {
  const serial = nav().serial!;
  const ports = await serial.getPorts();
  if (s.device) {
    const known = ports.filter((p) => { const i = p.getInfo ? p.getInfo() : {}; return sameDevice(s.device!, { vendorId: i.usbVendorId, productId: i.usbProductId }); })[0];
    if (known) return known;
  } else if (ports.length === 1) return ports[0]!;
  return serial.requestPort();
}

async function fetchBytes(client: Client, path: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${client.token}`, 'accept-language': client.lang } });
  } catch (e) {
    throw new NetworkError((e as Error).message);
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null) as { error?: { code?: string; message?: string } } | null;
    const err = body && body.error;
    throw new ApiError(res.status, (err && err.code) || 'http_error', (err && err.message) || `HTTP ${res.status}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Print what `path` renders on the terminal's own printer. The device is picked first, while the tap
 * still counts as the cashier's gesture (the chooser needs one), then the bytes are fetched and sent.
 */
export async function printLocal(client: Client, path: string): Promise<LocalResult> {
  const s = loadSettings(window.localStorage);
  const missing = localSupport(s.transport);
  if (missing) return { ok: false, reason: missing };
  try {
    if (s.transport === 'usb') {
      let device: UsbDeviceLike;
      try { device = await usbDevice(s); } catch { return { ok: false, reason: 'cancelled' }; }
      saveSettings(window.localStorage, { ...s, device: { vendorId: device.vendorId, productId: device.productId, ...(device.serialNumber ? { serialNumber: device.serialNumber } : {}) } });
      return { ok: true, bytes: await writeUsb(device, await fetchBytes(client, path)) };
    }
    let port: SerialPortLike;
    try { port = await serialPort(s); } catch { return { ok: false, reason: 'cancelled' }; }
    const info = port.getInfo ? port.getInfo() : {};
    if (info.usbVendorId !== undefined && info.usbProductId !== undefined) saveSettings(window.localStorage, { ...s, device: { vendorId: info.usbVendorId, productId: info.usbProductId } });
    return { ok: true, bytes: await writeSerial(port, await fetchBytes(client, path), s.baudRate) };
  } catch (e) {
    if (e instanceof NetworkError) return { ok: false, reason: 'network' };
    return { ok: false, reason: 'failed', message: (e as Error).message };
  }
}
