import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from './config.ts';
import { PaycodeRuleError, builtInRules, mergeRules, parseRules, type PaycodeRule } from './core/paycode.ts';

/**
 * The I/O half of payment-code detection: reads the SAOMA_PAYCODE_RULES file that lets a deployment
 * add or override a wallet's code format without a release. A bad file is a configuration error
 * (exit 2 at start), never a silently smaller table: a missing rule would refuse real customers.
 */
export class PaycodeRulesFileError extends ConfigError {
  readonly file: string;
  readonly row: number | null;
  readonly field: string | null;
  constructor(file: string, message: string, row: number | null = null, field: string | null = null) {
    super(message);
    this.name = 'PaycodeRulesFileError';
    this.file = file;
    this.row = row;
    this.field = field;
  }
}

function readProblem(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT': return 'no such file';
    case 'EISDIR': return 'it is a folder, not a file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return (e as Error).message;
  }
}

/**
 * The rules in `file`, validated. `source` names where the path came from (the variable or a CLI
 * flag), so the message tells the operator what to fix.
 */
export function loadPaycodeRules(file: string, source = 'SAOMA_PAYCODE_RULES'): PaycodeRule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new PaycodeRulesFileError(file, `${source}: cannot read the payment-code rules file ${file}: ${readProblem(e)}.`);
  }
  try {
    return parseRules(text);
  } catch (e) {
    if (e instanceof PaycodeRuleError) throw new PaycodeRulesFileError(file, `${source}: payment-code rules file ${file}: ${e.message}`, e.row, e.field);
    throw e;
  }
}

/** The table the gateway detects with: the configured rules first, then the built-in ones (with the sandbox's when it is on). */
export function paycodeRulesFor(config: Pick<Config, 'paycodeRulesFile' | 'sandbox'>): PaycodeRule[] {
  const extra = config.paycodeRulesFile ? loadPaycodeRules(config.paycodeRulesFile) : [];
  return mergeRules(builtInRules({ sandbox: config.sandbox }), extra);
}
