/**
 * The server's error answers, in one module: `ApiError` (a status and the exact JSON body the real server
 * sends), the catalog of the known ones (`Errors`), and the two translations into them: a Schema decode failure
 * (`fromParseError`) and a store's refusal (`fromStoreError`, the one place a domain error becomes a body).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as SchemaIssue from "effect/SchemaIssue"
import { ApiError } from "./internal/ApiError.js"
import type { StoreError } from "./store/Errors.js"

export {
  /** @since 0.1.0 */
  ApiError,
  /** @since 0.1.0 */
  Errors
} from "./internal/ApiError.js"

const issueFormatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * Turns a Schema decode failure (a `SchemaError`, or its issue) into 422
 * `{"errors":{"<dotted.path>":["<message>"]}}` (`base` for the value itself).
 *
 * @since 0.1.0
 * @category validation
 */
export const fromParseError = (error: Schema.SchemaError | SchemaIssue.Issue): ApiError => {
  const errors: Record<string, Array<string>> = {}
  const issue = Schema.isSchemaError(error) ? error.issue : error
  for (const { message, path } of issueFormatter(issue).issues) {
    const segments = path ?? []
    const field = segments.length === 0 ?
      "base" :
      segments.map((segment) => String(typeof segment === "object" ? segment.key : segment)).join(".")
    ;(errors[field] ??= []).push(message)
  }
  return ApiError.fields(422, errors)
}

/**
 * The server's answer to a store's refusal: `Taken` → 422 `{"errors":{"login":["has already been taken"]}}`
 * (each taken field), `Invalid` → 422 `{"errors":{"<field>":["<reason>"]}}`.
 *
 * @since 0.1.0
 * @category errors
 */
export const fromStoreError = (error: StoreError): ApiError => {
  switch (error._tag) {
    case "Taken":
      return ApiError.fields(422, Object.fromEntries(error.fields.map((field) => [field, ["has already been taken"]])))
    case "Invalid":
      return ApiError.fields(422, { [error.field]: [error.reason] })
  }
}
