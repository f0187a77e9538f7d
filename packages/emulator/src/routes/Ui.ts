/**
 * The emulator's web UI at `/__emulator/ui/`: the assets the front-end build generated
 * (`internal/UiAssets.ts`), served from memory, offline. Under `/__emulator/` they get the control
 * API's protections (no CORS, loopback `Host`); the headers below keep the page to its own origin
 * (a strict Content-Security-Policy, no framing, no referrer, no sniffing).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Crypto from "node:crypto"
import { ApiError } from "../ApiError.js"
import * as Http from "../Http.js"
import { assets } from "../internal/UiAssets.js"
import * as Route from "../Route.js"

/**
 * Where the UI is served (the CLI prints it after `listening on`).
 *
 * @since 0.1.0
 * @category constants
 */
export const PATH = "/__emulator/ui/"

/**
 * The headers of every UI asset.
 *
 * @since 0.1.0
 * @category constants
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache"
}

interface Asset {
  readonly contentType: string
  readonly body: string
  readonly etag: string
}

// Built once from constants and never changed: the same for every emulator in the process.
const byPath: ReadonlyMap<string, Asset> = new Map(assets.map((asset) => [asset.path, {
  contentType: asset.contentType,
  body: asset.body,
  etag: `"${Crypto.createHash("sha256").update(asset.body).digest("base64url").slice(0, 22)}"`
}]))

const unknownAsset = (name: string) =>
  ApiError.messages(404, `No UI asset ${JSON.stringify(name.slice(0, 200))}: the UI is at ${PATH}`)

const REDIRECT = HttpServerResponse.empty({
  status: 308,
  headers: { location: PATH, "x-content-type-options": "nosniff", "cache-control": "no-cache" }
})

const serveAsset = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const name = (yield* Http.pathParams)["*"] ?? ""
  // The router ignores a trailing slash: `/__emulator/ui` lands here too, and the page's relative links need the slash.
  if (name === "" && !request.url.split("?")[0]!.endsWith("/")) return REDIRECT
  const asset = byPath.get(name === "" ? "index.html" : name)
  if (asset === undefined) return yield* Effect.fail(unknownAsset(name))
  const headers = { ...SECURITY_HEADERS, etag: asset.etag }
  if (request.headers["if-none-match"] === asset.etag) return HttpServerResponse.empty({ status: 304, headers })
  return HttpServerResponse.text(asset.body, { contentType: asset.contentType, headers })
})

const tag = "emulator"

/**
 * @since 0.1.0
 * @category routes
 */
export const routes: ReadonlyArray<Route.Route> = [
  Route.make({
    method: "GET",
    path: "/__emulator/ui/*",
    tag,
    summary: "The web UI: its page and assets (`/__emulator/ui` redirects to `/__emulator/ui/`)",
    auth: "none",
    internal: true,
    handler: serveAsset
  })
]
