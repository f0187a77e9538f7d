/**
 * Upload grants: the S3 browser-POST form `POST /blobs` hands out (its policy pins the blob's key, the
 * status, the size range and an expiry; its signature is an HMAC-SHA256 with a secret kept in the database),
 * and the check the upload target makes of a posted form.
 *
 * @since 0.1.0
 */
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Crypto from "node:crypto"
import { type BlobRow, MAX_SIZE } from "./Blobs.js"

/**
 * The bucket name in upload URLs and answers (as the real server's `cb-shared-s3`).
 *
 * @since 0.1.0
 * @category constants
 */
export const BUCKET = "cb-shared-s3"

/**
 * How long an upload grant is valid (1 hour, as `blob_object_access.expires`).
 *
 * @since 0.1.0
 * @category constants
 */
export const GRANT_TTL_MS = 60 * 60 * 1000

/**
 * The key upload grants are signed with: 32 random bytes kept in the database (made on first use).
 * It never leaves the emulator: not in an answer, an export or a log.
 *
 * @since 0.1.0
 * @category grants
 */
export const grantSecret: Effect.Effect<string, SqlError.SqlError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (sql) =>
    Effect.gen(function*() {
      const found = yield* sql<{ value: string }>`SELECT value FROM _emulator_secrets WHERE name = 's3_grant'`
      if (found[0] !== undefined) return found[0].value
      const fresh = Crypto.randomBytes(32).toString("hex")
      yield* sql`INSERT OR IGNORE INTO _emulator_secrets (name, value) VALUES ('s3_grant', ${fresh})`
      const rows = yield* sql<{ value: string }>`SELECT value FROM _emulator_secrets WHERE name = 's3_grant'`
      return rows[0]?.value ?? fresh
    })
)

const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "")

/**
 * The S3 browser-POST form fields of an upload grant, in the order the real server lists them:
 * `Content-Type`, `Expires`, `acl`, `key`, `policy`, `success_action_status`, `x-amz-*`. The policy
 * (base64 JSON) pins every field and the size range; the signature is an HMAC-SHA256 of the policy
 * with the emulator's grant secret (`grantSecret`), so only this emulator can issue one.
 *
 * @since 0.1.0
 * @category grants
 */
