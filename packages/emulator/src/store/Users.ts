/**
 * Users data access: rows, the wire JSON (`User.UserJson` from core, one definition for the SDK and
 * the emulator), password hashing (scrypt, never returned, never logged) and the lookups sessions
 * need. The users routes extend this module.
 *
 * @since 0.1.0
 */
import type * as User from "@connectycube-effect/core/User"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Crypto from "node:crypto"
import { isoSeconds } from "../internal/Time.js"
import { Taken } from "./Errors.js"
import * as Sessions from "./Sessions.js"

/**
 * A `users` row. Times are Unix ms on the emulator clock; `user_tags` is the comma-joined list.
 *
 * @since 0.1.0
 * @category models
 */
export interface UserRow {
  readonly id: number
  readonly _id: string
  readonly app_id: number
  readonly login: string | null
  readonly email: string | null
  readonly password_hash: string | null
  readonly full_name: string | null
  readonly phone: string | null
  readonly website: string | null
  readonly external_user_id: number | null
  readonly external_id: string | null
  readonly facebook_id: string | null
  readonly twitter_id: string | null
  readonly custom_data: string | null
  readonly blob_id: number | null
  readonly avatar: string | null
  readonly user_tags: string | null
  readonly timezone: number | null
  readonly is_guest: number | null
  readonly created_at: number
  readonly updated_at: number
  readonly last_request_at: number | null
}

/**
 * The user as the server sends it, in the current server's key order (rest-api.md §4.1).
 * `user_tags` is the comma string (docs), `null` when there are none. The password never leaves.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toJson = (row: UserRow): User.UserJson => ({
  _id: row._id,
  id: row.id,
  created_at: isoSeconds(row.created_at),
  updated_at: isoSeconds(row.updated_at),
  login: row.login,
  full_name: row.full_name,
  last_request_at: row.last_request_at === null ? null : isoSeconds(row.last_request_at),
  timezone: row.timezone,
  email: row.email,
  phone: row.phone,
  website: row.website,
  twitter_id: row.twitter_id,
  external_user_id: row.external_user_id,
  facebook_id: row.facebook_id,
  custom_data: row.custom_data,
  user_tags: row.user_tags,
  avatar: row.avatar,
  external_id: row.external_id,
  blob_id: row.blob_id,
  is_guest: row.is_guest === null ? null : row.is_guest === 1
})

// ---------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------

// Low scrypt cost on purpose: this is a local emulator and tests create many users; the format
// records the parameters, so raising them later keeps old hashes valid.
const SCRYPT = { N: 1024, r: 8, p: 1, keylen: 32 } as const

const scrypt = (password: string, salt: Buffer, params: { N: number; r: number; p: number; keylen: number }) =>
  Effect.callback<Buffer>((resume) => {
    Crypto.scrypt(password, salt, params.keylen, { N: params.N, r: params.r, p: params.p }, (error, key) => {
      // scrypt only fails on invalid parameters, which are constants or were written by us.
      if (error) resume(Effect.die(error))
      else resume(Effect.succeed(key))
    })
  })

/**
 * `scrypt$N$r$p$<salt b64>$<key b64>`.
 *
 * @since 0.1.0
 * @category passwords
 */
export const hashPassword = (password: string): Effect.Effect<string> => {
  const salt = Crypto.randomBytes(16)
  return Effect.map(
    scrypt(password, salt, SCRYPT),
    (key) => `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64")}$${key.toString("base64")}`
  )
}

/**
 * Constant-time check of a password against a stored hash (`false` for a missing or foreign hash).
 *
 * @since 0.1.0
 * @category passwords
 */
export const verifyPassword = (password: string, hash: string | null): Effect.Effect<boolean> => {
  if (hash === null) return Effect.succeed(false)
  const parts = hash.split("$")
  if (parts.length !== 6 || parts[0] !== "scrypt") return Effect.succeed(false)
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string]
  const expected = Buffer.from(key, "base64")
  return Effect.map(
    scrypt(password, Buffer.from(salt, "base64"), { N: Number(n), r: Number(r), p: Number(p), keylen: expected.length }),
    (actual) => actual.length === expected.length && Crypto.timingSafeEqual(actual, expected)
  )
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

