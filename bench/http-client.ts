/**
 * A deliberately small HTTP/1.1 client for the open-loop generator: keep-alive connections, one
 * request in flight per connection, a new connection whenever none is idle (up to a cap, then a
 * FIFO queue). It costs far less CPU per request than `node:http`, which matters when the generator
 * shares two cores with the server. It understands Content-Length and chunked replies, which is all
 * Fastify sends; it does not support HEAD, 1xx or read-until-close bodies.
 */
import { Socket } from 'node:net';
import type { BenchRequest } from './scenario.ts';

/** `status` is the HTTP status, or -1 with `error` when the request failed without a reply. */
export type Done = (status: number, error?: Error) => void;

/** Serialises a request once, with Host, keep-alive and Content-Length set. */
export function encodeRequest(r: BenchRequest, host: string): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  let head = `${r.method} ${r.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n`;
  for (const [k, v] of Object.entries(r.headers)) {
    const key = k.toLowerCase();
    if (key === 'content-length' || key === 'host' || key === 'connection') continue;
    head += `${k}: ${v}\r\n`;
  }
  if (body) head += `Content-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

interface Parsed {
  status: number;
  /** Bytes of `buf` taken by this response. */
  end: number;
  close: boolean;
}

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Parses one complete response at the start of `buf`; null if more bytes are needed. */
function parseResponse(buf: Buffer): Parsed | null {
  const headEnd = buf.indexOf(CRLFCRLF);
  if (headEnd < 0) return null;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  if (!head.startsWith('HTTP/1.') || !Number.isInteger(status)) throw new Error(`bad status line: ${head.slice(0, 40)}`);
  let length = -1;
  let chunked = false;
  let close = false;
  let at = head.indexOf('\r\n');
  while (at >= 0) {
    const next = head.indexOf('\r\n', at + 2);
    const line = head.slice(at + 2, next < 0 ? undefined : next);
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') close = value.includes('close');
    at = next;
  }
  const bodyStart = headEnd + 4;
  if (chunked) {
    let pos = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf(CRLF, pos);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString('latin1', pos, lineEnd), 16);
      if (!Number.isFinite(size)) throw new Error('bad chunk size');
      pos = lineEnd + 2;
      if (size === 0) {
        // Optional trailers, then an empty line.
        if (buf.length < pos + 2) return null;
        if (buf[pos] === 13 && buf[pos + 1] === 10) return { status, end: pos + 2, close };
        const trailerEnd = buf.indexOf(CRLFCRLF, pos);
        return trailerEnd < 0 ? null : { status, end: trailerEnd + 4, close };
      }
      pos += size + 2;
      if (pos > buf.length) return null;
    }
  }
  if (length >= 0) return bodyStart + length <= buf.length ? { status, end: bodyStart + length, close } : null;
  if (status === 204 || status === 304) return { status, end: bodyStart, close };
  throw new Error(`response ${status} without Content-Length or chunked encoding`);
}

class Connection {
  readonly socket: Socket;
  private buf: Buffer | null = null;
  private done: Done | null = null;
  dead = false;

  constructor(
    private readonly pool: Http1Pool,
    port: number,
    host: string,
  ) {
    this.socket = new Socket();
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
    this.socket.connect(port, host);
  }

  send(req: Buffer, done: Done): void {
    this.done = done;
    this.socket.write(req);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf ? Buffer.concat([this.buf, chunk]) : chunk;
    let parsed: Parsed | null;
    try {
      parsed = parseResponse(this.buf);
    } catch (e) {
      this.fail(e as Error);
      this.socket.destroy();
      return;
    }
    if (!parsed) return;
    this.buf = parsed.end < this.buf.length ? this.buf.subarray(parsed.end) : null;
    const done = this.done;
    this.done = null;
    if (parsed.close) {
      this.dead = true;
      this.socket.destroy();
    }
    done?.(parsed.status);
    this.pool.released(this);
  }

  private fail(e: Error): void {
    const wasDead = this.dead;
    this.dead = true;
    const done = this.done;
    this.done = null;
    if (!wasDead) this.pool.released(this);
    done?.(-1, e);
  }
}

/** Keep-alive connections to one host:port. */
export class Http1Pool {
  private readonly all = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly queue: { req: Buffer; done: Done }[] = [];
  private queueHead = 0;
  /** Most connections ever open at once. */
  peakConnections = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxConnections: number,
  ) {}

  send(req: Buffer, done: Done): void {
    let c = this.idle.pop();
    while (c?.dead) c = this.idle.pop();
    if (!c && this.all.size < this.maxConnections) {
      c = new Connection(this, this.port, this.host);
      this.all.add(c);
      this.peakConnections = Math.max(this.peakConnections, this.all.size);
    }
    if (c) c.send(req, done);
    else this.queue.push({ req, done });
  }

  /** Requests waiting for a free connection. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  /** Called by a connection when its request is over (answered or failed). */
  released(c: Connection): void {
    if (c.dead) this.all.delete(c);
    if (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      if (c.dead) this.send(next.req, next.done);
      else c.send(next.req, next.done);
      return;
    }
    if (!c.dead) this.idle.push(c);
  }

  /** Opens `n` connections ahead of time, so connection setup is not measured. */
  async warm(n: number): Promise<void> {
    const opened: Connection[] = [];
    for (let i = 0; i < n && this.all.size < this.maxConnections; i++) {
      const c = new Connection(this, this.port, this.host);
      this.all.add(c);
      opened.push(c);
    }
    this.peakConnections = Math.max(this.peakConnections, this.all.size);
    await Promise.all(opened.map((c) => new Promise<void>((resolve) => {
      c.socket.once('connect', () => resolve());
      c.socket.once('error', () => resolve());
    })));
    for (const c of opened) if (!c.dead) this.idle.push(c);
  }

  /** Fails everything queued and closes every connection. */
  destroy(): void {
    const waiting = this.queue.slice(this.queueHead);
    this.queue.length = 0;
    this.queueHead = 0;
    for (const w of waiting) w.done(-1, new Error('pool destroyed'));
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}
