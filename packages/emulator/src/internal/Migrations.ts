/**
 * Every table of the emulator's database, as the ordered list of migrations `Db.migrate` applies. The stores
 * read and write these tables; the schema itself lives here, below them, so the database layer depends on no
 * store.
 *
 * **Extension point**: a module that needs a table appends a migration to `migrations` (the next number,
 * e.g. `"0008_my_table"`; never edit one that shipped: a file database remembers what ran, by number).
 *
 * @since 0.1.0
 */

/**
 * A named list of SQL statements, applied once, in order, inside a transaction. The name starts with
 * the migration's number (`0002_blobs`): numbers only grow.
 *
 * @since 0.1.0
 * @category models
 */
export interface Migration {
  /** `<number>_<name>`, unique and stable: recorded in `_migrations` once applied (by its number). */
  readonly name: string
  readonly statements: ReadonlyArray<string>
}

/**
 * Apps, users and their tags, sessions, the outbox. Times are stored as INTEGER Unix milliseconds on the
 * emulator clock and formatted on the way out.
 *
 * @since 0.1.0
 * @category migrations
 */
export const core: Migration = {
  name: "0001_core",
  statements: [
    `CREATE TABLE apps (
      id INTEGER PRIMARY KEY,
      auth_key TEXT NOT NULL,
      auth_secret TEXT,
      allow_user_creation INTEGER NOT NULL DEFAULT 1,
      cidp_url TEXT
    )`,
    `CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
    `INSERT INTO meta (key, value) VALUES ('app_session_seq', 0)`,
    `CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      _id TEXT NOT NULL,
      app_id INTEGER NOT NULL,
      login TEXT COLLATE NOCASE,
      email TEXT COLLATE NOCASE,
      password_hash TEXT,
      full_name TEXT,
      phone TEXT,
      website TEXT,
      external_user_id INTEGER,
      external_id TEXT,
      facebook_id TEXT,
      twitter_id TEXT,
      custom_data TEXT,
      blob_id INTEGER,
      avatar TEXT,
      user_tags TEXT,
      timezone INTEGER,
      is_guest INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_request_at INTEGER
    )`,
    `CREATE UNIQUE INDEX users_login ON users (app_id, login)`,
    `CREATE UNIQUE INDEX users_email ON users (app_id, email)`,
    `CREATE INDEX users_full_name ON users (app_id, full_name)`,
    `CREATE INDEX users_phone ON users (app_id, phone)`,
    `CREATE INDEX users_external_user_id ON users (app_id, external_user_id)`,
    `CREATE INDEX users_external_id ON users (app_id, external_id)`,
    `CREATE INDEX users_facebook_id ON users (app_id, facebook_id)`,
    `CREATE INDEX users_twitter_id ON users (app_id, twitter_id)`,
    `CREATE INDEX users_created_at ON users (app_id, created_at)`,
    `CREATE INDEX users_updated_at ON users (app_id, updated_at)`,
    `CREATE INDEX users_last_request_at ON users (app_id, last_request_at)`,
    // One row per tag, so V2 `user_tags[in]`/`[nin]` and V1 `by_tags` are index lookups.
    `CREATE TABLE user_tags (
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      app_id INTEGER NOT NULL,
      tag TEXT NOT NULL COLLATE NOCASE,
      PRIMARY KEY (user_id, tag)
    )`,
    `CREATE INDEX user_tags_tag ON user_tags (app_id, tag)`,
    `CREATE TABLE sessions (
      token TEXT PRIMARY KEY,
      id INTEGER NOT NULL,
      app_id INTEGER NOT NULL,
      user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('app', 'user')),
      nonce INTEGER,
      ts INTEGER,
      ttl_ms INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_request_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`,
    `CREATE INDEX sessions_user ON sessions (user_id)`,
    // A request made with a user token is the user's last request: one statement from JS slides the
    // session, the trigger stamps the user.
    `CREATE TRIGGER sessions_touch_user AFTER UPDATE OF last_request_at ON sessions
      WHEN NEW.user_id IS NOT NULL
      BEGIN UPDATE users SET last_request_at = NEW.last_request_at WHERE id = NEW.user_id; END`,
    `CREATE TABLE emails (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      app_id INTEGER,
      user_id INTEGER,
      kind TEXT NOT NULL,
      to_address TEXT NOT NULL,
      subject TEXT NOT NULL,
      body TEXT NOT NULL,
      data TEXT,
      created_at INTEGER NOT NULL
    )`
  ]
}

/**
 * The `blobs` table and, for in-memory databases, the chunk table (its `_` prefix keeps it out of
 * export/import; rows go with their blob through the foreign key).
 *
 * @since 0.1.0
 * @category migrations
 */
export const blobs: Migration = {
  name: "0002_blobs",
  statements: [
    `CREATE TABLE blobs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      uid TEXT NOT NULL UNIQUE,
      app_id INTEGER NOT NULL,
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      content_type TEXT NOT NULL,
      public INTEGER NOT NULL DEFAULT 0,
      size INTEGER,
      uploaded_size INTEGER,
      upload_id TEXT,
      blob_status TEXT,
      set_completed_at INTEGER,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    `CREATE INDEX blobs_user ON blobs (app_id, user_id, id)`,
    `CREATE TABLE _blob_chunks (
      blob_id INTEGER NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
      upload_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      data BLOB NOT NULL,
      PRIMARY KEY (upload_id, seq)
    )`,
    `CREATE INDEX _blob_chunks_blob ON _blob_chunks (blob_id)`
  ]
}

