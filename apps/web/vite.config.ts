import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * One build, served by every tier's command-centre from its own origin: relative API paths
 * (`/svc/<service>/…`, `/api/v1/…`) and no external resources (district networks are often closed).
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
    },
  },
});
