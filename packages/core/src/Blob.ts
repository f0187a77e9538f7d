/**
 * Storage blobs (files) as the server returns them.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as Open from "./internal/open.js"

/**
 * The upload grant of a new blob. `params` is one URL whose query holds every form field of the upload.
 * Keys the server adds are kept.
 *
 * @since 0.1.0
 * @category schemas
 */
export const BlobObjectAccess = Open.struct({
  id: Schema.optional(Schema.Number),
  blob_id: Schema.optional(Schema.Number),
  expires: Schema.optional(Schema.NullOr(Schema.String)),
  object_access_type: Schema.optional(Schema.String),
  params: Schema.optional(Schema.String),
  download_url: Schema.optional(Schema.String)
})

/**
 * A blob. Keys the server adds are kept.
 *
 * @since 0.1.0
 * @category schemas
 */
export class Blob extends Schema.Class<Blob>("@connectycube-effect/core/Blob")(Open.struct({
  id: Schema.Number,
  uid: Schema.String,
  name: Schema.optional(Schema.NullOr(Schema.String)),
  content_type: Schema.optional(Schema.NullOr(Schema.String)),
  size: Schema.optional(Schema.NullOr(Schema.Number)),
  public: Schema.optional(Schema.Boolean),
  created_at: Schema.optional(Schema.String),
  updated_at: Schema.optional(Schema.String),
  blob_status: Schema.optional(Schema.NullOr(Schema.String)),
  set_completed_at: Schema.optional(Schema.NullOr(Schema.String)),
  last_read_access_ts: Schema.optional(Schema.NullOr(Schema.Unknown)),
  account_id: Schema.optional(Schema.NullOr(Schema.Number)),
  app_id: Schema.optional(Schema.NullOr(Schema.Number)),
  blob_object_access: Schema.optional(BlobObjectAccess)
})) {}

/**
 * @since 0.1.0
 * @category schemas
 */
export const BlobEnvelope = Schema.Struct({ blob: Blob })

/**
 * Content types the SDK accepts for uploads: `type/subtype` with an optional parameter.
 *
 * @since 0.1.0
 * @category constants
 */
export const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;.*)?$/i

/**
 * The largest file the server takes (100 MB).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_SIZE = 100 * 1024 * 1024

/**
 * Is this a blob uid the SDK will put in a URL: a non-empty string without whitespace, `/`, `?` or `#` (which
 * would change the path). Storage calls and the promise adapter's synchronous `privateUrl` check with it.
 *
 * @example
 * ```ts
 * import { Blob } from "@connectycube-effect/core"
 *
 * Blob.isUid("97f5b5d5c0d94b8b8d4cbbd0b5d7a0f900") // true
 * Blob.isUid("a/../b") // false
 * ```
 *
 * @since 0.1.0
 * @category predicates
 */
export const isUid = (uid: unknown): uid is string => typeof uid === "string" && uid.trim() !== "" && !/[\s/?#]/.test(uid)

/**
 * Why a uid is refused (the `InvalidInput` reason, field `uid`).
 *
 * @since 0.1.0
 * @category constants
 */
export const UID_REASON = "must be a non-empty blob uid"
