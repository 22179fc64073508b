/**
 * Builds the browser bundles into web/dist: the console (console/index.html → dist/index.html) and the
 * softphone (softphone/index.html → dist/phone.html). The server serves dist/ at `/` with an SPA
 * fallback and dist/phone.html at `/phone`. Asset URLs are absolute (`/assets/…`), so moving the two
 * HTML files to the top of dist/ after the build keeps every reference valid.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
const outDir = join(root, 'dist');

/** Where each page lands, relative to dist/: Vite keeps the source folder, the server wants flat names. */
const PAGES: Record<string, string> = {
  'console/index.html': 'index.html',
  'softphone/index.html': 'phone.html',
};

function flattenPages(): Plugin {
  return {
    name: 'parley-flatten-pages',
    apply: 'build',
    closeBundle() {
      for (const [from, to] of Object.entries(PAGES)) {
        const src = join(outDir, from);
        if (existsSync(src)) renameSync(src, join(outDir, to));
      }
      for (const dir of new Set(Object.keys(PAGES).map((p) => dirname(p)))) {
        rmSync(join(outDir, dir), { recursive: true, force: true });
      }
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  plugins: [react(), flattenPages()],
  build: {
    outDir,
    emptyOutDir: true,
    rollupOptions: {
      input: Object.fromEntries(Object.keys(PAGES).map((p) => [dirname(p), resolve(root, p)])),
    },
  },
  server: {
    // `npx vite --config web/vite.config.ts` for UI work: the API runs separately on :8080.
    proxy: { '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
