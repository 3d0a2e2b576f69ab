/**
 * Registers the POS service worker (built into /pos/sw.js), which keeps the app shell so the
 * counter opens with the network down. Only in a build (the dev server has no sw.js) and only where
 * service workers exist (HTTPS or localhost); registering after load keeps it off the first paint.
 */
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  const register = () => {
    navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL }).catch(() => {
      // Not fatal: the POS works online without it; it only loses the offline shell.
    });
  };
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register);
}
export {};
