import { defineConfig } from "vitest/config"

// One config for every project: tests live in test/, run against sources (package exports point at src).
export default defineConfig({
  esbuild: { target: "es2022" },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [new URL("./vitest.setup.ts", import.meta.url).pathname],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fakeTimers: { toFake: undefined }
  }
})
