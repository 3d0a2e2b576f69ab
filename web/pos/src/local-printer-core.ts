/**
 * The printer plugged into the terminal (USB or serial), the parts that need no browser: its settings
 * as kept in localStorage, what this browser can do, and the byte-pushing over a USB device or a
 * serial port given as plain objects — so they run the same on a fake device in a unit test.
 * No DOM types here: test/unit imports this file under the server's tsconfig.
 */

export type Transport = 'usb' | 'serial';
export type Paper = 58 | 80;
export type Encoding = 'gbk' | 'gb18030' | 'big5' | 'ascii';
export const ENCODINGS: readonly Encoding[] = ['gbk', 'gb18030', 'big5', 'ascii'];
export const BAUD_RATES: readonly number[] = [9600, 19200, 38400, 57600, 115200];

/** The device the browser already lets us use, to find it again without asking (getDevices/getPorts). */
export interface Remembered { vendorId: number; productId: number; serialNumber?: string }

export interface LocalSettings {
  transport: Transport;
  paper: Paper;
  encoding: Encoding;
  baudRate: number;
  device: Remembered | null;
}

export const DEFAULT_SETTINGS: LocalSettings = { transport: 'usb', paper: 58, encoding: 'gbk', baudRate: 9600, device: null };
export const SETTINGS_KEY = 'saoma.localPrinter';

function remembered(v: unknown): Remembered | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const id = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff;
  if (!id(o.vendorId) || !id(o.productId)) return null;
  const out: Remembered = { vendorId: o.vendorId as number, productId: o.productId as number };
  if (typeof o.serialNumber === 'string' && o.serialNumber.length <= 128) out.serialNumber = o.serialNumber;
  return out;
}

/**
 * Settings from whatever localStorage holds (another version's, hand-edited, garbage): each field
 * that is not one we know falls back to its default, so a bad value can never stop printing.
 */
export function parseSettings(raw: string | null | undefined): LocalSettings {
  let o: Record<string, unknown> = {};
  try {
    const v = raw ? JSON.parse(raw) : null;
    if (v && typeof v === 'object' && !Array.isArray(v)) o = v as Record<string, unknown>;
  } catch { /* unreadable: defaults */ }
  const d = DEFAULT_SETTINGS;
  return {
    transport: o.transport === 'usb' || o.transport === 'serial' ? o.transport : d.transport,
    paper: o.paper === 58 || o.paper === 80 ? o.paper : d.paper,
    encoding: ENCODINGS.indexOf(o.encoding as Encoding) >= 0 ? (o.encoding as Encoding) : d.encoding,
    baudRate: BAUD_RATES.indexOf(o.baudRate as number) >= 0 ? (o.baudRate as number) : d.baudRate,
    device: remembered(o.device),
  };
}

export function loadSettings(storage: { getItem(k: string): string | null } | null): LocalSettings {
  try { return parseSettings(storage ? storage.getItem(SETTINGS_KEY) : null); } catch { return { ...DEFAULT_SETTINGS }; }
}

export function saveSettings(storage: { setItem(k: string, v: string): void } | null, s: LocalSettings): void {
  try { if (storage) storage.setItem(SETTINGS_KEY, JSON.stringify(s)); } catch { /* private mode: settings last this visit */ }
}

