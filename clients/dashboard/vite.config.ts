/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` proxies the API to a running gateway (MES_GATEWAY, default :8000).
const gateway = process.env.MES_GATEWAY ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  // the factory's time zone (src/time.ts) comes from the same variable the services read
  envPrefix: ['VITE_', 'MES_FACTORY_TIMEZONE'],
  server: {
    proxy: { '/api': { target: gateway, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    sourcemap: false,
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    pool: 'threads',
    maxWorkers: 2,
    // the machine is shared: give rendering tests room when it is busy
    testTimeout: 30_000,
  },
});
