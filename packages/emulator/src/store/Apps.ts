/**
 * Applications (id, auth key, optional secret and per-app settings).
 *
 * @since 0.1.0
 */
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type { AppOptions } from "../Settings.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface AppRow {
  readonly id: number
  readonly auth_key: string
  readonly auth_secret: string | null
  readonly allow_user_creation: number
  readonly cidp_url: string | null
}

/**
 * @since 0.1.0
 * @category queries
 */
export const find = (id: number): Effect.Effect<AppRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<AppRow>`SELECT * FROM apps WHERE id = ${id}`, (rows) => rows[0]))

/**
 * The app whose auth key this is (for `CB-AuthKey` sign-up without a session).
 *
 * @since 0.1.0
 * @category queries
 */
export const findByAuthKey = (authKey: string): Effect.Effect<AppRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(sql<AppRow>`SELECT * FROM apps WHERE auth_key = ${authKey} ORDER BY id LIMIT 1`, (rows) => rows[0]))

/**
 * Inserts or replaces the configured apps (run at start, after reset and after import).
 *
 * @since 0.1.0
 * @category commands
 */
export const upsert = (
  apps: ReadonlyArray<AppOptions>,
  defaultCidpUrl?: string | undefined
): Effect.Effect<void, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.forEach(apps, (app) =>
      sql`INSERT INTO apps (id, auth_key, auth_secret, allow_user_creation, cidp_url)
          VALUES (${app.id}, ${app.authKey}, ${app.authSecret ?? null}, ${app.allowUserCreation === false ? 0 : 1},
                  ${app.cidpUrl ?? defaultCidpUrl ?? null})
          ON CONFLICT (id) DO UPDATE SET auth_key = excluded.auth_key, auth_secret = excluded.auth_secret,
            allow_user_creation = excluded.allow_user_creation, cidp_url = excluded.cidp_url`, { discard: true }))
