import { defineConfig } from "vite";

// Vite compiles the TSX itself (jsx: react-jsx + jsxImportSource: preact in
// tsconfig.json); no framework plugin is needed.
export default defineConfig({
  base: "./",
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.44+ (Safari 17-level) runs the app; no down-levelling.
    target: "safari16",
    sourcemap: false,
    reportCompressedSize: true,
    // pdf.js's worker is big by nature and loaded only when a PDF opens.
    chunkSizeWarningLimit: 1500,
    modulePreload: { polyfill: false },
  },
});
