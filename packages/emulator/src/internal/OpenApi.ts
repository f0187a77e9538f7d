/**
 * The OpenAPI 3.1 document of the emulator's API, generated from the route table and its Schemas
 * (`GET /__emulator/openapi.json`).
 *
 * @since 0.1.0
 */
import * as JsonSchema from "effect/JsonSchema"
import * as Schema from "effect/Schema"
import * as SchemaRepresentation from "effect/SchemaRepresentation"
import type * as Route from "./Route.js"

const ErrorBody = Schema.Struct({
  errors: Schema.Union([
    Schema.Array(Schema.String),
    Schema.Record(Schema.String, Schema.Array(Schema.String))
  ])
})

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Entity",
  429: "Too Many Requests"
}

/** A schema of the document, filled in once every schema is known (they share one definitions pool). */
interface Slot {
  readonly schema: Schema.Constraint
  readonly target: Record<string, unknown>
}

// The wire form is the encoded JSON side (a Schema.Class encodes to its plain struct), as HttpApi documents it.
const astOf = (schema: Schema.Constraint) => Schema.toCodecJson(schema).ast

const compileAll = (slots: ReadonlyArray<Slot>, defs: Record<string, unknown>): void => {
  const [first, ...rest] = slots.map((slot) => astOf(slot.schema))
  if (first === undefined) return
  const document = JsonSchema.toMultiDocumentOpenApi3_1(
    SchemaRepresentation.toJsonSchemaMultiDocument(SchemaRepresentation.toRepresentations([first, ...rest]))
  )
  slots.forEach((slot, i) => Object.assign(slot.target, document.schemas[i]))
  Object.assign(defs, document.definitions)
}

const compileOne = (slot: Slot, defs: Record<string, unknown>): void => {
  try {
    compileAll([slot], defs)
  } catch {
    // A schema JSON Schema cannot describe stays `{}` (any value) rather than failing the document.
  }
}

/** What the document reads of a route: its description and its auth, never its handler. */
type Documented = Route.Common & { readonly auth: Route.AuthMode }

const oaPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (routes: ReadonlyArray<Documented>, options: { readonly serverUrl?: string | undefined } = {}) => {
  const defs: Record<string, unknown> = {}
  const paths: Record<string, Record<string, unknown>> = {}
  const slots: Array<Slot> = []
  const toSchema = (schema: Schema.Constraint): Record<string, unknown> => {
    const target: Record<string, unknown> = {}
    slots.push({ schema, target })
    return target
  }
  const errorSchema = toSchema(ErrorBody)
  for (const route of routes) {
    if (route.internal === true) continue
    const methods = typeof route.method === "string" ? [route.method] : route.method
    const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" }
    }))
    const responses: Record<string, unknown> = {}
    const ok = route.response ?? { status: 200 }
    responses[String(ok.status)] = ok.body === undefined ?
      { description: ok.description ?? STATUS_TEXT[ok.status] ?? "OK" } :
      {
        description: ok.description ?? STATUS_TEXT[ok.status] ?? "OK",
        content: { "application/json": { schema: toSchema(ok.body) } }
      }
    const errors = new Set(route.errors ?? [])
    if (route.auth !== "none") errors.add(401)
    if (route.auth === "user") errors.add(403)
    for (const status of [...errors].sort()) {
      responses[String(status)] = {
        description: STATUS_TEXT[status] ?? "Error",
        content: { "application/json": { schema: errorSchema } }
      }
    }
    const operation: Record<string, unknown> = {
      summary: route.summary,
      ...(route.description !== undefined ? { description: route.description } : {}),
      ...(route.tag !== undefined ? { tags: [route.tag] } : {}),
      ...(route.auth !== "none" ? { security: [{ cbToken: [] }] } : {}),
      ...(params.length > 0 ? { parameters: params } : {}),
      responses
    }
    if (route.request?.body !== undefined) {
      const body = toSchema(route.request.body)
      operation.requestBody = {
        required: true,
        content: {
          "application/json": { schema: body },
          "application/x-www-form-urlencoded": { schema: body }
        }
      }
    }
    if (route.request?.query !== undefined) {
      operation["x-query-schema"] = toSchema(route.request.query)
    }
    const key = oaPath(route.path)
    paths[key] ??= {}
    for (const method of methods) paths[key][method.toLowerCase()] = operation
  }
  try {
    compileAll(slots, defs)
  } catch {
    for (const slot of slots) compileOne(slot, defs)
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ConnectyCube REST API (emulator)",
      version: "0.1.0",
      description: "Every path also answers with a `.json` suffix (`/session.json`), as the official JS SDK calls it."
    },
    ...(options.serverUrl !== undefined ? { servers: [{ url: options.serverUrl }] } : {}),
    paths,
    components: {
      schemas: defs,
      securitySchemes: { cbToken: { type: "apiKey", in: "header", name: "CB-Token" } }
    }
  }
}
