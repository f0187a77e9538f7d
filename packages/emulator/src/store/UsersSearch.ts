/**
 * Users search: the SQL behind `GET /users/v2` (a decoded `UsersQuery`) and the deprecated V1 list,
 * lookups and tag search, plus the indexes that keep a page of a 100k-user table in milliseconds.
 *
 * Every query is one `WHERE` built from whitelisted column names and bound parameters, used twice in
 * one statement: a `COUNT(*)` subquery for `total_entries` and the page (`ORDER BY <sort>, id LIMIT n
 * OFFSET m`, `id` breaking ties so pages never overlap or skip).
 *
 * Dates are compared at the precision the API shows them (whole seconds): `created_at[gt]=…T09:21:41Z`
 * matches what a client reads as later than 09:21:41, even though rows keep milliseconds. The bounds are
 * turned into millisecond ranges, so the date indexes still apply.
 *
 * @since 0.1.0
 */
import * as UsersQuery from "@connectycube-effect/core/UsersQuery"
import type * as UsersQueryV1 from "@connectycube-effect/core/UsersQueryV1"
import * as Context from "effect/Context"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as SqlClient from "effect/sql/SqlClient"
import type * as SqlError from "effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Sqlite from "../internal/Sqlite.js"
import type { UserRow } from "./Users.js"

/** One SQL condition with its parameters. */
interface Condition {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
}

/**
 * A page bound written into the SQL text. Not a bound parameter: SQLite reads a bound LIMIT/OFFSET when it
 * plans, so it re-parses and re-plans the statement on every run, which costs more than the search itself.
 */
