#!/usr/bin/env node
/**
 * Rewrites every markdown block of docs/ opened with ```` ```ts file=<path>#<region> ```` with the current text of
 * that file's `// #region <region>` … `// #endregion <region>` (or the whole file without `#region`).
 * `test/jsdoc.test.ts` fails when a block and its file differ; run `node scripts/docs-excerpts.mjs` to update.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "..")
const walk = (dir) =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = Path.join(dir, entry.name)
    if (entry.isDirectory()) return ["node_modules", "api", "build"].includes(entry.name) ? [] : walk(full)
    return entry.name.endsWith(".md") ? [full] : []
  })

for (const file of walk(Path.join(root, "docs"))) {
  const text = Fs.readFileSync(file, "utf8")
  const next = text.replace(/^```(ts|typescript)([^\n]*\bfile=([^\s#]+)(?:#(\S+))?[^\n]*)\n[\s\S]*?^```$/gm, (block, lang, info, path, region) => {
    const source = Fs.readFileSync(Path.join(root, path), "utf8")
    const body = region === undefined
      ? source
      : new RegExp(`^// #region ${region}\\n([\\s\\S]*?)^// #endregion ${region}$`, "m").exec(source)?.[1]
    if (body === undefined) throw new Error(`${Path.relative(root, file)}: no region ${region} in ${path}`)
    return `\`\`\`${lang}${info}\n${body.trim()}\n\`\`\``
  })
  if (next !== text) {
    Fs.writeFileSync(file, next)
    console.log(`updated ${Path.relative(root, file)}`)
  }
}