const one = <A>(rows: ReadonlyArray<A>): A | undefined => rows[0]

/**
 * @since 0.1.0
 * @category queries
 */
export const findById = (appId: number, id: number): Effect.Effect<UserRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<UserRow>`SELECT * FROM users WHERE id = ${id} AND app_id = ${appId}`, one))

/**
 * Case-insensitive (the column is `COLLATE NOCASE`).
 *
 * @since 0.1.0
 * @category queries
 */
export const findByLogin = (appId: number, login: string): Effect.Effect<UserRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<UserRow>`SELECT * FROM users WHERE app_id = ${appId} AND login = ${login}`, one))

/**
 * Case-insensitive (the column is `COLLATE NOCASE`).
 *
 * @since 0.1.0
 * @category queries
 */
export const findByEmail = (appId: number, email: string): Effect.Effect<UserRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<UserRow>`SELECT * FROM users WHERE app_id = ${appId} AND email = ${email}`, one))

/**
 * @since 0.1.0
 * @category queries
 */
export const findByField = (
  appId: number,
  field: "facebook_id" | "twitter_id" | "phone" | "external_id" | "external_user_id",
  value: string | number
): Effect.Effect<UserRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<UserRow>`SELECT * FROM users WHERE app_id = ${appId} AND ${sql(field)} = ${value} ORDER BY id LIMIT 1`,
      one
    ))

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/**
 * The writable user fields (what POST /users and PUT /users/{id} take, after validation).
 *
 * @since 0.1.0
 * @category models
 */
export interface UserInput {
  readonly login?: string | null | undefined
  readonly email?: string | null | undefined
  readonly password?: string | undefined
  readonly full_name?: string | null | undefined
  readonly phone?: string | null | undefined
  readonly website?: string | null | undefined
  readonly external_user_id?: number | null | undefined
  readonly external_id?: string | null | undefined
  readonly facebook_id?: string | null | undefined
  readonly twitter_id?: string | null | undefined
  readonly custom_data?: string | null | undefined
  readonly blob_id?: number | null | undefined
  readonly avatar?: string | null | undefined
  /** The tag list; stored comma-joined and one row per tag in `user_tags`. */
  readonly tags?: ReadonlyArray<string> | null | undefined
  readonly timezone?: number | null | undefined
  readonly is_guest?: boolean | null | undefined
}

const COLUMNS = [
  "login",
  "email",
  "full_name",
  "phone",
  "website",
  "external_user_id",
  "external_id",
  "facebook_id",
  "twitter_id",
  "custom_data",
  "blob_id",
  "avatar",
  "timezone"
] as const

/**
 * A MongoDB-ObjectId-like `_id` (24 hex), as the current server adds to users.
 *
 * @since 0.1.0
 * @category constructors
 */
export const objectId = (now: number): string =>
  Math.floor(now / 1000).toString(16).padStart(8, "0").slice(-8) + Crypto.randomBytes(8).toString("hex")

/**
 * Normalises a tag list: trimmed, non-empty, unique (case-insensitively), order kept.
 *
 * @since 0.1.0
 * @category constructors
 */
export const normalizeTags = (tags: ReadonlyArray<string>): Array<string> => {
  const seen = new Set<string>()
  const out: Array<string> = []
  for (const raw of tags) {
    const tag = raw.trim()
    const key = tag.toLowerCase()
    if (tag === "" || seen.has(key)) continue
    seen.add(key)
    out.push(tag)
  }
  return out
}

/**
 * Fails with `Taken` (login first, then email) when login or email is used by another user of the app
 * (the server answers 422 `{"errors":{"login":["has already been taken"], "email":[...]}}`).
 *
 * @since 0.1.0
 * @category commands
 */
