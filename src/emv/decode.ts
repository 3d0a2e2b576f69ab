import { type Currency, exponent } from '../core/money.ts';
import { crc16 } from './crc.ts';
import { currencyFromNumeric } from './currency.ts';
import { rootTag, subTag, type Shape } from './dictionary.ts';
import { SCHEMES, type SchemeCondition, type SchemeRow, type SubField } from './schemes.ts';
import { emvError, firstDuplicate, readSequence, toChars, type Parent, type RawObject } from './tlv.ts';

/** One data object of the payload, with its place in it; templates carry their data objects as children. */
export interface DataObject {
  readonly id: string;
  name: string;
  readonly value: string;
  /** Character offset of the ID in the whole payload (templates' children too). */
  readonly offset: number;
  /** Characters in the value. */
  readonly length: number;
  /** False for IDs the specification reserves (RFU): kept as they are, with no meaning read into them. */
  readonly known: boolean;
  children?: DataObject[];
}

export interface SchemeMatch {
  readonly tag: string;
  readonly offset: number;
  /** Why: "GUID br.gov.bcb.pix", "tag 15 present", "sub-tag 01 9360…". */
  readonly via: string;
}

export interface RecognisedScheme {
  readonly id: string;
  readonly name: string;
  readonly country?: string;
  readonly matches: readonly SchemeMatch[];
  /** The scheme's own fields, by the names it gives them (first matching data object). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface DecodedPayload {
  readonly payload: string;
  readonly objects: readonly DataObject[];
  readonly payloadFormatIndicator: string;
  readonly pointOfInitiation?: { readonly code: string; readonly kind: 'static' | 'dynamic' | 'unknown' };
  readonly merchantCategoryCode?: string;
  readonly currency?: { readonly numeric: string; readonly alpha?: Currency };
  /** Tag 54 as written, and in minor units of the currency when Saoma knows its exponent. */
  readonly amount?: { readonly text: string; readonly minor?: number; readonly currency?: Currency };
  readonly country?: string;
  readonly merchantName?: string;
  readonly merchantCity?: string;
  readonly postalCode?: string;
  readonly alternateLanguage?: { readonly language?: string; readonly merchantName?: string; readonly merchantCity?: string };
  readonly schemes: readonly RecognisedScheme[];
  readonly expiry?: { readonly scheme: string; readonly tag: string; readonly raw: string; readonly at: string };
  readonly crc: string;
  /** Departures from the specification that do not stop the payload from being read. */
  readonly warnings: readonly string[];
}

export interface DecodeOptions {
  /**
   * Payload format indicators (tag 00) to accept. EMVCo defines only "01", the default; some DuitNow
   * codes in circulation carry "02", so a caller that must read them passes ["01", "02"].
   */
  readonly payloadFormats?: readonly string[];
}

const AMOUNT = /^(\d+)(?:\.(\d+))?$/;

interface Context {
  readonly chars: readonly string[];
  readonly warnings: string[];
}

function toObject(raw: RawObject, name: string, known: boolean): DataObject {
  return { id: raw.id, name, value: raw.value, offset: raw.offset, length: raw.length, known };
}

/** Reads a template's value into children, strictly (error) or leniently (warning, stays a plain value). */
function expand(ctx: Context, obj: DataObject, raw: RawObject, shape: Shape, parent: Parent, depth: number): void {
  if (shape === 'primitive') return;
  let inner: RawObject[];
  try {
    inner = readSequence(ctx.chars, raw.valueOffset, raw.valueOffset + raw.length, parent);
    const dup = firstDuplicate(inner);
    if (dup) {
      throw emvError(
        `tag ${parent.id} at offset ${parent.offset}, sub-tag ${dup[1].id} at offset ${dup[1].offset}: appears twice in the template (first at offset ${dup[0].offset})`,
        { tag: parent.id, offset: parent.offset, subTag: dup[1].id, subTagOffset: dup[1].offset },
      );
    }
  } catch (e) {
    if (shape === 'strict') throw e;
    ctx.warnings.push(`tag ${parent.id} at offset ${parent.offset} is kept as a plain value: it does not read as a template (${(e as Error).message})`);
    return;
  }
  obj.children = inner.map((r) => {
    const info = subTag(parent.id, r.id, depth);
    const sub = toObject(r, info.name, info.known);
    expand(ctx, sub, r, info.shape, { id: r.id, offset: r.offset }, depth + 1);
    return sub;
  });
}

/** A template's children, read through a call so TypeScript does not keep a narrowing from before expand(). */
function childrenOf(obj: DataObject): DataObject[] {
  return obj.children ?? [];
}

