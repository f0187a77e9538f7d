import { defineConfig } from "tsup"

// splitting: true for CJS too, so shared modules (error classes) keep one identity across entry points.
export default defineConfig({
  entry: ["src/*.ts"],
  format: ["esm", "cjs"],
  // composite: false: tsup hands TypeScript only the entries, which a composite project rejects (TS6307).
  dts: { compilerOptions: { composite: false } },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: "es2022",
  // Keep `node:` prefixes: `node:sqlite` (the emulator's database) exists only under its prefixed name.
  removeNodeProtocol: false,
  outDir: "dist"
})
