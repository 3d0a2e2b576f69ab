import QRCode from 'qrcode';

/**
 * Will a printed QR code scan? Checked before export from the facts printers and scanners agree on:
 * a quiet zone of 4 modules (ISO/IEC 18004), at least 4 printer dots per module (DENSO WAVE), a code at
 * least a tenth as wide as the distance it is scanned from, error correction Q (H when a logo covers
 * modules), and a payload short enough to stay at version 4 or below (Alipay+ merchant-code guidance).
 */
export type EcLevel = 'L' | 'M' | 'Q' | 'H';

export interface QrPrintSpec {
  payload: string;
  /** Printed width of the symbol including its quiet zone, in millimetres. */
  sizeMm: number;
  /** The printer's resolution: 203 for a thermal POS printer, 300–600 for a print shop. */
  dpi: number;
  /** How far away the customer's phone will be, in centimetres. */
  distanceCm: number;
  ecLevel?: EcLevel;
  quietZone?: number;
  logo?: boolean;
}

export interface Finding { level: 'error' | 'warning'; code: string; message: string }

export interface QrQuality {
  version: number;
  ecLevel: EcLevel;
  modules: number;
  quietZone: number;
  moduleMm: number;
  dotsPerModule: number;
  /** The farthest a phone can be for this size (size / 10 rule), in cm. */
  maxDistanceCm: number;
  /** The smallest size (with quiet zone) that suits the distance and prints whole dots per module. */
  suggestedSizeMm: number;
  findings: Finding[];
  ok: boolean;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export function checkQrPrint(spec: QrPrintSpec): QrQuality {
  const ecLevel: EcLevel = spec.ecLevel ?? (spec.logo ? 'H' : 'Q');
  const quietZone = spec.quietZone ?? 4;
  const findings: Finding[] = [];
  let version: number;
  try {
    version = QRCode.create(spec.payload, { errorCorrectionLevel: ecLevel }).version;
  } catch {
    const f: Finding = { level: 'error', code: 'qr_too_dense', message: `The payload (${Buffer.byteLength(spec.payload)} bytes) does not fit any QR code at level ${ecLevel}; shorten it.` };
    return { version: 0, ecLevel, modules: 0, quietZone, moduleMm: 0, dotsPerModule: 0, maxDistanceCm: 0, suggestedSizeMm: 0, findings: [f], ok: false };
  }
  const modules = 17 + 4 * version;
  const moduleMm = spec.sizeMm / (modules + 2 * quietZone);
  const dotsPerModule = (moduleMm * spec.dpi) / 25.4;
  const symbolMm = moduleMm * modules;
  const maxDistanceCm = symbolMm; // symbol width ≥ distance / 10 → distance ≤ 10 × width; mm → cm is ÷ 10
  // Smallest size for the distance, rounded up to whole printer dots per module.
  const dotMm = 25.4 / spec.dpi;
  const minModuleMm = Math.max((spec.distanceCm * 10) / 10 / modules, 4 * dotMm);
  const suggestedSizeMm = round(Math.ceil(minModuleMm / dotMm) * dotMm * (modules + 2 * quietZone), 1);

  if (quietZone < 4) findings.push({ level: 'error', code: 'quiet_zone', message: `The quiet zone is ${quietZone} modules; a scanner needs 4 blank modules on every side.` });
  if (dotsPerModule < 4) {
    findings.push({ level: dotsPerModule < 2 ? 'error' : 'warning', code: 'module_too_small', message: `Each module is ${round(moduleMm)} mm = ${round(dotsPerModule, 1)} printer dots at ${spec.dpi} dpi; at least 4 dots are needed. Print it at ${suggestedSizeMm} mm or more.` });
  } else if (dotsPerModule < 10 && Math.abs(dotsPerModule - Math.round(dotsPerModule)) > 0.05) {
    findings.push({ level: 'warning', code: 'uneven_modules', message: `Modules are ${round(dotsPerModule, 1)} dots wide at ${spec.dpi} dpi, so some print a dot wider than others; ${round(Math.round(dotsPerModule) * dotMm * (modules + 2 * quietZone), 1)} mm gives whole dots.` });
  }
  if (spec.distanceCm > maxDistanceCm) {
    findings.push({ level: 'warning', code: 'too_small_for_distance', message: `At ${round(symbolMm / 10, 1)} cm wide the code reads from about ${round(maxDistanceCm, 0)} cm; for ${spec.distanceCm} cm print it at ${suggestedSizeMm} mm or more.` });
  }
  if (ecLevel === 'L' || ecLevel === 'M') findings.push({ level: 'warning', code: 'low_error_correction', message: `Error correction ${ecLevel} does not survive scuffs and glare on a counter; use Q (H with a logo).` });
  if (spec.logo && ecLevel !== 'H') findings.push({ level: 'warning', code: 'logo_needs_h', message: 'A logo over the code hides modules; use error correction H.' });
  if (version > 4) findings.push({ level: version > 10 ? 'error' : 'warning', code: version > 10 ? 'qr_too_dense' : 'dense', message: `The payload needs a version ${version} code (${modules}×${modules} modules); keep it under 46 bytes for version 4 or less, so modules stay large.` });
  if (moduleMm < 0.25) findings.push({ level: 'error', code: 'qr_too_dense', message: `Modules of ${round(moduleMm, 3)} mm are smaller than phones can resolve; print larger or shorten the payload.` });
  const seen = new Set<string>();
  const unique = findings.filter((f) => (seen.has(f.code + f.level) ? false : (seen.add(f.code + f.level), true)));
  return {
    version, ecLevel, modules, quietZone, moduleMm: round(moduleMm, 3), dotsPerModule: round(dotsPerModule, 2), maxDistanceCm: round(maxDistanceCm, 0),
    suggestedSizeMm, findings: unique, ok: !unique.some((f) => f.level === 'error'),
  };
}

/** "10cm", "100mm", "4in", or a bare number of millimetres. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(mm|cm|in)?\s*$/i.exec(text);
  if (!m) throw new Error(`"${text}" is not a size; write 10cm, 100mm or 4in.`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 'mm').toLowerCase();
  const mm = unit === 'cm' ? n * 10 : unit === 'in' ? n * 25.4 : n;
  if (mm < 10 || mm > 2000) throw new Error(`${text} is outside 1 cm – 2 m.`);
  return mm;
}
