import { defineConfig } from 'vite';
import { webApp } from '../shared/vite-app.ts';

/**
 * The customer display, under /display: the second screen facing the customer (a dual-screen Android
 * POS, a tablet, a phone). The POS's browser target; it reuses the POS's QR drawing and sounds.
 */
export default defineConfig(webApp(new URL('.', import.meta.url), 'display'));