function child(obj: DataObject | undefined, id: string): DataObject | undefined {
  return obj?.children?.find((c) => c.id === id);
}

function matchCondition(cond: SchemeCondition, obj: DataObject, country: string | undefined): string | undefined {
  if (cond.country && cond.country !== country) return undefined;
  if (!cond.tags.includes(obj.id)) return undefined;
  if (cond.primitive) return obj.children ? undefined : `tag ${obj.id} present`;
  const guid = child(obj, '00')?.value;
  if (cond.guids && guid !== undefined) {
    const hit = cond.guids.find((g) => g.toUpperCase() === guid.toUpperCase());
    if (hit) return `GUID ${guid}`;
  }
  if (cond.guidPattern && guid !== undefined && cond.guidPattern.test(guid)) return `sub-tag 00 ${guid}`;
  if (cond.sub) {
    const v = child(obj, cond.sub.id)?.value;
    if (v !== undefined && cond.sub.pattern.test(v)) return `sub-tag ${cond.sub.id} ${v}`;
  }
  return undefined;
}

/** Gives a matched template's sub-fields the scheme's names, reading scheme-defined sub-templates too. */
function nameFields(ctx: Context, obj: DataObject, fields: Readonly<Record<string, SubField>> | Readonly<Record<string, string>>): void {
  for (const c of obj.children ?? []) {
    const spec = fields[c.id];
    if (spec === undefined) continue;
    const field: SubField = typeof spec === 'string' ? { name: spec } : spec;
    c.name = field.name;
    if (field.template && !c.children) {
      const raw: RawObject = { id: c.id, offset: c.offset, length: c.length, value: c.value, valueOffset: c.offset + 4 };
      expand(ctx, c, raw, 'lenient', { id: c.id, offset: c.offset }, 2);
      for (const g of childrenOf(c)) {
        const n = field.template[g.id];
        if (n) g.name = n;
      }
    }
  }
}

function recognise(ctx: Context, row: SchemeRow, objects: readonly DataObject[], country: string | undefined): RecognisedScheme | undefined {
  const matches: SchemeMatch[] = [];
  for (const obj of objects) {
    for (const cond of row.when) {
      const via = matchCondition(cond, obj, country);
      if (via) {
        matches.push({ tag: obj.id, offset: obj.offset, via });
        break;
      }
    }
  }
  if (matches.length === 0) return undefined;
  const first = objects.find((o) => o.id === matches[0]!.tag)!;
  const fields: Record<string, string> = {};
  if (first.children) {
    if (row.fields) {
      for (const m of matches) nameFields(ctx, objects.find((o) => o.id === m.tag)!, row.fields);
    }
    for (const c of first.children) {
      const spec = row.fields?.[c.id];
      if (!spec) continue;
      if (spec.template && c.children) {
        for (const g of c.children) if (spec.template[g.id]) fields[g.name] = g.value;
      } else {
        fields[c.name] = c.value;
      }
    }
  } else if (row.parts && row.parts.reduce((n, [, w]) => n + w, 0) === first.length) {
    let at = 0;
    for (const [name, width] of row.parts) {
      fields[name] = Array.from(first.value).slice(at, at + width).join('');
      at += width;
    }
  } else {
    fields['Merchant Account'] = first.value;
  }
  for (const [tag, names] of Object.entries(row.templates ?? {})) {
    const t = objects.find((o) => o.id === tag);
    if (t?.children) {
      nameFields(ctx, t, names);
      for (const c of t.children) if (names[c.id]) fields[c.name] = c.value;
    }
  }
  return {
    id: row.id,
    name: row.name,
    ...(row.country ? { country: row.country } : {}),
    matches,
    fields,
  };
}

