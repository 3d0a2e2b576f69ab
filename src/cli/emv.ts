import type { Command } from 'commander';
import { isSaomaError } from '../core/errors.ts';
import { decodePayload } from '../emv/decode.ts';
import { encodeObjects } from '../emv/encode.ts';

/** Where the commands write; tests pass their own to capture output without a child process. */
export interface EmvIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly exit: (code: number) => void;
}

const processIo: EmvIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  exit: (code) => {
    process.exitCode = code;
  },
};

/**
 * `saoma emv decode <payload>` and `saoma emv encode <json>`. A bad payload is a finding, not a crash:
 * one line on stderr naming the tag and character offset, exit 1 (decode) or 2 (encode input that is
 * not what the command takes), and no stack trace. Anything else that goes wrong is rethrown.
 */
export function registerEmv(program: Command, io: EmvIo = processIo): Command {
  const emv = program.command('emv').description('EMVCo merchant-presented QR payloads (PromptPay, PayNow/SGQR, Pix, QRIS, DuitNow, VietQR, KHQR, BharatQR, UnionPay)');

  emv.command('decode')
    .description('Decode and check a payload: every data object (nested ones too) with its name and character offset, the amount, currency and the schemes recognised. Exit 1 if the payload is invalid.')
    .argument('<payload>', 'the text inside the QR code (quote it: it contains spaces)')
    .option('--accept-format <codes>', 'payload format indicators to accept, comma-separated (EMVCo defines only 01; some DuitNow codes carry 02)', '01')
    .action((payload: string, opts: { acceptFormat: string }) => {
      const formats = opts.acceptFormat.split(',').map((s) => s.trim()).filter(Boolean);
      try {
        // A scanner or a shell adds a newline; the payload itself never ends in whitespace before its CRC.
        const decoded = decodePayload(payload.replace(/[\r\n]+$/, ''), { payloadFormats: formats });
        io.stdout(`${JSON.stringify(decoded, null, 2)}\n`);
      } catch (e) {
        if (!isSaomaError(e)) throw e;
        io.stderr(`saoma: invalid EMV payload: ${e.message}\n`);
        io.exit(1);
      }
    });

  emv.command('encode')
    .description('Encode data objects given as JSON, computing every length (in characters) and the CRC. Exit 2 on bad JSON or structure.')
    .argument('<json>', 'a JSON array like \'[{"id":"00","value":"01"},{"id":"26","children":[{"id":"00","value":"SG.PAYNOW"}]}]\'; the output of `saoma emv decode` is accepted too')
    .action((json: string) => {
      let input: unknown;
      try {
        input = JSON.parse(json);
      } catch (e) {
        io.stderr(`saoma: the argument is not valid JSON (${(e as Error).message})\n`);
        io.exit(2);
        return;
      }
      // The whole output of `saoma emv decode` works too: its data objects are under "objects".
      if (typeof input === 'object' && input !== null && !Array.isArray(input) && 'objects' in input) input = input.objects;
      try {
        io.stdout(`${encodeObjects(input)}\n`);
      } catch (e) {
        if (!isSaomaError(e)) throw e;
        io.stderr(`saoma: cannot encode: ${e.message}\n`);
        io.exit(2);
      }
    });

  return emv;
}
