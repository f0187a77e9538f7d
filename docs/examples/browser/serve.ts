/**
 * Builds the browser example and serves it on 127.0.0.1, next to an in-process emulator:
 *
 *   pnpm tsx docs/examples/browser/serve.ts     # prints the page's URL; open it in a browser
 *
 * The test (`test/browser.test.ts`) uses `build` and `serve` the same way and opens the page in headless Chromium.
 */
import { Emulator } from "@connectycube-effect/emulator"
import { build as esbuild } from "esbuild"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"

/** This directory: `index.html`, `main.ts`, and `dist/main.js` once built. */
export const pageDir = Path.dirname(fileURLToPath(import.meta.url))

/** Bundles `main.ts` for browsers into `dist/main.js` (the `#transport` import resolves to fetch). */
export const build = async (): Promise<void> => {
  await esbuild({
    entryPoints: [Path.join(pageDir, "main.ts")],
    outfile: Path.join(pageDir, "dist", "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    logLevel: "warning"
  })
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json"
}

/** A static server for this directory on 127.0.0.1 (port 0: a free one). */
export const serve = async (port = 0): Promise<{ readonly url: string; readonly close: () => Promise<void> }> => {
  const server = Http.createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname
    const file = Path.join(pageDir, path === "/" ? "index.html" : path)
    if (!file.startsWith(pageDir + Path.sep) || !Fs.existsSync(file) || !Fs.statSync(file).isFile()) {
      response.writeHead(404).end("not found")
      return
    }
    response.writeHead(200, { "content-type": TYPES[Path.extname(file)] ?? "application/octet-stream" })
    Fs.createReadStream(file).pipe(response)
  })
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  const { port: actual } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${actual}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === Path.resolve(process.argv[1])) {
  await build()
  const emulator = await Emulator.startEmulator()
  const page = await serve(Number(process.env.PORT ?? 0))
  console.log(`emulator: ${emulator.url}`)
  console.log(`open ${page.url}?api=${encodeURIComponent(emulator.url)}`)
  const stop = () => void Promise.all([page.close(), emulator.close()]).then(() => process.exit(0))
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}
