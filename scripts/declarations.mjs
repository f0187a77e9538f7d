/**
 * The published declarations: TypeScript's own `.d.ts` files (from `tsc -b`, the workspace's typecheck), one per
 * module, copied into `dist/` next to the bundles, plus a `.d.cts` twin of each for `require` users.
 *
 * Why not tsup's bundled `.d.ts` (rollup-plugin-dts): it rewrites `export * as Users from "./Users.js"` into a
 * namespace of `declare const Users$1_X: typeof X` aliases, and a class aliased that way loses its type side:
 * `Effect<A, E, Session.Session>`, `Errors.NotFound`, `User.User` in a type position fail in the installed
 * package with TS2749 ("refers to a value, but is being used as a type") while the workspace, which compiles
 * from `src/`, never sees it. `tsc`'s per-module output keeps every declaration as written.
 *
 * The `.d.cts` copies differ only in their relative specifiers (`./X.js` → `./X.cjs`), so that under
 * `require` TypeScript resolves them as CommonJS declarations, matching `dist/*.cjs`.
 *
 * Used by tsup.base.ts (`onSuccess`, after the ESM and CJS bundles) with the package's directory; also runnable:
 * `node scripts/declarations.mjs packages/users`.
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")

/** `./a/B.js` (or `../B.js`) in `from "…"`, `import("…")` and `/// <reference path="…">` → its `.cjs` form. */
const toCjs = (text) =>
  text.replace(/((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+?)\.js(["'])/g, "$1$2.cjs$3")

const walk = (dir) =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = Path.join(dir, entry.name)
    return entry.isDirectory() ? walk(full) : [full]
  })

/**
 * Builds the package's project (`tsc -b`, incremental: a no-op after `pnpm typecheck`) and copies
 * `build/src/**\/*.d.ts` (+ maps, re-pointed at the shipped `src/`) into `dist/` as `.d.ts` and `.d.cts`.
 */
export const emitDeclarations = (packageDir) => {
  const tsc = createRequire(Path.join(root, "package.json")).resolve("typescript/bin/tsc")
  execFileSync(process.execPath, [tsc, "-b", packageDir], { cwd: root, stdio: "inherit" })
  const from = Path.join(packageDir, "build", "src")
  const to = Path.join(packageDir, "dist")
  let count = 0
  for (const file of walk(from)) {
    if (!file.endsWith(".d.ts")) continue
    const relative = Path.relative(from, file)
    const base = Path.join(to, relative.slice(0, -".d.ts".length))
    if (Path.basename(base) === "bin") continue // an executable, not a module anyone imports
    Fs.mkdirSync(Path.dirname(base), { recursive: true })
    const text = Fs.readFileSync(file, "utf8")
    const mapFile = `${file}.map`
    const hasMap = Fs.existsSync(mapFile)
    const withMap = (dts, ext) =>
      hasMap ? dts.replace(/\/\/# sourceMappingURL=\S+/, `//# sourceMappingURL=${Path.basename(base)}${ext}.map`) : dts.replace(/\/\/# sourceMappingURL=\S+\n?/, "")
    Fs.writeFileSync(`${base}.d.ts`, withMap(text, ".d.ts"))
    Fs.writeFileSync(`${base}.d.cts`, withMap(toCjs(text), ".d.cts"))
    if (hasMap) {
      const map = JSON.parse(Fs.readFileSync(mapFile, "utf8"))
      // sources were relative to build/src/…; make them relative to dist/… (the tarball ships src/)
      map.sources = map.sources.map((s) => Path.relative(Path.dirname(base), Path.resolve(Path.dirname(file), s)))
      for (const ext of [".d.ts", ".d.cts"]) {
        Fs.writeFileSync(`${base}${ext}.map`, JSON.stringify({ ...map, file: `${Path.basename(base)}${ext}` }))
      }
    }
    count++
  }
  console.log(`DTS ${count} modules (tsc) → ${Path.relative(root, to)}/*.d.ts, *.d.cts`)
}

if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const dir of process.argv.slice(2)) emitDeclarations(Path.resolve(dir))
}
