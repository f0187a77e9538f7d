import { defineConfig, type Options } from "tsup"
import base from "../../tsup.base.js"

// The shared config, plus: `#transport` stays an import, so the consumer's runtime picks the transport through
// the package.json `imports` conditions (undici in Node, fetch elsewhere) instead of tsup baking one in.
export default defineConfig({
  ...(base as Options),
  external: ["#transport"]
})
