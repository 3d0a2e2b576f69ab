/**
 * barcode-detector's glue calls Object.hasOwn (Chrome 93); the counter's oldest WebView is Chrome 64.
 * Imported before the decoder so the glue finds it.
 */
const O = Object as unknown as { hasOwn?: (o: object, k: PropertyKey) => boolean };
if (!O.hasOwn) O.hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
export {};
