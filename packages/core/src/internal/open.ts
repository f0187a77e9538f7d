/**
 * Structs that keep the keys they do not declare. The server adds fields over time and the SDK hands them on
 * (v4's `Struct` and `Class` drop undeclared keys, and `onExcessProperty: "preserve"` is gone).
 */
import * as Schema from "effect/Schema"

/**
 * Any key but `"__proto__"`: `JSON.parse` makes an own `__proto__` key, which would become the prototype of an
 * object built from the input (a class instance copies its fields). The struct leaves it out instead.
 * @internal
 */
export const Key = Schema.String.check(Schema.makeFilter((key: string) => key !== "__proto__"))

/** @internal */
export const Rest = Schema.Record(Key, Schema.Unknown)

/**
 * A `Struct` of `fields` (same type, same `fields`) whose decoding keeps every other key of the input.
 * @internal
 */
export const struct = <const Fields extends Schema.Struct.Fields>(fields: Fields): Schema.Struct<Fields> => {
  const ast = Schema.StructWithRest(Schema.Struct(fields), [Rest]).ast
  return Schema.make<Schema.Struct<Fields>>(ast, {
    fields,
    mapFields<To extends Schema.Struct.Fields>(f: (fields: Fields) => To): Schema.Struct<To> {
      return struct(f(fields))
    }
  })
}
