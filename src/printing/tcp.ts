import { Socket } from 'node:net';
import { SaomaError } from '../core/errors.ts';

/** A network receipt printer: raw TCP ("AppSocket/JetDirect"), port 9100 unless the URL says otherwise. */
export interface PrinterAddress { host: string; port: number }

export function parsePrinterUrl(url: string): PrinterAddress {
  const m = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(url.trim());
  const port = m?.[2] ? Number(m[2]) : 9100;
  if (!m || port < 1 || port > 65535) {
    throw new SaomaError('invalid_request', `"${url}" is not a printer address; write tcp://HOST:9100 (for example tcp://192.168.1.50:9100).`);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/**
 * Send one job and wait until the printer has taken every byte and closed or we did. Printers answer
 * nothing on 9100, so "sent and closed cleanly" is the best word we get; a refused or silent printer is
 * `printer_unreachable` with what to check.
 */
export function sendJob(addr: PrinterAddress, bytes: Uint8Array, opts: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      sock.destroy();
      if (!err) return resolve();
      const code = (err as NodeJS.ErrnoException).code ?? err.message;
      const why = code === 'ECONNREFUSED' ? 'refused the connection (is it on, and is another computer printing to it?)'
        : code === 'ETIMEDOUT' || code === 'timeout' ? `did not answer within ${timeoutMs / 1000} s (is it on this network?)`
          : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' ? 'cannot be reached (check its IP address and the network)'
            : `failed (${code})`;
      reject(new SaomaError('printer_unreachable', `The printer at ${addr.host}:${addr.port} ${why}.`, { host: addr.host, port: addr.port, cause: code }));
    };
    sock.setTimeout(timeoutMs, () => finish(new Error('timeout')));
    sock.once('error', (e) => finish(e));
    sock.connect(addr.port, addr.host, () => {
      sock.end(Buffer.from(bytes), () => {
        // Wait for the printer to close its side (or our timeout): the bytes have left the socket.
        sock.once('close', () => finish());
        if (sock.readableEnded) finish();
        sock.resume();
        sock.once('end', () => finish());
      });
    });
  });
}