/** A scheme's expiry as written, and as a date/time string (local to the scheme for `date`, UTC for epoch). */
function readExpiry(ctx: Context, row: SchemeRow, scheme: RecognisedScheme, objects: readonly DataObject[]): DecodedPayload['expiry'] {
  const spec = row.expiry;
  if (!spec) return undefined;
  const holder = spec.in === 'match' ? objects.find((o) => o.id === scheme.matches[0]!.tag) : objects.find((o) => o.id === spec.in);
  const field = child(holder, spec.sub);
  if (!holder || !field) return undefined;
  const raw = field.value;
  let at: string | undefined;
  if (spec.format === 'date') {
    const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/.exec(raw);
    if (m) at = m[4] ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}` : `${m[1]}-${m[2]}-${m[3]}`;
  } else if (/^\d{1,15}$/.test(raw)) {
    const d = new Date(Number(raw));
    if (!Number.isNaN(d.getTime())) at = d.toISOString();
  }
  if (at === undefined) {
    ctx.warnings.push(`tag ${holder.id} at offset ${holder.offset}, sub-tag ${spec.sub}: ${scheme.name} expiry ${JSON.stringify(raw)} is not a ${spec.format === 'date' ? 'YYYYMMDD date' : 'millisecond timestamp'}`);
    return undefined;
  }
  return { scheme: row.id, tag: `${holder.id}.${spec.sub}`, raw, at };
}

/** "23.72" in CNY → 2372. Exact at any length tag 54 allows (BigInt, no float). */
function amountMinor(raw: DataObject, currency: Currency): number {
  const m = AMOUNT.exec(raw.value)!;
  const exp = exponent(currency);
  const frac = m[2] ?? '';
  if (frac.length > exp) {
    throw emvError(
      `tag 54 at offset ${raw.offset}: amount ${raw.value} has ${frac.length} decimals but ${currency} has ${exp}`,
      { tag: '54', offset: raw.offset },
    );
  }
  const minor = BigInt(m[1]!) * 10n ** BigInt(exp) + BigInt(frac.padEnd(exp, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw emvError(`tag 54 at offset ${raw.offset}: amount ${raw.value} is too large`, { tag: '54', offset: raw.offset });
  }
  return Number(minor);
}

/**
 * Decodes and checks an EMVCo merchant-presented payload. Throws SaomaError `invalid_emv_payload` naming
 * the tag and character offset when the payload cannot be trusted: broken TLV, a template that
 * overflows, a repeated tag, 00 not first, 63 not last, a wrong CRC (lowercase hex is accepted), or an
 * amount that is not a plain decimal with at most the currency's decimals. Unknown and reserved tags are
 * kept, marked `known: false`.
 */
export function decodePayload(payload: string, options: DecodeOptions = {}): DecodedPayload {
  const formats = options.payloadFormats ?? ['01'];
  const chars = toChars(payload);
  if (chars.length === 0) throw emvError('the payload is empty', { offset: 0 });
  const ctx: Context = { chars, warnings: [] };

  const rawRoot = readSequence(chars, 0, chars.length);
  const first = rawRoot[0]!;
  if (first.id !== '00') {
    throw emvError(
      `tag 00 at offset 0: the payload must start with the payload format indicator (000201), but starts with tag ${first.id}`,
      { tag: '00', offset: 0 },
    );
  }
  if (!formats.includes(first.value)) {
    throw emvError(
      `tag 00 at offset 0: payload format indicator is ${JSON.stringify(first.value)}, expected ${formats.map((f) => JSON.stringify(f)).join(' or ')}`,
      { tag: '00', offset: 0 },
    );
  }
  const crcIndex = rawRoot.findIndex((o) => o.id === '63');
  const last = rawRoot[rawRoot.length - 1]!;
  if (crcIndex === -1) {
    throw emvError(
      `tag 63 missing: the payload must end with the CRC (6304 and four hex digits); its last data object is tag ${last.id} at offset ${last.offset}`,
      { tag: '63', offset: chars.length },
    );
  }
  const crcRaw = rawRoot[crcIndex]!;
  if (crcIndex !== rawRoot.length - 1) {
    throw emvError(
      `tag 63 at offset ${crcRaw.offset}: the CRC must be the last data object, but tag ${rawRoot[crcIndex + 1]!.id} at offset ${rawRoot[crcIndex + 1]!.offset} follows`,
      { tag: '63', offset: crcRaw.offset },
    );
  }
  if (crcRaw.length !== 4 || !/^[0-9A-Fa-f]{4}$/.test(crcRaw.value)) {
    throw emvError(`tag 63 at offset ${crcRaw.offset}: the CRC must be 4 hex digits, found ${JSON.stringify(crcRaw.value)}`, { tag: '63', offset: crcRaw.offset });
  }
  const computed = crc16(chars.slice(0, crcRaw.valueOffset).join(''));
  if (computed !== crcRaw.value.toUpperCase()) {
    throw emvError(`tag 63 at offset ${crcRaw.offset}: CRC is ${crcRaw.value}, payload computes ${computed}`, {
      tag: '63', offset: crcRaw.offset, found: crcRaw.value, computed,
    });
  }
  const dup = firstDuplicate(rawRoot);
  if (dup) {
    throw emvError(`tag ${dup[1].id} at offset ${dup[1].offset}: appears twice (first at offset ${dup[0].offset})`, { tag: dup[1].id, offset: dup[1].offset });
  }

  const objects = rawRoot.map((r) => {
    const info = rootTag(r.id);
    const obj = toObject(r, info.name, info.known);
    expand(ctx, obj, r, info.shape, { id: r.id, offset: r.offset }, 1);
    return obj;
  });
  const get = (id: string) => objects.find((o) => o.id === id);

  for (const [id, name] of [['52', 'merchant category code'], ['53', 'transaction currency'], ['58', 'country code'], ['59', 'merchant name'], ['60', 'merchant city']] as const) {
    if (!get(id)) ctx.warnings.push(`tag ${id} (${name}) is missing; EMVCo makes it mandatory`);
  }
  if (!objects.some((o) => Number(o.id) >= 2 && Number(o.id) <= 51)) ctx.warnings.push('no merchant account information (tags 02–51)');

  // EMVCo writes 59 and 60 in its common character set (printable ASCII) and puts names in other scripts
  // in template 64. Payloads in the wild do put Chinese or Thai in 59; they are read, with a note.
  for (const id of ['59', '60']) {
    const o = get(id);
    if (o && /[^\x20-\x7e]/.test(o.value)) ctx.warnings.push(`tag ${id} at offset ${o.offset}: has characters outside the EMV common character set; EMVCo puts other scripts in template 64`);
  }

  const poi = get('01');
  let pointOfInitiation: DecodedPayload['pointOfInitiation'];
  if (poi) {
    const kind = poi.value === '11' ? 'static' : poi.value === '12' ? 'dynamic' : 'unknown';
    if (kind === 'unknown') ctx.warnings.push(`tag 01 at offset ${poi.offset}: point of initiation ${JSON.stringify(poi.value)} is neither 11 (static) nor 12 (dynamic)`);
    pointOfInitiation = { code: poi.value, kind };
  }

  const cur = get('53');
  let currency: DecodedPayload['currency'];
  if (cur) {
    if (!/^\d{3}$/.test(cur.value)) {
      throw emvError(`tag 53 at offset ${cur.offset}: currency ${JSON.stringify(cur.value)} is not a 3-digit ISO 4217 numeric code`, { tag: '53', offset: cur.offset });
    }
    const alpha = currencyFromNumeric(cur.value);
    if (!alpha) ctx.warnings.push(`tag 53 at offset ${cur.offset}: currency ${cur.value} is not one Saoma settles in`);
    currency = { numeric: cur.value, ...(alpha ? { alpha } : {}) };
  }

  const amt = get('54');
  let amount: DecodedPayload['amount'];
  if (amt) {
    if (amt.length > 13 || !AMOUNT.test(amt.value)) {
      throw emvError(
        `tag 54 at offset ${amt.offset}: amount ${JSON.stringify(amt.value)} is not a decimal of up to 13 characters with "." as the decimal point`,
        { tag: '54', offset: amt.offset },
      );
    }
    const alpha = currency?.alpha;
    amount = alpha ? { text: amt.value, minor: amountMinor(amt, alpha), currency: alpha } : { text: amt.value };
  }

  const country = get('58')?.value;
  const lang = get('64');
  const schemes: RecognisedScheme[] = [];
  let expiry: DecodedPayload['expiry'];
  for (const row of SCHEMES) {
    const s = recognise(ctx, row, objects, country);
    if (!s) continue;
    schemes.push(s);
    expiry ??= readExpiry(ctx, row, s, objects);
  }

  const str = (id: string) => get(id)?.value;
  return {
    payload,
    objects,
    payloadFormatIndicator: first.value,
    ...(pointOfInitiation ? { pointOfInitiation } : {}),
    ...(str('52') !== undefined ? { merchantCategoryCode: str('52')! } : {}),
    ...(currency ? { currency } : {}),
    ...(amount ? { amount } : {}),
    ...(country !== undefined ? { country } : {}),
    ...(str('59') !== undefined ? { merchantName: str('59')! } : {}),
    ...(str('60') !== undefined ? { merchantCity: str('60')! } : {}),
    ...(str('61') !== undefined ? { postalCode: str('61')! } : {}),
    ...(lang?.children
      ? {
          alternateLanguage: {
            ...(child(lang, '00') ? { language: child(lang, '00')!.value } : {}),
            ...(child(lang, '01') ? { merchantName: child(lang, '01')!.value } : {}),
            ...(child(lang, '02') ? { merchantCity: child(lang, '02')!.value } : {}),
          },
        }
      : {}),
    schemes,
    ...(expiry ? { expiry } : {}),
    crc: crcRaw.value,
    warnings: ctx.warnings,
  };
}
