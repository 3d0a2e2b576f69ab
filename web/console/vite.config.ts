import { defineConfig } from 'vite';
import { webApp } from '../shared/vite-app.ts';

/** The merchant console, under /console: for an office browser, so evergreen browsers, no Chrome 64 floor. */
export default defineConfig(webApp(new URL('.', import.meta.url), 'console', { target: ['chrome100', 'firefox100', 'safari15'] }));
