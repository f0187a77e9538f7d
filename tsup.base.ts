import * as Fs from "node:fs"
import { defineConfig } from "tsup"
// @ts-expect-error: a plain .mjs script (no declarations), shared with the CLI
import { emitDeclarations } from "./scripts/declarations.mjs"

// splitting: true for CJS too, so shared modules (error classes) keep one identity across entry points.
export default defineConfig({
  entry: ["src/*.ts"],
  format: ["esm", "cjs"],
  // Declarations are TypeScript's own per-module output (scripts/declarations.mjs), not tsup's bundled dts:
  // that bundler turns `export * as X` namespaces into `typeof` aliases, and a class reached through one (every
  // service tag, error and schema class) loses its type in the installed package (TS2749).
  dts: false,
  onSuccess: async () => {
    emitDeclarations(process.cwd())
  },
  // the package's version where the code reports one (the emulator's `--version`); tsup runs in the package's dir
  define: { __CUBE_PACKAGE_VERSION__: JSON.stringify(JSON.parse(Fs.readFileSync("package.json", "utf8")).version) },
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: "es2022",
  // Keep `node:` prefixes: `node:sqlite` (the emulator's database) exists only under its prefixed name.
  removeNodeProtocol: false,
  outDir: "dist"
})
