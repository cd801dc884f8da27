import { defineConfig } from "vite";

// The app serves dist/ at `/` (app/frontend.py); `npm run dev` proxies the API to it.
export default defineConfig({
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
  server: {
    proxy: {
      "/v1": { target: "http://127.0.0.1:8000", ws: true },
    },
  },
});
