import { defineConfig } from 'vite';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';

/**
 * One build, two apps: the staff console (`index.html`, served by every tier's command-centre) and
 * the grid worker's handheld (`handheld.html` with its service worker `handheld-sw.js`, served by
 * every tier's mobile-gateway). Relative API paths (`/svc/<service>/…`, `/api/v1/…`) and no external
 * resources (district networks are often closed).
 */
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      input: { console: resolve(__dirname, 'index.html'), handheld: resolve(__dirname, 'handheld.html') },
      output: {
        // Big libraries in chunks of their own, cached across releases of the console.
        advancedChunks: {
          groups: [
            { name: 'maplibre', test: /node_modules[\\/]maplibre-gl/ },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)/ },
            { name: 'antd', test: /node_modules[\\/](antd|@ant-design|rc-|@rc-component)/ },
          ],
        },
      },
    },
  },
  server: {
    // `npm run dev -w apps/web` against a running tier: the console's paths go to its command-centre.
    proxy: {
      '/svc': process.env['GM_CONSOLE_URL'] ?? 'http://127.0.0.1:3005',
      '/api': process.env['GM_CONSOLE_URL'] ?? 'http://127.0.0.1:3005',
      '/config.json': process.env['GM_CONSOLE_URL'] ?? 'http://127.0.0.1:3005',
      // `GM_CONSOLE_URL=http://127.0.0.1:3006 npm run dev -w apps/web`, then /handheld.html: the handheld against a tier's gateway.
    },
  },
});