/** Cut the job into pieces a transfer (or a serial write) takes at once; together they are the job. */
export function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size ${size} is not a positive whole number`);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, Math.min(i + size, bytes.length)));
  return out;
}

/** Why this browser cannot print on its own printer, or null when it can. */
export type Unsupported = 'insecure' | 'no-usb' | 'no-serial';
export function support(env: { isSecureContext?: boolean; usb?: unknown; serial?: unknown }, transport: Transport): Unsupported | null {
  if (env.isSecureContext === false) return 'insecure';
  if (transport === 'usb' && !env.usb) return 'no-usb';
  if (transport === 'serial' && !env.serial) return 'no-serial';
  return null;
}

/** The receipt of a sale as ESC/POS bytes for this printer. */
export function saleReceiptPath(saleId: string, s: LocalSettings, lang: string): string {
  return `/v1/sales/${encodeURIComponent(saleId)}/receipt?format=escpos&lang=${encodeURIComponent(lang)}&paper=${s.paper}&encoding=${s.encoding}`;
}
export function verificationReceiptPath(id: string, s: LocalSettings, lang: string): string {
  return `/v1/verification-receipts/${encodeURIComponent(id)}/receipt?format=escpos&lang=${encodeURIComponent(lang)}&paper=${s.paper}&encoding=${s.encoding}`;
}

// ------------------------------------------------------------------ USB

/** What we use of a WebUSB USBDevice. */
export interface UsbEndpointLike { endpointNumber: number; direction: string; type: string; packetSize: number }
export interface UsbAlternateLike { alternateSetting: number; interfaceClass: number; endpoints: UsbEndpointLike[] }
export interface UsbInterfaceLike { interfaceNumber: number; claimed: boolean; alternate: UsbAlternateLike | null; alternates: UsbAlternateLike[] }
export interface UsbDeviceLike {
  vendorId: number; productId: number; serialNumber?: string | null; opened: boolean;
  configuration: { interfaces: UsbInterfaceLike[] } | null;
  open(): Promise<void>; close(): Promise<void>;
  selectConfiguration(n: number): Promise<void>;
  claimInterface(n: number): Promise<void>; releaseInterface(n: number): Promise<void>;
  selectAlternateInterface(n: number, alt: number): Promise<void>;
  transferOut(endpoint: number, data: Uint8Array): Promise<{ status: string; bytesWritten: number }>;
}

export const USB_PRINTER_CLASS = 7;
/** Big enough to be quick, small enough for the cheapest printers' buffers. */
export const USB_CHUNK = 4096;
export const SERIAL_CHUNK = 512;

/** The interface to print on: a printer-class one with a bulk OUT endpoint, else any with one. */
export function findBulkOut(device: UsbDeviceLike): { iface: UsbInterfaceLike; alt: UsbAlternateLike; endpoint: UsbEndpointLike } | null {
  const found: Array<{ iface: UsbInterfaceLike; alt: UsbAlternateLike; endpoint: UsbEndpointLike }> = [];
  for (const iface of device.configuration ? device.configuration.interfaces : []) {
    for (const alt of iface.alternates.length ? iface.alternates : iface.alternate ? [iface.alternate] : []) {
      const endpoint = alt.endpoints.filter((e) => e.direction === 'out' && e.type === 'bulk')[0];
      if (endpoint) found.push({ iface, alt, endpoint });
    }
  }
  return found.filter((f) => f.alt.interfaceClass === USB_PRINTER_CLASS)[0] || found[0] || null;
}

export class LocalPrintError extends Error {
  constructor(readonly code: 'no-endpoint' | 'transfer' | 'busy', message: string) { super(message); }
}

/** Send a job to a USB printer: open, configuration 1, claim, bulk OUT in chunks, release. */
export async function writeUsb(device: UsbDeviceLike, bytes: Uint8Array, chunkSize = USB_CHUNK): Promise<number> {
  if (!device.opened) await device.open();
  if (!device.configuration) await device.selectConfiguration(1);
  const target = findBulkOut(device);
  if (!target) throw new LocalPrintError('no-endpoint', 'This USB device has no way in for print data (no bulk OUT endpoint): is it a receipt printer?');
  const n = target.iface.interfaceNumber;
  if (!target.iface.claimed) {
    try { await device.claimInterface(n); } catch (e) {
      // On Windows (and Linux with usblp loaded) the system driver holds the printer.
      throw new LocalPrintError('busy', `The system holds this printer (${(e as Error).message}).`);
    }
  }
  try {
    if (target.alt.alternateSetting !== 0) await device.selectAlternateInterface(n, target.alt.alternateSetting);
    let sent = 0;
    for (const c of chunks(bytes, chunkSize)) {
      const r = await device.transferOut(target.endpoint.endpointNumber, c);
      if (r.status !== 'ok') throw new LocalPrintError('transfer', `The printer stopped taking data (${r.status}) after ${sent} of ${bytes.length} bytes.`);
      sent += r.bytesWritten;
    }
    return sent;
  } finally {
    await device.releaseInterface(n).catch(() => undefined);
    await device.close().catch(() => undefined);
  }
}

// ------------------------------------------------------------------ serial

/** What we use of a Web Serial SerialPort. */
export interface SerialWriterLike { write(c: Uint8Array): Promise<void>; close?(): Promise<void>; releaseLock(): void }
export interface SerialPortLike {
  open(o: { baudRate: number }): Promise<void>;
  close(): Promise<void>;
  writable: { getWriter(): SerialWriterLike } | null;
  getInfo?(): { usbVendorId?: number; usbProductId?: number };
}

/** Send a job over a serial port at `baudRate`: open, write in chunks, let it drain, close. */
export async function writeSerial(port: SerialPortLike, bytes: Uint8Array, baudRate: number, chunkSize = SERIAL_CHUNK): Promise<number> {
  await port.open({ baudRate });
  try {
    if (!port.writable) throw new LocalPrintError('transfer', 'The serial port cannot be written to.');
    const writer = port.writable.getWriter();
    let sent = 0;
    try {
      for (const c of chunks(bytes, chunkSize)) { await writer.write(c); sent += c.length; }
      // close() resolves once everything written has gone out, so the port is not closed mid-receipt.
      if (writer.close) await writer.close();
    } finally {
      writer.releaseLock();
    }
    return sent;
  } finally {
    await port.close().catch(() => undefined);
  }
}

/** Whether a device is the one remembered (vendor, product and, when it has one, serial number). */
export function sameDevice(r: Remembered, d: { vendorId?: number; productId?: number; serialNumber?: string | null }): boolean {
  return r.vendorId === d.vendorId && r.productId === d.productId && (!r.serialNumber || r.serialNumber === d.serialNumber);
}
