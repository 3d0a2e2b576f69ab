import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freshDatabase, TEST_STORE } from '../helpers/store.ts';
import { freePort, eventually } from '../helpers/server.ts';

const run = promisify(execFile);

/**
 * README command 1 (`saoma serve`, as `npm start` runs it) as a real process, then the README's
 * copy-paste example against it: dynamic QR, sandbox pays, status succeeded, signed webhook received.
 */
test(`README example against a real \`saoma serve\` on ${TEST_STORE}`, async () => {
  const db = await freshDatabase();
  const port = await freePort();
  const hookPort = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', String(port), '--data-dir', db.dataDir, '--database-url', db.url], {
    env: { ...process.env, SAOMA_SANDBOX: '1', SAOMA_WORKER_INTERVAL_MS: '50' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Listen for the exit now: a server that dies early (a taken port, a crash) must end the test with its output.
  const exited = new Promise<number | null>((res) => server.once('exit', res));
  let code: number | null | undefined;
  void exited.then((c) => (code = c));
  let out = '';
  server.stdout.on('data', (d) => (out += d));
  server.stderr.on('data', (d) => (out += d));
  try {
    await eventually(async () => {
      if (code !== undefined) throw new Error(`saoma serve exited (${code}) before it was ready:\n${out}`);
      return out.includes('terminal token');
    }, 'serve to print the demo credentials', 60_000).catch((e: Error) => { throw new Error(`${e.message}; it printed:\n${out}`); });
    assert.match(out, /夜市小吃 Demo Night Market/);
    assert.match(out, new RegExp(`http://127.0.0.1:${port}/docs`));
    const r = await run('bash', ['scripts/readme-example.sh'], {
      env: { ...process.env, BASE: `http://127.0.0.1:${port}`, DATA: db.dataDir, HOOK_PORT: String(hookPort) },
      timeout: 60_000,
    });
    assert.match(r.stdout, /is waiting_customer/);
    assert.match(r.stdout, /is succeeded/);
    assert.match(r.stdout, /"type":"payment.succeeded"/);
  } finally {
    server.kill('SIGTERM');
    await exited;
    await db.drop();
  }
});