export const grantFields = (
  row: BlobRow,
  secret: string,
  now: number
): ReadonlyArray<readonly [string, string]> => {
  const expires = now + GRANT_TTL_MS
  const date = amzDate(now)
  const credential = `EMULATORACCESSKEY/${date.slice(0, 8)}/us-east-1/s3/aws4_request`
  const acl = row.public === 1 ? "public-read" : "authenticated-read"
  const policy = Buffer.from(JSON.stringify({
    expiration: new Date(expires).toISOString(),
    conditions: [
      { bucket: BUCKET },
      { key: row.uid },
      { acl },
      { success_action_status: "201" },
      { "Content-Type": row.content_type },
      ["content-length-range", 0, MAX_SIZE],
      { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
      { "x-amz-credential": credential },
      { "x-amz-date": date }
    ]
  })).toString("base64")
  return [
    ["Content-Type", row.content_type],
    ["Expires", new Date(expires).toUTCString()],
    ["acl", acl],
    ["key", row.uid],
    ["policy", policy],
    ["success_action_status", "201"],
    ["x-amz-algorithm", "AWS4-HMAC-SHA256"],
    ["x-amz-credential", credential],
    ["x-amz-date", date],
    ["x-amz-signature", sign(policy, secret)]
  ]
}

/**
 * The policy signature (lower-case hex).
 *
 * @since 0.1.0
 * @category grants
 */
export const sign = (policy: string, secret: string): string =>
  Crypto.createHmac("sha256", secret).update(policy).digest("hex")

/**
 * Why a posted form does not match its grant (an S3 error code and message).
 *
 * @since 0.1.0
 * @category grants
 */
export interface PolicyDenial {
  readonly code: string
  readonly message: string
}

/**
 * What a grant allows, once its form checked out: the file's size range (bytes, inclusive).
 *
 * @since 0.1.0
 * @category grants
 */
export interface PolicyGrant {
  readonly minSize: number
  readonly maxSize: number
}

const conditionFailed = (condition: unknown): PolicyDenial => ({
  code: "AccessDenied",
  message: `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`
})

/**
 * Checks a posted form against its policy: the signature (with the emulator's secret), the expiry
 * (on the emulator clock), and every condition. The policy must carry `key` (the form's key),
 * `success_action_status` and a `content-length-range` within the 100 MB limit; every `eq` /
 * `starts-with` condition must match the form. Returns the allowed size range, or the S3 error.
 *
 * @since 0.1.0
 * @category grants
 */
export const verifyPolicy = (
  fields: ReadonlyMap<string, string>,
  secret: string,
  now: number
): { readonly _tag: "Denied"; readonly denial: PolicyDenial } | { readonly _tag: "Granted"; readonly grant: PolicyGrant } => {
  const deny = (denial: PolicyDenial) => ({ _tag: "Denied" as const, denial })
  const policy = fields.get("policy") ?? ""
  const signature = (fields.get("x-amz-signature") ?? fields.get("signature") ?? "").toLowerCase()
  const expected = sign(policy, secret)
  if (
    policy === "" ||
    signature.length !== expected.length ||
    !Crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  ) {
    return deny({
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided."
    })
  }
  let parsed: { expiration?: unknown; conditions?: unknown }
  try {
    parsed = JSON.parse(Buffer.from(policy, "base64").toString("utf8"))
  } catch {
    return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid JSON." })
  }
  if (parsed === null || typeof parsed !== "object") {
    return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid JSON." })
  }
  const expiration = typeof parsed.expiration === "string" ? Date.parse(parsed.expiration) : NaN
  if (Number.isNaN(expiration)) {
    return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Policy missing expiration." })
  }
  if (now > expiration) return deny({ code: "AccessDenied", message: "Invalid according to Policy: Policy expired." })
  const conditions = Array.isArray(parsed.conditions) ? (parsed.conditions as ReadonlyArray<unknown>) : []
  const pinned = new Set<string>()
  let range: PolicyGrant | undefined
  for (const condition of conditions) {
    if (Array.isArray(condition)) {
      const [op, a, b] = condition as ReadonlyArray<unknown>
      if (op === "content-length-range" && typeof a === "number" && typeof b === "number") {
        range = { minSize: Math.max(0, a), maxSize: Math.min(MAX_SIZE, b) }
        continue
      }
      if ((op === "eq" || op === "starts-with") && typeof a === "string" && a.startsWith("$") && typeof b === "string") {
        const name = a.slice(1)
        const value = fields.get(name)
        if (value === undefined || (op === "eq" ? value !== b : !value.startsWith(b))) return deny(conditionFailed(condition))
        if (op === "eq") pinned.add(name)
        continue
      }
      return deny({ code: "InvalidPolicyDocument", message: `Invalid Policy: Invalid condition ${JSON.stringify(condition)}.` })
    }
    if (condition === null || typeof condition !== "object") {
      return deny({ code: "InvalidPolicyDocument", message: "Invalid Policy: Invalid condition." })
    }
    for (const [name, value] of Object.entries(condition as Record<string, unknown>)) {
      if (name === "bucket") continue
      if (fields.get(name) !== value) return deny(conditionFailed(["eq", `$${name}`, value]))
      pinned.add(name)
    }
  }
  for (const required of ["key", "success_action_status"]) {
    if (!pinned.has(required)) {
      return deny({ code: "AccessDenied", message: `Invalid according to Policy: the policy must pin '${required}'.` })
    }
  }
  if (range === undefined || range.minSize > range.maxSize) {
    return deny({ code: "AccessDenied", message: "Invalid according to Policy: the policy must carry content-length-range." })
  }
  return { _tag: "Granted", grant: range }
}
