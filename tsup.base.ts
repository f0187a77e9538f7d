import { defineConfig } from "tsup"

// splitting: true for CJS too, so shared modules (error classes) keep one identity across entry points.
export default defineConfig({
  entry: ["src/*.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: "es2022",
  outDir: "dist"
})
