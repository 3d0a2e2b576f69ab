import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { registerEmv } from '../../src/cli/emv.ts';

const exec = promisify(execFile);

/**
 * `saoma emv …` is registered by registerEmv(program); main.ts wires it in. Until then these tests build
 * the program the way main.ts does (commander with exitOverride, a catch that turns commander's errors
 * into exit 2) — once in a real child process, to see exit codes and stderr as a shell does, and once
 * in-process with captured output for the many cases.
 */
const PROGRAM = `
import { Command } from 'commander';
import { registerEmv } from './src/cli/emv.ts';
const program = new Command().name('saoma').showHelpAfterError('(run with --help for usage)').exitOverride();
registerEmv(program);
try {
  await program.parseAsync(process.argv.slice(1), { from: 'user' });
} catch (e) {
  process.exit(e.exitCode === 0 ? 0 : 2);
}
`;

async function saoma(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROGRAM, '--', ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function inProcess(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const program = new Command().name('saoma').exitOverride().configureOutput({ writeOut: (s) => (stdout += s), writeErr: (s) => (stderr += s) });
  registerEmv(program, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), exit: (c) => (code = c) });
  try {
    program.parse(args, { from: 'user' });
  } catch (e) {
    code = (e as { exitCode: number }).exitCode === 0 ? 0 : 2;
  }
  return { code, stdout, stderr };
}

const KHQR = '00020101021229420013ishinvin@devb01090123456780208Dev Bank5204599953031165405100005802KH5909Ishin Vin6010Phnom Penh62680114INV-2022-12-250211855123456780310Ishin Shop07060123450807Payment64180002ZH0102文山0202金边9917001316935559673876304AE27';

describe('saoma emv (CLI)', () => {
  test('in a child process: decode prints JSON and exits 0; a bad payload exits 1 with one line, no stack', async () => {
    const ok = await saoma(['emv', 'decode', KHQR]);
    assert.equal(ok.code, 0, ok.stderr);
    const d = JSON.parse(ok.stdout);
    assert.equal(d.schemes[0].id, 'khqr');
    assert.deepEqual(d.amount, { text: '10000', minor: 1000000, currency: 'KHR' });

    const bad = await saoma(['emv', 'decode', `${KHQR.slice(0, -4)}1A2B`]);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr, `saoma: invalid EMV payload: tag 63 at offset ${Array.from(KHQR).length - 8}: CRC is 1A2B, payload computes AE27\n`);

    const enc = await saoma(['emv', 'encode', '[{"id":"00","value":"01"},{"id":"59","value":"夜市小吃"}]']);
    assert.equal(enc.code, 0, enc.stderr);
    assert.match(enc.stdout, /^0002015904夜市小吃6304[0-9A-F]{4}\n$/);

    const badJson = await saoma(['emv', 'encode', '[{"id":']);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /^saoma: the argument is not valid JSON \(.+\)\n$/);
    assert.doesNotMatch(badJson.stderr, /\n\s+at /);
  });

  test('decode: every data object with name, offset and children; the scheme; --accept-format', () => {
    const r = inProcess(['emv', 'decode', KHQR]);
    assert.equal(r.code, 0);
    const d = JSON.parse(r.stdout);
    const lang = d.objects.find((o: { id: string }) => o.id === '64');
    assert.deepEqual(lang.children.map((c: { name: string; value: string }) => [c.name, c.value]), [
      ['Language Preference', 'ZH'], ['Merchant Name — Alternate Language', '文山'], ['Merchant City — Alternate Language', '金边'],
    ]);
    assert.equal(d.objects.find((o: { id: string }) => o.id === '29').children[0].name, 'Bakong Account ID');
    // A trailing newline from a scanner or `echo` is not part of the payload.
    assert.equal(inProcess(['emv', 'decode', `${KHQR}\n`]).code, 0);

    const duitnow = '00020201021126410014A000000615000101065016640209123456789520499995303458540510.005802MY5909QRCSDNBHD6005BANGI6304343F';
    const refused = inProcess(['emv', 'decode', duitnow]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'saoma: invalid EMV payload: tag 00 at offset 0: payload format indicator is "02", expected "01"\n');
    const accepted = inProcess(['emv', 'decode', '--accept-format', '01,02', duitnow]);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(JSON.parse(accepted.stdout).schemes[0].id, 'duitnow');
  });

  test('decode: malformed payloads name the tag and the offset', () => {
    const cases: Array<[string, string]> = [
      ['000201010212540', 'offset 12: "540" is left at the end of the payload, too short for an ID and a length'],
      ['0002010102125405', 'tag 54 at offset 12: length 05 runs past the end of the payload (0 characters left)'],
      ['00020101021254051', 'tag 54 at offset 12: length 05 runs past the end of the payload (1 character left)'],
      ['010212', 'tag 00 at offset 0: the payload must start with the payload format indicator (000201), but starts with tag 01'],
      ['000201010212', 'tag 63 missing: the payload must end with the CRC (6304 and four hex digits); its last data object is tag 01 at offset 6'],
    ];
    for (const [payload, message] of cases) {
      const r = inProcess(['emv', 'decode', payload]);
      assert.equal(r.code, 1, payload);
      assert.equal(r.stderr, `saoma: invalid EMV payload: ${message}\n`);
      assert.equal(r.stdout, '');
    }
  });

  test('encode: prints the payload; decode output encodes back; bad structure exits 2', () => {
    const decoded = inProcess(['emv', 'decode', KHQR]).stdout;
    const again = inProcess(['emv', 'encode', decoded]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `${KHQR}\n`);
    const objectsOnly = inProcess(['emv', 'encode', JSON.stringify(JSON.parse(decoded).objects)]);
    assert.equal(objectsOnly.stdout, `${KHQR}\n`);

    const cases: Array<[string, string]> = [
      ['{"id":"00"}', 'saoma: cannot encode: expected a JSON array of data objects like [{"id":"00","value":"01"}, …]\n'],
      ['[{"id":"01","value":"12"}]', 'saoma: cannot encode: objects[0] must be tag 00, the payload format indicator {"id":"00","value":"01"}\n'],
      ['[{"id":"00","value":"01"},{"id":"54","value":12.5}]', 'saoma: cannot encode: objects[1] (tag 54): "value" must be a string (amounts too: "12.50")\n'],
      ['not json', ''],
    ];
    for (const [json, stderr] of cases) {
      const r = inProcess(['emv', 'encode', json]);
      assert.equal(r.code, 2, json);
      assert.equal(r.stdout, '');
      if (stderr) assert.equal(r.stderr, stderr);
      else assert.match(r.stderr, /^saoma: the argument is not valid JSON/);
    }
  });

  test('missing arguments and --help go through commander', () => {
    const missing = inProcess(['emv', 'decode']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required argument 'payload'/);
    const help = inProcess(['emv', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /decode \[options\] <payload>/);
    assert.match(help.stdout, /encode <json>/);
  });
});
