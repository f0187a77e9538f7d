/**
 * The OpenAPI 3.1 document of the emulator's API, generated from the route table and its Schemas
 * (`GET /__emulator/openapi.json`).
 *
 * @since 0.1.0
 */
import * as OpenApiJsonSchema from "@effect/platform/OpenApiJsonSchema"
import * as Schema from "effect/Schema"
import type * as Route from "./Route.js"

const ErrorBody = Schema.Struct({
  errors: Schema.Union(
    Schema.Array(Schema.String),
    Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
  )
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

const toSchema = (schema: Schema.Schema.Any, defs: Record<string, unknown>): unknown => {
  try {
    // The wire form is the encoded side (a Schema.Class encodes to its plain struct).
    return OpenApiJsonSchema.makeWithDefs(Schema.encodedSchema(schema as Schema.Schema<unknown, unknown, never>), { defs })
  } catch {
    return {}
  }
}

const oaPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")

/**
 * @since 0.1.0
 * @category constructors
 */
export const make = (routes: ReadonlyArray<Route.Route>, options: { readonly serverUrl?: string | undefined } = {}) => {
  const defs: Record<string, unknown> = {}
  const paths: Record<string, Record<string, unknown>> = {}
  const errorSchema = toSchema(ErrorBody, defs)
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
        content: { "application/json": { schema: toSchema(ok.body, defs) } }
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
      operation.requestBody = {
        required: true,
        content: {
          "application/json": { schema: toSchema(route.request.body, defs) },
          "application/x-www-form-urlencoded": { schema: toSchema(route.request.body, defs) }
        }
      }
    }
    if (route.request?.query !== undefined) {
      operation["x-query-schema"] = toSchema(route.request.query, defs)
    }
    const key = oaPath(route.path)
    paths[key] ??= {}
    for (const method of methods) paths[key][method.toLowerCase()] = operation
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
