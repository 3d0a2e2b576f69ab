import { SaomaError } from '../core/errors.ts';

/**
 * The EMVCo MPM wire format: ID (2 digits) + length (2 digits) + value, repeated; a template's value is
 * itself such a sequence. Lengths and offsets count characters as the specification does, i.e. Unicode
 * code points: "最佳运输" is 4, not 12 UTF-8 bytes, and not the UTF-16 units JavaScript's .length would
 * give for characters outside the BMP.
 */

export function emvError(message: string, details: Record<string, unknown> = {}): SaomaError {
  return new SaomaError('invalid_emv_payload', message, details);
}

/** The payload split into characters (code points), so that index = character offset. */
export function toChars(text: string): string[] {
  return Array.from(text);
}

export function charLength(text: string): number {
  return Array.from(text).length;
}

/** One data object as read from the payload, before any meaning is given to it. */
export interface RawObject {
  readonly id: string;
  /** Character offset of its ID in the whole payload. */
  readonly offset: number;
  readonly length: number;
  readonly value: string;
  /** Character offset of its value in the whole payload. */
  readonly valueOffset: number;
}

/** The template a sequence sits in, for error messages; undefined at the root. */
export interface Parent {
  readonly id: string;
  readonly offset: number;
}

const TWO_DIGITS = /^\d\d$/;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function where(parent: Parent | undefined, id: string, offset: number): string {
  return parent ? `tag ${parent.id} at offset ${parent.offset}, sub-tag ${id} at offset ${offset}` : `tag ${id} at offset ${offset}`;
}

function scope(parent: Parent | undefined): string {
  return parent ? `template ${parent.id}` : 'the payload';
}

function details(parent: Parent | undefined, id: string | undefined, offset: number): Record<string, unknown> {
  return parent
    ? { tag: parent.id, offset: parent.offset, subTag: id, subTagOffset: offset }
    : { tag: id, offset };
}

/**
 * Reads the data objects of chars[start, end). Every failure names the tag and the character offset,
 * because the person reading it is holding a QR code that a phone could not pay and needs to know where.
 */
export function readSequence(chars: readonly string[], start: number, end: number, parent?: Parent): RawObject[] {
  const out: RawObject[] = [];
  let pos = start;
  while (pos < end) {
    const left = end - pos;
    if (left < 4) {
      const tail = chars.slice(pos, end).join('');
      throw emvError(
        `offset ${pos}: ${JSON.stringify(tail)} is left at the end of ${scope(parent)}, too short for an ID and a length`,
        parent ? { tag: parent.id, offset: parent.offset, subTagOffset: pos } : { offset: pos },
      );
    }
    const id = chars[pos]! + chars[pos + 1]!;
    if (!TWO_DIGITS.test(id)) {
      throw emvError(`offset ${pos}: ID ${JSON.stringify(id)} in ${scope(parent)} is not two digits`, details(parent, id, pos));
    }
    const lengthText = chars[pos + 2]! + chars[pos + 3]!;
    if (!TWO_DIGITS.test(lengthText)) {
      throw emvError(`${where(parent, id, pos)}: length ${JSON.stringify(lengthText)} is not two digits`, details(parent, id, pos));
    }
    const length = Number(lengthText);
    if (length === 0) {
      throw emvError(`${where(parent, id, pos)}: length 00; a data object holds at least one character`, details(parent, id, pos));
    }
    const valueOffset = pos + 4;
    if (valueOffset + length > end) {
      throw emvError(
        `${where(parent, id, pos)}: length ${lengthText} runs past the end of ${scope(parent)} (${plural(end - valueOffset, 'character')} left)`,
        details(parent, id, pos),
      );
    }
    out.push({ id, offset: pos, length, value: chars.slice(valueOffset, valueOffset + length).join(''), valueOffset });
    pos = valueOffset + length;
  }
  return out;
}

/** The first repeated ID in a sequence, if any: two amounts in one QR would let a phone and Saoma disagree. */
export function firstDuplicate(objects: readonly RawObject[]): [RawObject, RawObject] | undefined {
  const seen = new Map<string, RawObject>();
  for (const o of objects) {
    const first = seen.get(o.id);
    if (first) return [first, o];
    seen.set(o.id, o);
  }
  return undefined;
}

/** ID + two-digit character count + value. The caller has checked 1 ≤ length ≤ 99. */
export function tlv(id: string, value: string): string {
  return `${id}${String(charLength(value)).padStart(2, '0')}${value}`;
}
