/**
 * The URL of the ZXing reader wasm that matches barcode-detector's own glue (its nested zxing-wasm),
 * served from our origin. vite.config.ts resolves this name; see `readerWasmPath` there.
 */
declare module 'saoma:zxing-reader-wasm-url' {
  const url: string;
  export default url;
}
