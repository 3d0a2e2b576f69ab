import { defineConfig } from 'vite';
import { webApp } from '../shared/vite-app.ts';

/** The wallet simulator, under /wallet: a phone-sized page for the sandbox, with the POS's browser target. */
export default defineConfig(webApp(new URL('.', import.meta.url), 'wallet'));