/**
 * Indexes for search: tag lookups ordered by user id (covering), users of an app by id, and a
 * case-insensitive full name index for `start_with`.
 *
 * @since 0.1.0
 * @category migrations
 */
export const usersSearch: Migration = {
  name: "0003_users_search",
  statements: [
    `CREATE INDEX user_tags_app_tag_user ON user_tags (app_id, tag, user_id)`,
    `CREATE INDEX users_app_id ON users (app_id, id)`,
    `CREATE INDEX users_full_name_nocase ON users (app_id, full_name COLLATE NOCASE)`
  ]
}

/**
 * The user's `last_request_at` is shown (and searched) at whole seconds, so the trigger stamps it
 * at most once a second: a burst of requests then writes the sessions row only, not the users row
 * and its index as well.
 *
 * @since 0.1.0
 * @category migrations
 */
export const touchUserPerSecond: Migration = {
  name: "0004_sessions_touch_user_per_second",
  statements: [
    `DROP TRIGGER sessions_touch_user`,
    `CREATE TRIGGER sessions_touch_user AFTER UPDATE OF last_request_at ON sessions
      WHEN NEW.user_id IS NOT NULL AND NEW.last_request_at / 1000 != OLD.last_request_at / 1000
      BEGIN UPDATE users SET last_request_at = NEW.last_request_at WHERE id = NEW.user_id; END`
  ]
}

/**
 * The guests are found by an index of their own: the sweep of expired guests runs once a minute.
 *
 * @since 0.1.0
 * @category migrations
 */
export const guestIndex: Migration = {
  name: "0005_users_guests",
  statements: [`CREATE INDEX users_guests ON users (last_request_at) WHERE is_guest = 1`]
}

/**
 * The grant secret's table (`_` keeps it out of export, import and reset): one random key per
 * emulator database, made on first use, so grants survive a restart and no client can compute one.
 *
 * @since 0.1.0
 * @category migrations
 */
export const emulatorSecrets: Migration = {
  name: "0006_emulator_secrets",
  statements: [
    `CREATE TABLE _emulator_secrets (name TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`
  ]
}

/**
 * The identities table (issue 17): `(app, provider, subject)` is unique and names exactly one user, linked when
 * that user is created by (or first signs in with) the provider, and never moved by a profile update, which
 * only changes the profile fields (`facebook_id`, `phone`, `email`, `external_id`, ...). Deleting the user
 * deletes its identities. The users that existed before are linked once, as the old lookups found them
 * (the first user by id with that field).
 *
 * @since 0.1.0
 * @category identities
 */
export const identities: Migration = {
  name: "0007_identities",
  statements: [
    `CREATE TABLE identities (
      app_id INTEGER NOT NULL,
      provider TEXT NOT NULL,
      subject TEXT NOT NULL,
      user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      PRIMARY KEY (app_id, provider, subject)
    )`,
    `CREATE INDEX identities_user ON identities (user_id)`,
    ...([
      ["facebook", "facebook_id"],
      ["twitter", "twitter_id"],
      ["firebase_phone", "phone"],
      ["firebase_email", "lower(email)"],
      ["cidp", "external_id"]
    ] as const).map(([provider, column]) =>
      `INSERT OR IGNORE INTO identities (app_id, provider, subject, user_id, created_at)
        SELECT app_id, '${provider}', ${column}, id, created_at FROM users
        WHERE ${column} IS NOT NULL AND ${column} != '' ORDER BY id`
    )
  ]
}

/**
 * Every migration, in order.
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrations: ReadonlyArray<Migration> = [
  core,
  blobs,
  usersSearch,
  touchUserPerSecond,
  guestIndex,
  emulatorSecrets,
  identities
]
