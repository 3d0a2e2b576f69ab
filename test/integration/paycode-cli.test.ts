import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command, CommanderError } from 'commander';
import { registerPaycode, PaymentCodeNotRecognised } from '../../src/cli/paycode.ts';
import { ConfigError } from '../../src/config.ts';
import { PaycodeRulesFileError, paycodeRulesFor } from '../../src/paycode-rules.ts';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'saoma-paycode-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const JD = file('jd.json', JSON.stringify([{ wallet: 'jd', prefixes: ['18'], lengths: [18], description: 'JD Pay 京东支付' }]));
const BAD_ROW = file('bad-row.json', JSON.stringify([
  { wallet: 'jd', prefixes: ['18'], lengths: [18] },
  { wallet: 'ecny', prefixes: ['01'], lengths: ['19'] },
]));
const NOT_JSON = file('not-json.json', '[{"wallet": "jd",');

/** `saoma paycode …` built in-process the way main.ts builds it (exitOverride), with its output captured. */
async function inProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<{ out: string; err: string; error: unknown }> {
  let out = '';
  let err = '';
  const program = new Command().name('saoma').exitOverride().configureOutput({ writeOut: (s) => { out += s; }, writeErr: (s) => { err += s; } });
  registerPaycode(program, (s) => { out += s; });
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let error: unknown;
  try {
    await program.parseAsync(['paycode', ...args], { from: 'user' });
  } catch (e) {
    error = e;
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { out, err, error };
}

const CLEAN_ENV = { SAOMA_PAYCODE_RULES: undefined, SAOMA_ENV: undefined };

describe('saoma paycode, in-process', () => {
  test('a WeChat code: JSON naming the wallet and its rule', async () => {
    const r = await inProcess(['134567890123456789'], CLEAN_ENV);
    assert.equal(r.error, undefined);
    assert.deepEqual(JSON.parse(r.out), {
      code: '134567890123456789', wallet: 'wechat',
      rule: { wallet: 'wechat', prefixes: ['10-15'], lengths: [18], description: 'WeChat Pay 微信支付 付款码' },
    });
    assert.equal(r.out.split('\n').length, 2, 'one line');
  });

  test('each built-in wallet; scanner framing is trimmed', async () => {
    const cases: Array<[string, string]> = [
      ['\r\n134567890123456789\r\n', 'wechat'], ['2512345678901234', 'alipay'], ['301234567890123456789012', 'alipay'],
      ['6212345678901234567', 'unionpay'], ['910728310408849937', 'qq'], [' 280000000000000000\t', 'sandbox'],
    ];
    for (const [code, wallet] of cases) {
      const r = await inProcess([code], CLEAN_ENV);
      assert.equal(r.error, undefined, code);
      const answer = JSON.parse(r.out);
      assert.equal(answer.wallet, wallet, code);
      assert.equal(answer.code, code.trim());
    }
  });

  test('the sandbox shadows Alipay 28… (18 digits) unless --no-sandbox or SAOMA_ENV=production', async () => {
    const on = JSON.parse((await inProcess(['280000000000000000'], CLEAN_ENV)).out);
    assert.equal(on.wallet, 'sandbox');
    assert.deepEqual(on.shadows, ['alipay']);
    assert.equal(JSON.parse((await inProcess(['--no-sandbox', '280000000000000000'], CLEAN_ENV)).out).wallet, 'alipay');
    assert.equal(JSON.parse((await inProcess(['280000000000000000'], { ...CLEAN_ENV, SAOMA_ENV: 'production' })).out).wallet, 'alipay');
    assert.equal(JSON.parse((await inProcess(['--sandbox', '280000000000000000'], { ...CLEAN_ENV, SAOMA_ENV: 'production' })).out).wallet, 'sandbox');
  });

  test('an unrecognised code: what it looks like and which wallets were tried; nothing on stdout', async () => {
    const cases: Array<[string, RegExp]> = [
      ['6901028075831', /product barcode \(EAN-13, check digit valid\)/],
      ['036000291452', /product barcode \(UPC-A, check digit valid\)/],
      ['https://qr.alipay.com/fkx12345', /URL or QR link/],
      ['13456789012345678', /17-digit payment codes starting 13.*It starts like wechat \(18 digits starting 10–15\)/],
      ['99999999999999999', /No wallet uses 17-digit payment codes starting 99/],
      ['1345abc', /"a" at position 5/],
      ['   ', /the scan was empty/],
    ];
    for (const [code, message] of cases) {
      const r = await inProcess([code], CLEAN_ENV);
      assert.ok(r.error instanceof PaymentCodeNotRecognised, `${code}: ${String(r.error)}`);
      assert.ok(!(r.error instanceof ConfigError), 'exits 1, not 2');
      const text = (r.error as Error).message;
      assert.match(text, message, code);
      assert.match(text, /wallets tried, in order:\n {2}sandbox +18 digits starting 28 .*\n {2}wechat +18 digits starting 10–15 .*\n {2}alipay +16–24 digits starting 25–30 .*\n {2}unionpay +19 digits starting 62 .*\n {2}qq +18 digits starting 91 /);
      assert.equal(r.out, '');
    }
  });

  test('--rules adds a wallet, tried first; SAOMA_PAYCODE_RULES does the same; --rules wins over the variable', async () => {
    const code = '181234567890123456';
    assert.ok((await inProcess([code], CLEAN_ENV)).error instanceof PaymentCodeNotRecognised, 'no JD without the rules');
    const a = await inProcess(['--rules', JD, code], CLEAN_ENV);
    assert.equal(a.error, undefined);
    assert.deepEqual(JSON.parse(a.out).rule, { wallet: 'jd', prefixes: ['18'], lengths: [18], description: 'JD Pay 京东支付' });
    const b = await inProcess([code], { ...CLEAN_ENV, SAOMA_PAYCODE_RULES: JD });
    assert.equal(JSON.parse(b.out).wallet, 'jd');
    const c = await inProcess(['--rules', JD, code], { ...CLEAN_ENV, SAOMA_PAYCODE_RULES: BAD_ROW });
    assert.equal(JSON.parse(c.out).wallet, 'jd');
    // the list of wallets tried now starts with the configured one
    const miss = await inProcess(['--rules', JD, '99999999999999999'], CLEAN_ENV);
    assert.match((miss.error as Error).message, /wallets tried, in order:\n {2}jd +18 digits starting 18 +\(JD Pay 京东支付\)\n {2}sandbox/);
  });

  test('a configured row for a built-in wallet replaces it', async () => {
    const narrower = file('wechat.json', '[{"wallet":"wechat","prefixes":["10-14"],"lengths":[18],"description":"WeChat without 15"}]');
    assert.equal(JSON.parse((await inProcess(['--rules', narrower, '104567890123456789'], CLEAN_ENV)).out).rule.description, 'WeChat without 15');
    assert.ok((await inProcess(['--rules', narrower, '154567890123456789'], CLEAN_ENV)).error instanceof PaymentCodeNotRecognised);
  });

  test('a bad rules file is a configuration error naming the file, the row and the field', async () => {
    const bad = await inProcess(['--rules', BAD_ROW, '134567890123456789'], CLEAN_ENV);
    assert.ok(bad.error instanceof PaycodeRulesFileError);
    assert.ok(bad.error instanceof ConfigError, 'main.ts exits 2 on a ConfigError');
    assert.equal(bad.error.file, BAD_ROW);
    assert.equal(bad.error.row, 2);
    assert.equal(bad.error.field, 'lengths[0]');
    assert.match(bad.error.message, new RegExp(`^--rules: payment-code rules file ${BAD_ROW.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: row 2 \\("ecny"\\), field "lengths\\[0\\]": "19" is not a length`));
    const env = await inProcess(['134567890123456789'], { ...CLEAN_ENV, SAOMA_PAYCODE_RULES: NOT_JSON });
    assert.ok(env.error instanceof ConfigError);
    assert.match((env.error as Error).message, /^SAOMA_PAYCODE_RULES: payment-code rules file .*not-json\.json: not valid JSON/);
    const missing = await inProcess(['--rules', join(dir, 'nope.json'), '134567890123456789'], CLEAN_ENV);
    assert.ok(missing.error instanceof ConfigError);
    assert.match((missing.error as Error).message, /cannot read the payment-code rules file .*nope\.json: no such file/);
    const folder = join(dir, 'a-folder');
    mkdirSync(folder, { recursive: true });
    assert.match(((await inProcess(['--rules', folder, '1'], CLEAN_ENV)).error as Error).message, /it is a folder/);
  });

  test('usage errors are commander errors (exit 2); --help lists the options', async () => {
    const none = await inProcess([], CLEAN_ENV);
    assert.ok(none.error instanceof CommanderError);
    assert.match(none.err, /missing required argument 'code'/);
    const help = await inProcess(['--help'], CLEAN_ENV);
    assert.ok(help.error instanceof CommanderError && help.error.exitCode === 0);
    assert.match(help.out, /Usage: saoma paycode \[options\] <code>/);
    assert.match(help.out, /--rules <file>/);
    assert.match(help.out, /--no-sandbox/);
  });
});

describe('paycodeRulesFor (what the gateway will detect with)', () => {
  test('configured rules first, then the built-in ones, with the sandbox only when it is on', () => {
    assert.deepEqual(paycodeRulesFor({ paycodeRulesFile: null, sandbox: false }).map((r) => r.wallet), ['wechat', 'alipay', 'unionpay', 'qq']);
    assert.deepEqual(paycodeRulesFor({ paycodeRulesFile: JD, sandbox: true }).map((r) => r.wallet), ['jd', 'sandbox', 'wechat', 'alipay', 'unionpay', 'qq']);
    assert.throws(() => paycodeRulesFor({ paycodeRulesFile: BAD_ROW, sandbox: false }), /^PaycodeRulesFileError: SAOMA_PAYCODE_RULES: payment-code rules file .*bad-row\.json: row 2/);
  });
});

describe('saoma paycode, as a process (exit codes and streams as main.ts gives them)', () => {
  // main.ts is wired by the lead; this harness registers the verb and mirrors main.ts's error handling.
  const harness = `
    import { Command, CommanderError } from 'commander';
    import { registerPaycode } from './src/cli/paycode.ts';
    import { ConfigError } from './src/config.ts';
    const program = new Command().name('saoma').exitOverride();
    registerPaycode(program);
    try {
      await program.parseAsync(process.argv.slice(1), { from: 'user' });
    } catch (e) {
      if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
      process.stderr.write('saoma: ' + (e instanceof ConfigError ? 'configuration: ' : '') + e.message + '\\n');
      process.exit(e instanceof ConfigError ? 2 : 1);
    }`;

  async function saoma(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env };
    delete env.SAOMA_PAYCODE_RULES;
    delete env.SAOMA_ENV;
    try {
      const r = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', harness, ...args], { env, timeout: 60_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }

  test('exit 0 with JSON, 1 for an unrecognised code, 2 for a bad rules file or bad usage', async () => {
    const [wechat, jd, ean, badRules, usage] = await Promise.all([
      saoma(['paycode', '134567890123456789']),
      saoma(['paycode', '--rules', JD, '181234567890123456']),
      saoma(['paycode', '6901028075831']),
      saoma(['paycode', '--rules', BAD_ROW, '134567890123456789']),
      saoma(['paycode']),
    ]);
    assert.equal(wechat.code, 0, wechat.stderr);
    assert.equal(JSON.parse(wechat.stdout).wallet, 'wechat');
    assert.equal(wechat.stderr, '');
    assert.equal(jd.code, 0, jd.stderr);
    assert.equal(JSON.parse(jd.stdout).wallet, 'jd');
    assert.equal(ean.code, 1);
    assert.equal(ean.stdout, '');
    assert.match(ean.stderr, /^saoma: payment code "6901028075831" not recognised \(product_barcode\): The scan looks like a product barcode \(EAN-13/);
    assert.match(ean.stderr, /wallets tried, in order:/);
    assert.doesNotMatch(ean.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(badRules.code, 2);
    assert.match(badRules.stderr, /^saoma: configuration: --rules: payment-code rules file .*bad-row\.json: row 2 \("ecny"\), field "lengths\[0\]"/);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required argument 'code'/);
  });
});
