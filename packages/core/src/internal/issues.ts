/**
 * How a Schema failure reads as the server would say it: one message per field, the most telling one, in the
 * server's words (`"cannot be blank"`, `"is invalid"`), never the offending value (it may be a password).
 * `UserInput` re-exports these for the SDK (`toInvalidInput`) and the emulator (its 422 bodies).
 */
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"

/**
 * One problem with an input: a dotted path (`"tag_list.1"`, `""` for the whole input) and why.
 * @internal
 */
export interface Issue {
  readonly field: string
  readonly reason: string
}

/**
 * A leaf of an issue tree: where, why, and how telling it is. A broken rule, a custom message, a missing or an
 * unknown key (0) says more than a type mismatch (1), which says more than "must be undefined" (2), which the
 * `undefined` member of every `optional` adds.
 */
interface Leaf {
  readonly path: ReadonlyArray<PropertyKey>
  readonly reason: string
  readonly rank: 0 | 1 | 2
}

const messageOf = (annotations: { readonly [key: string]: unknown } | undefined, key = "message"): string | undefined => {
  const message = annotations?.[key]
  return typeof message === "string" ? message : undefined
}

/** What a value of `ast` is, in the server's words; never the value itself. */
const expected = (ast: SchemaAST.AST): string => {
  const custom = messageOf(ast.annotations, "expected")
  if (custom !== undefined) return custom
  switch (ast._tag) {
    case "String":
      return "a string"
    case "Number":
      return "a number"
    case "Boolean":
      return "a boolean"
    case "Arrays":
      return "a list"
    case "Objects":
      return "an object"
    case "Null":
      return "null"
    case "Undefined":
      return "undefined"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union": {
      // `optional` and `NullOr` add members that are no answer to "what should it be"
      const members = ast.types.filter((t) => t._tag !== "Undefined" && t._tag !== "Null")
      return members.length === 0 ? expected(ast.types[0]!) : members.map(expected).join(" or ")
    }
    case "Declaration":
      return ast.annotations?.identifier === undefined ? "valid" : String(ast.annotations.identifier)
    default:
      return "valid"
  }
}

const mismatch = (ast: SchemaAST.AST): Leaf["reason"] => {
  const what = expected(ast)
  return what === "valid" ? "is invalid" : `must be ${what}`
}

/** The leaves of an issue tree with their paths: a custom message wins over what it wraps. */
const leaves = (
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<PropertyKey>,
  override: string | undefined,
  out: Array<Leaf>
): void => {
  const leaf = (reason: string, rank: Leaf["rank"]): void => {
    out.push({ path, reason: override ?? reason, rank: override === undefined ? rank : 0 })
  }
  switch (issue._tag) {
    case "Filter":
      return leaves(issue.issue, path, override ?? messageOf(issue.filter.annotations), out)
    case "Encoding":
      return leaves(issue.issue, path, override, out)
    case "Pointer":
      return leaves(issue.issue, [...path, ...issue.path], override, out)
    case "Composite":
      for (const inner of issue.issues) leaves(inner, path, override, out)
      return
    case "AnyOf": {
      // A union with a message speaks for all its members (`ExternalId`: "a positive integer or a non-empty string").
      const message = override ?? messageOf(issue.ast.annotations)
      if (message !== undefined || issue.issues.length === 0) {
        return leaf(message ?? mismatch(issue.ast), 1)
      }
      for (const inner of issue.issues) leaves(inner, path, undefined, out)
      return
    }
    case "InvalidType": {
      const message = messageOf(issue.ast.annotations)
      if (message !== undefined) return leaf(message, 0)
      return leaf(mismatch(issue.ast), issue.ast._tag === "Undefined" ? 2 : 1)
    }
    case "InvalidValue":
      return leaf(messageOf(issue.annotations) ?? "is invalid", 0)
    case "MissingKey":
      return leaf(messageOf(issue.annotations, "messageMissingKey") ?? "cannot be blank", 0)
    case "UnexpectedKey":
      return leaf(messageOf(issue.ast.annotations, "messageUnexpectedKey") ?? "is not a known field", 0)
    case "Forbidden":
    case "OneOf":
      return leaf("is invalid", 0)
  }
}

/**
 * The issues of a Schema failure, at most one per top-level field: the most telling one (a union reports
 * every member's failure; the deepest broken rule is the one a person can act on), in the order the
 * fields were found.
 * @internal
 */
export const issues = (error: Schema.SchemaError | SchemaIssue.Issue): ReadonlyArray<Issue> => {
  const all: Array<Leaf> = []
  leaves(Schema.isSchemaError(error) ? error.issue : error, [], undefined, all)
  const best = new Map<string, Leaf>()
  for (const leaf of all) {
    const top = leaf.path.length === 0 ? "" : String(leaf.path[0])
    const current = best.get(top)
    if (
      current === undefined || leaf.rank < current.rank ||
      (leaf.rank === current.rank && leaf.path.length > current.path.length)
    ) best.set(top, leaf)
  }
  return Array.from(best.values(), (leaf) => ({ field: leaf.path.map(String).join("."), reason: leaf.reason }))
}

/**
 * The first issue of a Schema failure, with `prefix` prepended to its field (`""` stands for the prefix itself).
 * @internal
 */
export const firstIssue = (error: Schema.SchemaError | SchemaIssue.Issue, prefix?: string): Issue => {
  const first = issues(error)[0] ?? { field: "", reason: "is invalid" }
  const field = prefix === undefined ? first.field : first.field === "" ? prefix : `${prefix}.${first.field}`
  return { field, reason: first.reason }
}

/**
 * The issues grouped as the server's 422 body wants them: `{ login: ["is too short …"], "tag_list.1": [...] }`
 * (issues about no single field go under `base`).
 * @internal
 */
export const toFieldErrors = (list: ReadonlyArray<Issue>): Record<string, Array<string>> => {
  const out: Record<string, Array<string>> = {}
  for (const { field, reason } of list) (out[field === "" ? "base" : field] ??= []).push(reason)
  return out
}
