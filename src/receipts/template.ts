import Mustache from 'mustache';
import { SaomaError } from '../core/errors.ts';

/**
 * Receipt templates: receiptline markup (one line of text is one printed line, `|` separates columns,
 * `{code:…}` draws a QR) with Mustache fields (`{{sale.total}}`, `{{#sale.items}}…{{/sale.items}}`).
 *
 * Every value is escaped for where it lands: in text, receiptline's decoration characters (`_` underline,
 * `"` bold, `^` size, …) would restyle an item called `_Special_`; inside a `{…}` property only
 * `\ { | } ;` may be escaped (receiptline drops any other escaped character there). Mustache cannot
 * tell the two apart, so values are first wrapped in sentinels and escaped per column afterwards.
 */
const OPEN = '\u0001';
const CLOSE = '\u0002';
const SENTINELS = /[\u0001\u0002]/g;
const TEXT_SPECIAL = /[\\{}|\-=_"`^~]/g;
const PROP_SPECIAL = /[\\{}|;]/g;
const MAX_SOURCE = 20_000;
const MAX_LINES = 400;
const PROPERTY_KEYS = new Set(['align', 'border', 'code', 'image', 'option', 'text', 'width', 'comment', 'a', 'b', 'c', 'i', 'o', 't', 'w', '_']);

export interface Template { readonly source: string }

function lineOf(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function fail(line: number, message: string): never {
  throw new SaomaError('invalid_template', `Template line ${line}: ${message}`, { line, reason: message });
}

type Token = [string, string, number, number, Token[]?, number?];

/** Look a dotted name up the way Mustache does: the nearest context that has its first part. */
function resolves(stack: unknown[], name: string): { found: boolean; value: unknown; near: unknown } {
  if (name === '.') return { found: true, value: stack[stack.length - 1], near: null };
  const parts = name.split('.');
  for (let i = stack.length - 1; i >= 0; i--) {
    const ctx = stack[i];
    if (ctx && typeof ctx === 'object' && Object.prototype.hasOwnProperty.call(ctx, parts[0]!)) {
      let v: unknown = ctx;
      for (const p of parts) {
        if (!v || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, p)) return { found: false, value: undefined, near: v };
        v = (v as Record<string, unknown>)[p];
      }
      return { found: true, value: v, near: null };
    }
  }
  return { found: false, value: undefined, near: stack[stack.length - 1] };
}

/** The fields a misspelt name could have meant: those of the object its known part reached. */
function fieldsOf(obj: unknown): string {
  const o = Array.isArray(obj) ? obj[0] : obj;
  const names = o && typeof o === 'object' ? Object.keys(o).filter((k) => k !== 'label') : [];
  return names.slice(0, 14).join(', ') || 'none';
}

function checkTokens(source: string, tokens: Token[], stack: unknown[]): void {
  for (const tok of tokens) {
    const [type, name, start] = tok;
    const line = lineOf(source, start);
    if (type === 'text' || type === '!') continue;
    if (type === '&' || type === '{') fail(line, `"${name}" is unescaped ({{{…}}} or {{&…}}); write {{${name}}} so the value cannot restyle the slip.`);
    if (type === '>') fail(line, `partials ({{>${name}}}) are not supported; copy the lines in.`);
    if (type === '=') fail(line, 'changing the {{ }} delimiters is not supported.');
    const r = resolves(stack, name);
    if (!r.found) fail(line, `unknown field "${name}". Fields here: ${fieldsOf(r.near)}; labels are label.<name>.`);
    if (type === 'name') {
      if (r.value !== null && typeof r.value === 'object') fail(line, `"${name}" is a group of fields, not one value; use {{#${name}}}…{{/${name}}} or one of its fields.`);
      continue;
    }
    // A section ('#' or '^'): check its body against the first element, or the object itself.
    const children = tok[4] ?? [];
    let inner: unknown[] = stack;
    if (type === '#') {
      if (Array.isArray(r.value)) inner = r.value.length ? [...stack, r.value[0]] : stack;
      else if (r.value && typeof r.value === 'object') inner = [...stack, r.value];
    }
    checkTokens(source, children, inner);
  }
}

/** receiptline properties (`{width:*,8}`), with any {{field}} in them blanked out first. */
function checkProperties(source: string): void {
  const lines = source.split('\n');
  lines.forEach((raw, i) => {
    const text = raw.replace(/\{\{[^}]*\}\}/g, 'x').replace(/\\[\\{|}]/g, '');
    for (const column of text.split('|')) {
      const el = column.trim();
      if (!el.startsWith('{')) continue;
      if (!/^\{[^{}]*\}$/.test(el)) fail(i + 1, `"${el}" opens a property with { but does not close it with }; write \\{ for a literal brace.`);
      for (const member of el.slice(1, -1).split(';')) {
        if (!member.trim()) continue;
        const m = /^\s*([A-Za-z_]\w*)\s*:\s*(\S.*?)\s*$/.exec(member);
        if (!m) fail(i + 1, `"${member.trim()}" is not key:value inside ${el}.`);
        const key = m[1]!;
        if (key === 'command' || key === 'x') fail(i + 1, 'raw printer commands ({command:…}) are not allowed in templates.');
        if (!PROPERTY_KEYS.has(key)) fail(i + 1, `unknown property "${key}"; use width, border, align, code, option, image or text.`);
      }
    }
  });
}