const pageBound = (n: number): string => {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a page bound: ${n}`)
  return String(n)
}

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ")

/** Columns compared case-insensitively (declared `COLLATE NOCASE`). */
const NOCASE: ReadonlySet<string> = new Set(["login", "email"])

/** The largest code point: `prefix || U+10FFFF` bounds every string that starts with `prefix`. */
const MAX_CHAR = String.fromCodePoint(0x10ffff)

const second = (date: Date) => Math.floor(date.getTime() / 1000) * 1000

const tagCondition = (tags: ReadonlyArray<string>, negate: boolean): Condition => ({
  sql: `${negate ? "NOT " : ""}EXISTS (SELECT 1 FROM user_tags t WHERE t.app_id = u.app_id AND t.user_id = u.id AND t.tag IN (${
    placeholders(tags.length)
  }))`,
  params: tags
})

const dateConditions = (column: string, op: string, date: Date): Condition => {
  const s = second(date)
  switch (op) {
    case "gt":
      return { sql: `u.${column} >= ?`, params: [s + 1000] }
    case "gte":
      return { sql: `u.${column} >= ?`, params: [s] }
    case "lt":
      return { sql: `u.${column} < ?`, params: [s] }
    case "lte":
      return { sql: `u.${column} < ?`, params: [s + 1000] }
    default:
      return { sql: `u.${column} >= ? AND u.${column} < ?`, params: [s, s + 1000] }
  }
}

const startWith = (column: string, prefix: string): Condition => {
  const collate = NOCASE.has(column) ? "" : " COLLATE NOCASE"
  return { sql: `u.${column}${collate} >= ? AND u.${column}${collate} < ?`, params: [prefix, prefix + MAX_CHAR] }
}

const fieldConditions = (column: string, filter: unknown): Array<Condition> => {
  if (column === "user_tags") {
    if (typeof filter === "string") return [tagCondition([filter], false)]
    const ops = filter as { eq?: string; in?: ReadonlyArray<string>; nin?: ReadonlyArray<string> }
    const out: Array<Condition> = []
    if (ops.eq !== undefined) out.push(tagCondition([ops.eq], false))
    if (ops.in !== undefined) out.push(tagCondition(ops.in, false))
    if (ops.nin !== undefined) out.push(tagCondition(ops.nin, true))
    return out
  }
  if (filter instanceof Date) return [dateConditions(column, "eq", filter)]
  if (typeof filter !== "object" || filter === null) return [{ sql: `u.${column} = ?`, params: [filter] }]
  const out: Array<Condition> = []
  for (const [op, value] of Object.entries(filter as Record<string, unknown>)) {
    if (value === undefined) continue
    if (value instanceof Date) out.push(dateConditions(column, op, value))
    else if (op === "eq") out.push({ sql: `u.${column} = ?`, params: [value] })
    else if (op === "in") {
      const list = value as ReadonlyArray<unknown>
      out.push({ sql: `u.${column} IN (${placeholders(list.length)})`, params: list })
    } else if (op === "nin") {
      const list = value as ReadonlyArray<unknown>
      out.push({ sql: `(u.${column} IS NULL OR u.${column} NOT IN (${placeholders(list.length)}))`, params: list })
    } else if (op === "start_with") out.push(startWith(column, value as string))
  }
  return out
}

// The fields a V2 query filters on, as the shared Schema defines them (column names are the field names).
const FILTER_COLUMNS = [...UsersQuery.STANDALONE_FIELDS, ...UsersQuery.DATE_FIELDS] as const

/**
 * A page of users and how many match in all.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page {
  readonly rows: ReadonlyArray<UserRow>
  readonly total: number
}

/** The SQL of one page (and of its count), built once per query shape. */
interface PageStatement {
  readonly text: string
  readonly params: ReadonlyArray<unknown>
  readonly countText: string
  readonly countParams: ReadonlyArray<unknown>
  readonly offset: number
}

const pageStatement = (
  appId: number,
  conditions: ReadonlyArray<Condition>,
  order: string,
  limit: number,
  offset: number
): PageStatement => {
  const all: ReadonlyArray<Condition> = [{ sql: "u.app_id = ?", params: [appId] }, ...conditions]
  const where = all.map((c) => `(${c.sql})`).join(" AND ")
  const params = all.flatMap((c) => c.params)
  // One statement for the page and the count (a scalar subquery, run once: the same index range the
  // page reads, so it costs about what the page alone costs; `COUNT(*) OVER ()` would materialise
  // every matching row and is several times slower). Only an empty page past the first needs its own
  // count. The page's ids are chosen first (from an index alone when it covers the filter: the sort
  // and the skipped rows then never read a user row) and only those rows are read; `order` always
  // ends with `u.id`, a total order, so the outer ORDER BY returns them as the page had them.
  const text = `SELECT u.*, (SELECT COUNT(*) FROM users u WHERE ${where}) AS __total FROM users u
       WHERE u.id IN (SELECT u.id FROM users u WHERE ${where} ORDER BY ${order} LIMIT ${pageBound(limit)} OFFSET ${
    pageBound(offset)
  })
       ORDER BY ${order}`
  return {
    text,
    params: [...params, ...params],
    countText: `SELECT COUNT(*) AS n FROM users u WHERE ${where}`,
    countParams: params,
    offset
  }
}

type CountedRow = UserRow & { readonly __total: number }

/** The page of a page statement's rows (only an empty page past the first needs a count of its own). */
const pageOf = (
  sql: SqlClient.SqlClient,
  statement: PageStatement,
  rows: ReadonlyArray<CountedRow>
): Effect.Effect<Page, SqlError.SqlError> => {
  if (rows.length > 0) return Effect.succeed({ rows, total: rows[0]!.__total })
  if (statement.offset === 0) return Effect.succeed({ rows: [], total: 0 })
  return Effect.map(
    Sqlite.cachedRead<{ n: number }>(sql, statement.countText, statement.countParams),
    (counted) => ({ rows: [], total: counted[0]?.n ?? 0 })
  )
}

const runPage = (statement: PageStatement): Effect.Effect<Page, SqlError.SqlError, SqlClient.SqlClient> =>
  // Plain combinators (no generator): every V1 list runs this.
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const rows = Sqlite.unsafeCachedRead<CountedRow>(sql, statement.text, statement.params)
    return rows === undefined ?
      Effect.flatMap(sql.unsafe<CountedRow>(statement.text, statement.params as Array<unknown>), (rows) => pageOf(sql, statement, rows)) :
      pageOf(sql, statement, rows)
  })

const run = (
  appId: number,
  conditions: ReadonlyArray<Condition>,
  order: string,
  limit: number,
  offset: number
): Effect.Effect<Page, SqlError.SqlError, SqlClient.SqlClient> => runPage(pageStatement(appId, conditions, order, limit, offset))

const orderBy = (field: string | undefined, direction: "ASC" | "DESC") =>
  field === undefined || field === "id" ? `u.id ${direction}` : `u.${field} ${direction}, u.id ${direction}`

/**
 * `GET /users/v2`: the page of a decoded query. `start_with` forces the limit to 5 (as the server does).
 *
 * @since 0.1.0
 * @category queries
 */
export const searchV2 = (
  appId: number,
  query: UsersQuery.UsersQuery
): Effect.Effect<PageV2, SqlError.SqlError, SqlClient.SqlClient | SearchCache> =>
  Effect.flatMap(SearchCache, (cache) => searchV2With(cache, appId, query))

/**
 * A V2 page: the rows, the total and the `limit`/`skip` the answer shows.
 *
 * @since 0.1.0
 * @category models
 */
export interface PageV2 extends Page {
  readonly limit: number
  readonly skip: number
}

/**
 * `searchV2` with the cache at hand (the route reads it from the request's context it already holds).
 *
 * While the database is unchanged, a query searched again gets the same `PageV2` object (the page
 * statement's rows are kept by `Sqlite.cachedRead`, and `SearchCache.pages` keeps the page of those rows),
 * so the route can keep its answer too (`SearchCache.answers`).
 *
 * @since 0.1.0
 * @category queries
 */
export const searchV2With = (
  cache: SearchCacheShape,
  appId: number,
  query: UsersQuery.UsersQuery
): Effect.Effect<PageV2, SqlError.SqlError, SqlClient.SqlClient> => {
  let plan = cache.plans.get(query)
  if (plan === undefined || plan.appId !== appId) {
    plan = planV2(appId, query)
    cache.plans.set(query, plan)
  }
  const { limit, skip } = plan
  const withPaging = (p: Page): PageV2 => ({ rows: p.rows, total: p.total, limit, skip })
  if (plan.tags !== undefined) return Effect.map(byTagIndex(appId, plan.tags, plan.direction, limit, skip), withPaging)
  const statement = plan.statement!
  return Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const rows = Sqlite.unsafeCachedRead<CountedRow>(sql, statement.text, statement.params)
    if (rows === undefined) return Effect.map(runPage(statement), withPaging)
    // The statement (its text holds the limit and offset) and its parameters decide the rows and the
    // total alike, so kept rows have one page; an empty page past the first counts on its own.
    if (rows.length === 0 && statement.offset > 0) return Effect.map(pageOf(sql, statement, rows), withPaging)
    let page = cache.pages.get(rows)
    if (page === undefined) {
      page = { rows, total: rows.length > 0 ? rows[0]!.__total : 0, limit, skip }
      cache.pages.set(rows, page)
    }
    return Effect.succeed(page)
  })
}

/**
 * The SQL side of a decoded query for one app.
 *
 * @since 0.1.0
 * @category models
 */
export interface PlanV2 {
  readonly appId: number
  readonly limit: number
  readonly skip: number
  readonly direction: "ASC" | "DESC"
  /** The tag index search, or else `statement`. */
  readonly tags: ReadonlyArray<string> | undefined
  readonly statement: PageStatement | undefined
}

/**
 * The V2 search's memory, one per emulator (`layerSearchCache`), so emulators in one process share nothing.
 *
 * - `decoded`: decoded queries by query string, kept by the route (`routes/Users.ts`). Clients page and poll
 *   with the same few query strings, and parsing + normalising + Schema-decoding one costs more than the SQL
 *   of a small page; the decoded query is a pure function of the string and is only read afterwards.
 *   Bounded by `DECODED_MAX`: emptied when full.
 * - `plans`: the plan of a decoded query, by the query (the cached one is the same object every time).
 * - `pages`: the page of a page statement's rows as `Sqlite.cachedRead` keeps them (dropped with them,
 *   when the database changes).
 * - `answers`: the route's answer of a page (`routes/Users.ts`): while the page is the same object, so is
 *   its JSON, and answers are never changed once made (the server sets its headers on node's response).
 *
 * @since 0.1.0
 * @category models
 */
export interface SearchCacheShape {
  readonly decoded: Map<string, UsersQuery.UsersQuery>
  readonly plans: WeakMap<UsersQuery.UsersQuery, PlanV2>
  readonly pages: WeakMap<ReadonlyArray<UserRow>, PageV2>
  readonly answers: WeakMap<PageV2, HttpServerResponse.HttpServerResponse>
}

/**
 * How many decoded queries `SearchCache.decoded` keeps before it is emptied.
 *
 * @since 0.1.0
 * @category constants
 */
export const DECODED_MAX = 512

/**
 * @since 0.1.0
 * @category tags
 */
export class SearchCache extends Context.Service<SearchCache, SearchCacheShape>()(
  "@connectycube-effect/emulator/store/UsersSearch/SearchCache"
) {}

/**
 * An empty `SearchCache` (the emulator builds one per instance).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSearchCache: Layer.Layer<SearchCache> = Layer.sync(SearchCache, () => ({
  decoded: new Map(),
  plans: new WeakMap(),
  pages: new WeakMap(),
  answers: new WeakMap()
}))

const planV2 = (appId: number, query: UsersQuery.UsersQuery): PlanV2 => {
  const startsWith = FILTER_COLUMNS.some((column) => {
    const f = query[column]
    return f !== null && typeof f === "object" && !(f instanceof Date) && "start_with" in f && f.start_with !== undefined
  })
  const limit = startsWith ? 5 : query.limit ?? 100
  const skip = query.offset ?? 0
  const sortField = query.sort_desc ?? query.sort_asc
  const direction = query.sort_desc !== undefined ? "DESC" : "ASC"
  const tags = onlyTags(query)
  if (tags !== undefined && (sortField === undefined || sortField === "id")) {
    return { appId, limit, skip, direction, tags, statement: undefined }
  }
  const conditions = FILTER_COLUMNS.flatMap((column) =>
    query[column] === undefined ? [] : fieldConditions(column, query[column])
  )
  return {
    appId,
    limit,
    skip,
    direction,
    tags: undefined,
    statement: pageStatement(appId, conditions, orderBy(sortField, direction), limit, skip)
  }
}

/** The tags of a query whose only filter is `user_tags` with `eq` or `in` (the common "everyone tagged X"). */
const onlyTags = (query: UsersQuery.UsersQuery): ReadonlyArray<string> | undefined => {
  if (FILTER_COLUMNS.some((column) => column !== "user_tags" && query[column] !== undefined)) return undefined
  const f = query.user_tags
  if (f === undefined) return undefined
  if (typeof f === "string") return [f]
  if (f.nin !== undefined || (f.eq !== undefined && f.in !== undefined)) return undefined
  return f.eq !== undefined ? [f.eq] : f.in
}

/**
 * The tag search straight from the `(app_id, tag, user_id)` index: counting and skipping `offset` entries
 * never touches the users table, so a deep page of a 100k-user tag costs what its 100 rows cost.
 */
const byTagIndex = (
  appId: number,
  tags: ReadonlyArray<string>,
  direction: "ASC" | "DESC",
  limit: number,
  offset: number
): Effect.Effect<Page, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const where = `app_id = ? AND tag IN (${placeholders(tags.length)})`
    const params = [appId, ...tags]
    const distinct = tags.length > 1 ? "DISTINCT " : ""
    const counted = yield* Sqlite.cachedRead<{ n: number }>(sql, `SELECT COUNT(${distinct}user_id) AS n FROM user_tags WHERE ${where}`, params)
    const total = counted[0]?.n ?? 0
    if (total === 0 || offset >= total) return { rows: [], total }
    const ids = yield* Sqlite.cachedRead<{ id: number }>(
      sql,
      `SELECT ${distinct}user_id AS id FROM user_tags WHERE ${where} ORDER BY user_id ${direction}
       LIMIT ${pageBound(limit)} OFFSET ${pageBound(offset)}`,
      params
    )
    if (ids.length === 0) return { rows: [], total }
    const rows = yield* Sqlite.cachedRead<UserRow>(
      sql,
      `SELECT * FROM users WHERE id IN (${placeholders(ids.length)}) ORDER BY id ${direction}`,
      ids.map((r) => r.id)
    )
    return { rows, total }
  })

// ---------------------------------------------------------------------------
// V1
// ---------------------------------------------------------------------------

const V1_OPERATORS: Record<string, string> = { gt: ">", lt: "<", ge: ">=", le: "<=", eq: "=", ne: "<>" }

const V1_DATE_OPERATORS: Record<string, string> = { gt: "gt", lt: "lt", ge: "gte", le: "lte", eq: "eq" }

/**
 * `a OR b OR ...` as a balanced tree: SQLite parses a flat chain into an expression as deep as it is long
 * (its limit is 1000), a balanced one is as deep as its log.
 */
const balancedOr = (parts: ReadonlyArray<Condition>): Condition => {
  if (parts.length === 0) return { sql: "0", params: [] }
  if (parts.length === 1) return parts[0]!
  const half = Math.ceil(parts.length / 2)
  const left = balancedOr(parts.slice(0, half))
  const right = balancedOr(parts.slice(half))
  return { sql: `(${left.sql}) OR (${right.sql})`, params: [...left.params, ...right.params] }
}

const v1Condition = (filter: UsersQueryV1.ParsedFilterV1): Condition => {
  const { field, op, values } = filter
  if (field === "user_tags" && (op === "eq" || op === "in" || op === "ne")) {
    return tagCondition(values.map(String), op === "ne")
  }
  if (filter.type === "date") {
    const dates = values as ReadonlyArray<Date>
    if (op === "between") {
      return { sql: `u.${field} >= ? AND u.${field} < ?`, params: [second(dates[0]!), second(dates[1]!) + 1000] }
    }
    if (op === "in") {
      return balancedOr(dates.map((d) => dateConditions(field, "eq", d)))
    }
    if (op === "ne") {
      const eq = dateConditions(field, "eq", dates[0]!)
      return { sql: `u.${field} IS NULL OR NOT (${eq.sql})`, params: eq.params }
    }
    return dateConditions(field, V1_DATE_OPERATORS[op]!, dates[0]!)
  }
  if (op === "between") return { sql: `u.${field} BETWEEN ? AND ?`, params: [values[0], values[1]] }
  if (op === "in") return { sql: `u.${field} IN (${placeholders(values.length)})`, params: values }
  if (op === "ne") return { sql: `u.${field} IS NULL OR u.${field} <> ?`, params: [values[0]] }
  return { sql: `u.${field} ${V1_OPERATORS[op]!} ?`, params: [values[0]] }
}

/**
 * `GET /users` (V1): `filter[]` conditions (all must hold), `order`, `page`/`per_page`.
 *
 * @since 0.1.0
 * @category queries
 */
export const listV1 = (
  appId: number,
  options: {
    readonly filters: ReadonlyArray<UsersQueryV1.ParsedFilterV1>
    readonly order?: { readonly sort: "asc" | "desc"; readonly field: string } | undefined
    readonly page: number
    readonly perPage: number
  }
): Effect.Effect<Page, SqlError.SqlError, SqlClient.SqlClient> =>
  run(
    appId,
    options.filters.map(v1Condition),
    options.order === undefined
      ? "u.id ASC"
      : orderBy(options.order.field, options.order.sort === "desc" ? "DESC" : "ASC"),
    options.perPage,
    (options.page - 1) * options.perPage
  )

/**
 * `GET /users/by_tags`: users with any of the tags, by id.
 *
 * @since 0.1.0
 * @category queries
 */
export const byTags = (
  appId: number,
  tags: ReadonlyArray<string>,
  page: number,
  perPage: number
): Effect.Effect<Page, SqlError.SqlError, SqlClient.SqlClient> =>
  run(appId, [tagCondition(tags, false)], "u.id ASC", perPage, (page - 1) * perPage)

/**
 * `GET /users/by_full_name`: users whose full name contains the text (case-insensitive), by id.
 *
 * @since 0.1.0
 * @category queries
 */
export const byFullName = (
  appId: number,
  text: string,
  page: number,
  perPage: number
): Effect.Effect<Page, SqlError.SqlError, SqlClient.SqlClient> =>
  run(
    appId,
    [{ sql: "u.full_name LIKE ? ESCAPE '\\'", params: [`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`] }],
    "u.id ASC",
    perPage,
    (page - 1) * perPage
  )

/**
 * The user of an external id: `external_user_id` (the deprecated integer) or `external_id`.
 *
 * @since 0.1.0
 * @category queries
 */
export const byExternalId = (
  appId: number,
  id: string
): Effect.Effect<UserRow | undefined, SqlError.SqlError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const numeric = /^\d{1,15}$/.test(id) ? Number(id) : null
    return Effect.map(
      sql<UserRow>`SELECT * FROM users WHERE app_id = ${appId}
        AND (external_user_id = ${numeric} OR external_id = ${id})
        ORDER BY external_user_id IS NULL, id LIMIT 1`,
      (rows) => rows[0]
    )
  })
