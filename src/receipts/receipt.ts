import { DEFAULT_TEMPLATES, sampleData } from './defaults.ts';
import type { Copy, ReceiptData, ReceiptKind, ReceiptLang } from './model.ts';
import { renderDocument, type Format, type Paper, type PrinterEncoding, type Rendered } from './render.ts';
import { compileTemplate, fillTemplate, type Template } from './template.ts';
import { receiptView } from './view.ts';

export interface ReceiptRequest {
  kind: ReceiptKind;
  data: ReceiptData;
  /** The store's own template for this kind; our default when absent. */
  template?: string | null;
  lang: ReceiptLang;
  copy?: Copy;
  format: Format;
  paper: Paper;
  encoding: PrinterEncoding;
  drawer?: boolean;
  strict?: boolean;
}

// Checking a template walks it against the sample view; a store prints the same few templates all
// day, so each source is checked once.
const compiled = new Map<string, Template>();

/** Check a template for a kind of slip; throws `invalid_template` naming the line. */
export function checkTemplate(source: string): Template {
  let t = compiled.get(source);
  if (!t) {
    t = compileTemplate(source, receiptView(sampleData(), 'zh-Hans+en', 'merchant'));
    if (compiled.size > 500) compiled.clear();
    compiled.set(source, t);
  }
  return t;
}

/** The receiptline document for one slip (what the preview and the printer both start from). */
export function receiptDocument(req: Pick<ReceiptRequest, 'kind' | 'data' | 'template' | 'lang' | 'copy'>): string {
  const t = checkTemplate(req.template ?? DEFAULT_TEMPLATES[req.kind]);
  return fillTemplate(t, receiptView(req.data, req.lang, req.copy ?? 'customer'));
}

export function renderReceipt(req: ReceiptRequest): Promise<Rendered> {
  return renderDocument(receiptDocument(req), req.format, {
    paper: req.paper, encoding: req.encoding, drawer: req.drawer ?? false, strict: req.strict ?? false,
  });
}
