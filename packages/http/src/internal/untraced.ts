/**
 * Marks an `HttpClient` that already skips its client span when effect's own tracer is current (UndiciClient),
 * so CubeHttpClient need not disable tracing around each of its calls.
 *
 * @internal
 */
export const SkipsSpanWithoutTracer: unique symbol = Symbol.for("@connectycube-effect/http/SkipsSpanWithoutTracer")

/** @internal */
export const skipsSpanWithoutTracer = (client: object): boolean => SkipsSpanWithoutTracer in client