export const checkUnique = (
  appId: number,
  input: { readonly login?: string | null | undefined; readonly email?: string | null | undefined },
  exceptId?: number
): Effect.Effect<void, Taken | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const taken: Array<"login" | "email"> = []
    if (input.login != null) {
      const other = yield* findByLogin(appId, input.login)
      if (other !== undefined && other.id !== exceptId) taken.push("login")
    }
    if (input.email != null) {
      const other = yield* findByEmail(appId, input.email)
      if (other !== undefined && other.id !== exceptId) taken.push("email")
    }
    if (taken.length > 0) return yield* Effect.fail(new Taken({ fields: taken }))
  })

const writeTags = (sql: SqlClient.SqlClient, appId: number, userId: number, tags: ReadonlyArray<string>) =>
  Effect.andThen(
    sql`DELETE FROM user_tags WHERE user_id = ${userId}`,
    Effect.forEach(tags, (tag) => sql`INSERT INTO user_tags (user_id, app_id, tag) VALUES (${userId}, ${appId}, ${tag})`, {
      discard: true
    })
  )

/**
 * Creates a user (login/email uniqueness checked → 422). The password is hashed here.
 *
 * @since 0.1.0
 * @category commands
 */
export const create = (
  appId: number,
  input: UserInput,
  now: number
): Effect.Effect<UserRow, Taken | SqlError.SqlError, SqlClient.SqlClient> =>
  // with the uniqueness check failing the transaction, a user is always inserted
  Effect.flatMap(prepare(appId, input, now), (insert) => Effect.map(insert(true), (user) => user!))

/**
 * Creates a user unless its login or email is already taken (then `undefined`, nothing written): the
 * check and the insert are one transaction, so of parallel first sign-ins of one login exactly one creates it.
 *
 * @since 0.1.0
 * @category commands
 */
export const createUnlessTaken = (
  appId: number,
  input: UserInput,
  now: number
): Effect.Effect<UserRow | undefined, Taken | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(prepare(appId, input, now), (insert) => insert(false))

/** Hashes the password (slow, outside the transaction), then gives the transaction that inserts. */
const prepare = (appId: number, input: UserInput, now: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const hash = input.password === undefined ? null : yield* hashPassword(input.password)
    const tags = input.tags == null ? [] : normalizeTags(input.tags)
    const row: Record<string, unknown> = {
      _id: objectId(now),
      app_id: appId,
      password_hash: hash,
      user_tags: tags.length === 0 ? null : tags.join(","),
      is_guest: input.is_guest == null ? null : input.is_guest ? 1 : 0,
      created_at: now,
      updated_at: now,
      last_request_at: null
    }
    for (const column of COLUMNS) row[column] = input[column] ?? null
    return (failIfTaken: boolean): Effect.Effect<UserRow | undefined, Taken | SqlError.SqlError> =>
      sql.withTransaction(Effect.gen(function*() {
        if (failIfTaken) yield* checkUnique(appId, input)
        else if (yield* isTaken(appId, input)) return undefined
        const inserted = yield* sql<UserRow>`INSERT INTO users ${sql.insert(row)} RETURNING *`
        const user = inserted[0]!
        if (tags.length > 0) yield* writeTags(sql, appId, user.id, tags)
        return user
      })).pipe(Effect.provideService(SqlClient.SqlClient, sql))
  })

const isTaken = (
  appId: number,
  input: { readonly login?: string | null | undefined; readonly email?: string | null | undefined }
) =>
  Effect.map(Effect.result(checkUnique(appId, input)), (result) => result._tag === "Failure")

// ---------------------------------------------------------------------------
// Sign-in identities
// ---------------------------------------------------------------------------

/**
 * The ways to sign in that name a user by an outside subject: a Facebook/Twitter id, a Firebase phone number or
 * email (lower-cased), a Custom Identity Provider uid.
 *
 * @since 0.1.0
 * @category identities
 */
export type Provider = "facebook" | "twitter" | "firebase_phone" | "firebase_email" | "cidp"

const subjectOf = (provider: Provider, subject: string) => (provider === "firebase_email" ? subject.toLowerCase() : subject)

/**
 * The user an identity is linked to.
 *
 * @since 0.1.0
 * @category identities
 */
