import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist/**", "**/build/**", "**/node_modules/**", "**/*.mjs", "**/*.cjs", "**/vitest.config.ts"] },
  ...tseslint.configs.recommended,
  {
    plugins: { "@effect": effect },
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      "object-shorthand": "error"
    }
  },
  {
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "no-console": "error",
      "@effect/no-import-from-barrel-package": ["error", { packageNames: ["effect"] }]
    }
  },
  {
    // The implementation lives in internal/ and the public modules re-export it: an import back up (even of a type)
    // would make the facade and its implementation depend on each other.
    files: ["packages/*/src/internal/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{ group: ["../*"], message: "internal modules never import their package's public modules (issue 18)" }]
      }]
    }
  },
  {
    files: ["packages/emulator/src/bin.ts", "packages/emulator/src/Cli.ts"],
    rules: { "no-console": "off" }
  }
)