/**
 * Check a template against what its slip's data offers (`sample`, a view with every section filled),
 * naming the line of the first problem. A template that passes renders against any data of its kind.
 */
export function compileTemplate(source: string, sample: Record<string, unknown>): Template {
  if (typeof source !== 'string' || !source.trim()) throw new SaomaError('invalid_template', 'The template is empty.', { line: 1 });
  if (source.length > MAX_SOURCE) throw new SaomaError('invalid_template', `The template is ${source.length} characters; at most ${MAX_SOURCE}.`, { line: 1 });
  const text = source.replace(/\r\n?/g, '\n');
  if (text.split('\n').length > MAX_LINES) throw new SaomaError('invalid_template', `The template has more than ${MAX_LINES} lines.`, { line: MAX_LINES + 1 });
  if (SENTINELS.test(text)) { SENTINELS.lastIndex = 0; fail(1, 'control characters are not allowed.'); }
  let tokens: Token[];
  try {
    tokens = Mustache.parse(text) as unknown as Token[];
  } catch (e) {
    const msg = (e as Error).message;
    // Mustache reports an unclosed section at the end of the text; the person needs where it opened.
    const unclosed = /Unclosed section "([^"]+)"/.exec(msg);
    const opened = unclosed ? text.search(new RegExp(`\\{\\{\\s*[#^]\\s*${unclosed[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\}\\}`)) : -1;
    const at = /at (\d+)/.exec(msg);
    const line = opened >= 0 ? lineOf(text, opened) : at ? lineOf(text, Number(at[1])) : 1;
    fail(line, `${msg.replace(/ at \d+$/, '')} (every {{#name}} needs its {{/name}}).`);
  }
  checkTokens(text, tokens, [sample]);
  checkProperties(text);
  return { source: text };
}

function clean(v: unknown): string {
  // A value is one printed field: no line breaks (they would start new receiptline lines) or controls.
  return String(v).replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

function escapeColumns(line: string): string {
  if (line.indexOf(OPEN) < 0) return line;
  // Columns split on | outside values; a column that is a {…} property takes property escaping.
  const cols: string[] = [];
  let cur = '';
  let inValue = false;
  for (const ch of line) {
    if (ch === OPEN) inValue = true;
    else if (ch === CLOSE) inValue = false;
    if (ch === '|' && !inValue) { cols.push(cur); cur = ''; continue; }
    cur += ch;
  }
  cols.push(cur);
  return cols.map((col) => {
    const bare = col.replace(/\u0001[^\u0002]*\u0002/g, 'x').trim();
    const special = bare.startsWith('{') && bare.endsWith('}') ? PROP_SPECIAL : TEXT_SPECIAL;
    return col.replace(/\u0001([^\u0002]*)\u0002/g, (_m, v: string) => v.replace(special, (c) => `\\${c}`));
  }).join('|');
}

/** The receiptline document for this data: fields filled in and escaped for where they stand. */
export function fillTemplate(t: Template, view: Record<string, unknown>): string {
  const filled = Mustache.render(t.source, view, {}, { escape: (v: unknown) => `${OPEN}${clean(v)}${CLOSE}` });
  return filled.split('\n').map(escapeColumns).join('\n');
}
