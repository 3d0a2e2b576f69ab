/**
 * The oldest browser the POS bundle runs on: Chrome / Android System WebView 64 (January 2018).
 * Cheap Android POS devices without Google Play keep the WebView they shipped with. Chrome 64 runs
 * ES2018 (async/await, object spread, regex named groups) but not `?.`, `??` or class fields, which
 * the build lowers. The POS code also avoids newer APIs (AbortController, crypto.randomUUID,
 * Object.fromEntries), which no build step can lower.
 */
export const MIN_CHROME = 64;
/** The ECMAScript edition Chrome 64 parses; the bundle test parses the output with it. */
export const ES_VERSION = 2018;
/** The budget for the initial JavaScript of /pos, gzipped. */
export const MAX_INITIAL_JS_GZIP = 80 * 1024;
