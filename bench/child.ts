/**
 * A server under test in its own Node process, so it never shares an event loop with the load
 * generator. The parent forks an entry file; the entry calls `serveParent` once it listens, and then
 * answers named requests (`stats`, …) and `stop` over the IPC channel.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

interface Call {
  id: number;
  type: string;
}
type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
type Announce = { type: 'ready'; url: string } | { type: 'failed'; error: string };

export interface ChildServer {
  url: string;
  pid: number;
  /** Ask the child something it has a handler for (see `serveParent`). */
  call(type: string): Promise<unknown>;
  /** Graceful stop; SIGKILL if the child has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartChildOptions {
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/** Forks `entry` (a .ts file, run through tsx) and resolves once it has announced its URL. */
export function startChild(entry: string, args: string[] = [], opts: StartChildOptions = {}): Promise<ChildServer> {
  const child = fork(entry, args, {
    cwd: projectRoot,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise<ChildServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not announce a URL within ${opts.readyTimeoutMs ?? 30_000} ms`));
    }, opts.readyTimeoutMs ?? 30_000);
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited before it was ready (code ${code}, signal ${signal})`));
    };
    child.once('exit', onExit);
    child.once('message', (m: Announce) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (m.type === 'ready') resolve(wrap(child, m.url));
      else {
        child.kill('SIGKILL');
        reject(new Error(m.error));
      }
    });
  });
}

function wrap(child: ChildProcess, url: string): ChildServer {
  let nextId = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (m: Reply) => {
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(m.error));
  });
  void exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error('server process exited'));
    waiting.clear();
  });
  const call = (type: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error('server process is gone'));
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, type } satisfies Call);
    });
  return {
    url,
    pid: child.pid ?? -1,
    call,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await call('stop').catch(() => undefined);
      await exited;
      clearTimeout(kill);
    },
  };
}

/**
 * Child side. Announces `url` to the parent and answers its calls; `stop` runs `handlers.stop` and
 * exits. If the parent goes away, `stop` runs as well, so throwaway tables and files are removed.
 */
export function serveParent(url: string, handlers: { stop(): Promise<void>; [type: string]: () => Promise<unknown> }): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveParent: not started with an IPC channel');
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= handlers.stop());
  process.on('message', (m: Call) => {
    if (m.type === 'stop') {
      void stop()
        .then(() => send({ id: m.id, ok: true, result: null } satisfies Reply))
        .catch((e: unknown) => send({ id: m.id, ok: false, error: String(e) } satisfies Reply))
        .finally(() => process.disconnect());
      return;
    }
    const h = handlers[m.type];
    if (!h) {
      send({ id: m.id, ok: false, error: `unknown call ${m.type}` } satisfies Reply);
      return;
    }
    h().then(
      (result) => send({ id: m.id, ok: true, result } satisfies Reply),
      (e: unknown) => send({ id: m.id, ok: false, error: String(e) } satisfies Reply),
    );
  });
  process.on('disconnect', () => void stop().finally(() => process.exit(0)));
  // Ctrl-C reaches the whole process group: clean up rather than die mid-write.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop().finally(() => process.exit(130)));
  send({ type: 'ready', url } satisfies Announce);
}

/** Child side, when starting failed: tell the parent why, then exit. */
export function failToParent(e: unknown): void {
  const error = e instanceof Error ? e.message : String(e);
  if (process.send) process.send({ type: 'failed', error } satisfies Announce, () => process.exit(1));
  else {
    console.error(error);
    process.exit(1);
  }
}