export const findByIdentity = (
  appId: number,
  provider: Provider,
  subject: string
): Effect.Effect<UserRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<UserRow>`SELECT users.* FROM identities JOIN users ON users.id = identities.user_id
        WHERE identities.app_id = ${appId} AND identities.provider = ${provider}
          AND identities.subject = ${subjectOf(provider, subject)}`,
      one
    ))

/**
 * The user linked to an identity, or a new user created with `input` and linked to it, in one transaction (so
 * parallel first sign-ins make one user). An `email` of `input` that another user already has is left out
 * (the address is a profile field; the identity is what signs in). `created` tells which.
 *
 * @since 0.1.0
 * @category identities
 */
export const findOrCreateByIdentity = (
  appId: number,
  provider: Provider,
  subject: string,
  input: UserInput,
  now: number
): Effect.Effect<{ readonly user: UserRow; readonly created: boolean }, Taken | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    return yield* sql.withTransaction(Effect.gen(function*() {
      const existing = yield* findByIdentity(appId, provider, subject)
      if (existing !== undefined) return { user: existing, created: false }
      const emailTaken = input.email != null && (yield* findByEmail(appId, input.email)) !== undefined
      const user = yield* create(appId, emailTaken ? { ...input, email: null } : input, now)
      yield* sql`INSERT INTO identities ${
        sql.insert({ app_id: appId, provider, subject: subjectOf(provider, subject), user_id: user.id, created_at: now })
      }`
      return { user, created: true }
    }))
  })

/**
 * Updates the given fields (others untouched); `password` is re-hashed. Returns the new row.
 *
 * @since 0.1.0
 * @category commands
 */
export const update = (
  appId: number,
  id: number,
  input: UserInput,
  now: number
): Effect.Effect<UserRow | undefined, Taken | SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const patch: Record<string, unknown> = { updated_at: now }
    for (const column of COLUMNS) if (input[column] !== undefined) patch[column] = input[column]
    if (input.password !== undefined) patch.password_hash = yield* hashPassword(input.password)
    if (input.is_guest !== undefined) patch.is_guest = input.is_guest === null ? null : input.is_guest ? 1 : 0
    const tags = input.tags === undefined ? undefined : normalizeTags(input.tags ?? [])
    if (tags !== undefined) patch.user_tags = tags.length === 0 ? null : tags.join(",")
    return yield* sql.withTransaction(Effect.gen(function*() {
      yield* checkUnique(appId, input, id)
      const rows = yield* sql<UserRow>`UPDATE users SET ${sql.update(patch)} WHERE id = ${id} AND app_id = ${appId} RETURNING *`
      if (rows[0] !== undefined && tags !== undefined) yield* writeTags(sql, appId, id, tags)
      return rows[0]
    }))
  })

/**
 * Deletes a user (their sessions and tags go with them). `true` when a row was deleted.
 *
 * @since 0.1.0
 * @category commands
 */
export const remove = (appId: number, id: number): Effect.Effect<boolean, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<{ id: number }>`DELETE FROM users WHERE id = ${id} AND app_id = ${appId} RETURNING id`, (rows) => rows.length > 0))

/**
 * Deletes the guest users whose time is up, as the server does ("the session is valid for 1 day, then the user
 * is deleted"): no live session, and no request for `ttlMs`. Their sessions and tags go with them (cascade).
 * The pending session slides are written first, so a guest active this second is not taken for idle.
 * Returns how many were deleted.
 *
 * @since 0.1.0
 * @category commands
 */
export const removeExpiredGuests = (
  now: number,
  ttlMs: number
): Effect.Effect<number, SqlError.SqlError, SqlClient.SqlClient | Sessions.PendingSlides> =>
  Effect.andThen(
    Sessions.flushPending,
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      Effect.map(
        sql<{ id: number }>`DELETE FROM users
          WHERE is_guest = 1 AND COALESCE(last_request_at, created_at) <= ${now - ttlMs}
            AND NOT EXISTS (SELECT 1 FROM sessions WHERE sessions.user_id = users.id AND sessions.expires_at > ${now})
          RETURNING id`,
        (rows) => rows.length
      ))
  )
