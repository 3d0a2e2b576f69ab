import type { Command } from 'commander';
import { builtInRules, describeRule, detectWallet, mergeRules, ruleSpec } from '../core/paycode.ts';
import { loadPaycodeRules } from '../paycode-rules.ts';

/**
 * A code fits no wallet. main.ts prints any error that is not a usage or configuration error as
 * "saoma: <message>" and exits 1, which is what an unrecognised code should do; a bad rules file is
 * a ConfigError (exit 2).
 */
export class PaymentCodeNotRecognised extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaymentCodeNotRecognised';
  }
}

/**
 * `saoma paycode <code> [--rules FILE]`: which wallet a scanned payment code belongs to, with the same
 * table the gateway uses, so support can answer "why was this code refused?" at the counter.
 * `write` is where the JSON answer goes (stdout unless a test captures it).
 */
export function registerPaycode(program: Command, write: (text: string) => void = (text) => { process.stdout.write(text); }): Command {
  return program.command('paycode')
    .description('Name the wallet a scanned payment code (付款码) belongs to, as JSON; exit 1 if it fits none')
    .argument('<code>', 'the digits scanned from the customer\'s wallet (surrounding whitespace is ignored)')
    .option('--rules <file>', 'extra wallet rules, a JSON array tried before the built-in ones (env SAOMA_PAYCODE_RULES)')
    .option('--sandbox', 'include the sandbox wallet (28…, 18 digits), tried before Alipay (default unless SAOMA_ENV=production)')
    .option('--no-sandbox', 'leave the sandbox wallet out: 28… codes are Alipay\'s, as in production')
    .action((code: string, opts: { rules?: string; sandbox?: boolean }) => {
      const file = opts.rules ?? (process.env.SAOMA_PAYCODE_RULES || undefined);
      const extra = file ? loadPaycodeRules(file, opts.rules ? '--rules' : 'SAOMA_PAYCODE_RULES') : [];
      const sandbox = opts.sandbox ?? process.env.SAOMA_ENV !== 'production';
      const rules = mergeRules(builtInRules({ sandbox }), extra);
      const found = detectWallet(code, rules);
      if (!found.ok) {
        const width = Math.max(...rules.map((r) => r.wallet.length), 6);
        const tried = rules.map((r) => `  ${r.wallet.padEnd(width)}  ${describeRule(r)}  (${r.description})`);
        throw new PaymentCodeNotRecognised([
          `payment code ${found.code ? `${JSON.stringify(found.code)} ` : ''}not recognised (${found.reason}): ${found.message}`,
          tried.length ? 'wallets tried, in order:' : 'no wallet rules to try.',
          ...tried,
        ].join('\n'));
      }
      const answer = { code: found.code, wallet: found.wallet, rule: ruleSpec(found.rule), ...(found.shadows.length ? { shadows: found.shadows } : {}) };
      write(`${JSON.stringify(answer)}\n`);
    });
}
