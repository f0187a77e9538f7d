/**
 * A plain predicate compiled from a Schema AST, for answers decoded on every call: it says whether the Schema
 * would accept the input unchanged (a struct with a `[key: string]: unknown` rest record, of keywords,
 * literals, unions and arrays, none with a check or an encoding). Schema's own parser does the same work through
 * several closures and allocations per field; this is a few comparisons. Anything else compiles to `undefined`
 * (no fast path).
 */
import type * as AST from "effect/SchemaAST"
import * as Open from "./open.js"

/** @internal */
export type Guard = (u: unknown) => boolean

const everything: Guard = () => true

/** The keys of a rest record whose output is the input: any string (`"__proto__"` is refused below). */
const isOpenKey = (parameter: AST.AST): boolean =>
  parameter._tag === "String" && (parameter.checks === undefined || parameter === Open.Key.ast) &&
  parameter.encoding === undefined

/** @internal */
export const compile = (ast: AST.AST): Guard | undefined => {
  // A check may refuse a value of the right type; an encoding changes it.
  if (ast.checks !== undefined || ast.encoding !== undefined) return undefined
  switch (ast._tag) {
    case "String":
      return (u) => typeof u === "string"
    case "Number":
      return (u) => typeof u === "number"
    case "Boolean":
      return (u) => typeof u === "boolean"
    case "Undefined":
      return (u) => u === undefined
    case "Null":
      return (u) => u === null
    case "Unknown":
      return everything
    case "Literal": {
      const literal = ast.literal
      return (u) => u === literal
    }
    case "Union": {
      // "oneOf" refuses a value two members accept
      if (ast.options?.mode === "oneOf") return undefined
      const guards = ast.types.map(compile)
      if (!guards.every((g) => g !== undefined)) return undefined
      return (u) => {
        for (const g of guards) if (g(u)) return true
        return false
      }
    }
    case "Arrays": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) return undefined
      const item = compile(ast.rest[0]!)
      return item && ((u) => {
        if (!Array.isArray(u)) return false
        // by index, not `every`: a hole is `undefined` to the Schema too
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false
        return true
      })
    }
    case "Objects": {
      // Only the form whose output is the input itself: every key kept, known keys checked.
      const [index, ...more] = ast.indexSignatures
      if (index === undefined || more.length > 0 || !isOpenKey(index.parameter) || index.type._tag !== "Unknown") {
        return undefined
      }
      const props: Array<readonly [string, boolean, Guard]> = []
      for (const ps of ast.propertySignatures) {
        const guard = compile(ps.type)
        if (guard === undefined || typeof ps.name !== "string") return undefined
        props.push([ps.name, ps.type.context?.isOptional === true, guard])
      }
      return (u) => {
        if (typeof u !== "object" || u === null || Array.isArray(u)) return false
        // An own "__proto__" key (JSON.parse makes one) would become the prototype of an object built from the
        // input; the Schema's copy drops it. Leave such input to the Schema.
        if (Object.prototype.hasOwnProperty.call(u, "__proto__")) return false
        for (const [name, optional, guard] of props) {
          if (Object.prototype.hasOwnProperty.call(u, name)) {
            if (!guard((u as Record<string, unknown>)[name])) return false
          } else if (!optional) return false
        }
        return true
      }
    }
    default:
      return undefined
  }
}
