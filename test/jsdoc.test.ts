/**
 * The documentation contract, checked on every `pnpm test`:
 *
 * 1. Every export of every module in `packages/<name>/src` (not `src/internal`) has `@since` and
 *    `@category` in its JSDoc. Exceptions: a module re-export (`export * as X from`) and a re-export of a
 *    name declared in another module (`export { X } from`) need only `@since` (the category is the
 *    declaration's).
 * 2. The value exports a user calls first (service tags, layers, constructors, combinators, getters, guards
 *    of the SDK packages, and the emulator's `Emulator` module) also have an `@example`.
 * 3. Every `@example` code block (in `src/internal` too: a declaration a public module re-exports keeps its JSDoc
 *    there, where TypeDoc reads it), and every `ts` code block of `docs/**` markdown, type-checks against the
 *    packages as they are now: all of them in one TypeScript program (one `tsc`, not one per example).
 *    A markdown block opened with ```` ```ts nocheck ```` is skipped (fragments that show a shape).
 * 4. A markdown block opened with ```` ```ts file=test/docs/x.test.ts#name ```` shows that file's
 *    `// #region name` … `// #endregion name` verbatim: the docs show tests that run, and cannot drift from them.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { describe, expect, it } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const packagesDir = path.join(root, "packages")

const listTs = (dir: string, skip: (name: string) => boolean = () => false): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return skip(entry.name) ? [] : listTs(full, skip)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : []
  })

const packageSources = fs.readdirSync(packagesDir).filter((name) => fs.existsSync(path.join(packagesDir, name, "src")))
const sourceFiles = packageSources.flatMap((name) => listTs(path.join(packagesDir, name, "src"), (dir) => dir === "internal"))
const allSourceFiles = packageSources.flatMap((name) => listTs(path.join(packagesDir, name, "src")))

interface ExportDoc {
  readonly where: string
  readonly name: string
  readonly kind: "value" | "type" | "module" | "reexport"
  readonly doc: string
}

/** The last `/** … *\/` comment right before a node. */
const jsdocOf = (text: string, node: ts.Node): string => {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []
  const last = ranges.filter((r) => text.startsWith("/**", r.pos)).at(-1)
  return last === undefined ? "" : text.slice(last.pos, last.end)
}

const isExported = (node: ts.Node): boolean =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const exportsOf = (file: string): Array<ExportDoc> => {
  const text = fs.readFileSync(file, "utf8")
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const out: Array<ExportDoc> = []
  const at = (node: ts.Node) =>
    `${path.relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}`
  const visit = (statements: ts.NodeArray<ts.Statement>, prefix: string) => {
    for (const statement of statements) {
      if (ts.isExportDeclaration(statement)) {
        const clause = statement.exportClause
        if (clause === undefined || ts.isNamespaceExport(clause)) {
          out.push({ where: at(statement), name: clause?.name.text ?? "*", kind: "module", doc: jsdocOf(text, statement) })
        } else {
          for (const element of clause.elements) {
            out.push({
              where: at(element),
              name: prefix + element.name.text,
              kind: statement.moduleSpecifier === undefined ? "value" : "reexport",
              // `/** … */ export { a as b } from "…"`: the statement's comment documents its one name
              doc: jsdocOf(text, element) || (clause.elements.length === 1 ? jsdocOf(text, statement) : "")
            })
          }
        }
        continue
      }
      if (ts.isExportAssignment(statement)) continue // `export default x`: x is documented where it is declared
      if (!isExported(statement)) continue
      const doc = jsdocOf(text, statement)
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          out.push({ where: at(statement), name: prefix + declaration.name.getText(source), kind: "value", doc })
        }
      } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
        out.push({ where: at(statement), name: prefix + statement.name.text, kind: "type", doc })
      } else if (ts.isModuleDeclaration(statement)) {
        out.push({ where: at(statement), name: prefix + statement.name.getText(source), kind: "type", doc })
        if (statement.body !== undefined && ts.isModuleBlock(statement.body)) {
          visit(statement.body.statements, `${prefix}${statement.name.getText(source)}.`)
        }
      } else if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) {
        out.push({ where: at(statement), name: prefix + (statement.name?.text ?? "default"), kind: "value", doc })
      }
    }
  }
  visit(source.statements, "")
  return out
}

const allExports = sourceFiles.flatMap(exportsOf)

const tag = (doc: string, name: string): string | undefined => new RegExp(`@${name}[ \\t]+([^\\n*]+)`).exec(doc)?.[1]?.trim()

/** Categories whose value exports are what a user calls first: they need an example. */
const EXAMPLE_CATEGORIES = new Set([
  "tags",
  "layers",
  "constructors",
  "combinators",
  "getters",
  "guards",
  "predicates",
  "clients",
  "default client",
  "custom data",
  "config"
])
/** The emulator's route-author modules (`Http`, `Route`, `store/*`, …) are documented, without examples. */
const needsExample = (e: ExportDoc): boolean => {
  if (e.kind !== "value") return false
  const category = tag(e.doc, "category")
  if (category === undefined || !EXAMPLE_CATEGORIES.has(category)) return false
  if (e.where.startsWith("packages/emulator/")) return e.where.startsWith("packages/emulator/src/Emulator.ts")
  // the tagged-enum constructors of events (`SessionEvent`, `UploadEvent`) are shown by the service examples
  return !/^(SessionEvent|UploadEvent)$/.test(e.name)
}

// ---------------------------------------------------------------------------
// Examples: JSDoc `@example` blocks and docs/ markdown `ts` blocks
// ---------------------------------------------------------------------------

interface Example {
  readonly from: string
  readonly code: string
}

const FENCE = /```(ts|typescript)([^\n]*)\n([\s\S]*?)```/g

const jsdocExamples = (file: string): Array<Example> => {
  const text = fs.readFileSync(file, "utf8")
  const out: Array<Example> = []
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const body = comment[0].split("\n").map((line) => line.replace(/^\s*\/?\*+\/?\s?/, "")).join("\n")
    const at = text.slice(0, comment.index).split("\n").length
    const examples = body.split(/^@example\b/m).slice(1).map((part) => part.split(/^@\w+/m)[0]!)
    for (const example of examples) {
      for (const block of example.matchAll(FENCE)) {
        out.push({ from: `${path.relative(root, file)}:${at}`, code: block[3]! })
      }
    }
  }
  return out
}

const markdownFiles = (function walk(dir: string): Array<string> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return ["node_modules", "api", "build"].includes(entry.name) ? [] : walk(full)
    return entry.name.endsWith(".md") ? [full] : []
  })
})(path.join(root, "docs"))

/** A markdown block that shows (a region of) a real file: ```` ```ts file=test/docs/x.test.ts#region ```` */
interface Excerpt extends Example {
  readonly file: string
  readonly region: string | undefined
}

const markdownBlocks = (file: string) => {
  const text = fs.readFileSync(file, "utf8")
  return Array.from(text.matchAll(FENCE)).map((block) => ({
    info: block[2]!,
    from: `${path.relative(root, file)}:${text.slice(0, block.index).split("\n").length}`,
    code: block[3]!
  }))
}

const markdownExamples = (file: string): Array<Example> =>
  markdownBlocks(file).filter((b) => !/\bnocheck\b/.test(b.info) && !/\bfile=/.test(b.info))

const markdownExcerpts = (file: string): Array<Excerpt> =>
  markdownBlocks(file).flatMap((b) => {
    const match = /\bfile=([^\s#]+)(?:#(\S+))?/.exec(b.info)
    return match === null ? [] : [{ ...b, file: match[1]!, region: match[2] }]
  })

/** The text of a file, or of its `// #region <name>` … `// #endregion <name>` part. */
const excerptOf = (file: string, region: string | undefined): string | undefined => {
  const text = fs.readFileSync(path.join(root, file), "utf8")
  if (region === undefined) return text
  const match = new RegExp(`^// #region ${region}\\n([\\s\\S]*?)^// #endregion ${region}$`, "m").exec(text)
  return match?.[1]
}

const examples: Array<Example> = [...allSourceFiles.flatMap(jsdocExamples), ...markdownFiles.flatMap(markdownExamples)]
const excerpts: Array<Excerpt> = markdownFiles.flatMap(markdownExcerpts)

/** Type-checks every example as its own module, all in one program rooted in the docs package. */
const typeCheck = (list: ReadonlyArray<Example>): Array<string> => {
  const base = ts.readConfigFile(path.join(root, "tsconfig.base.json"), ts.sys.readFile).config
  const { options } = ts.convertCompilerOptionsFromJson(
    {
      ...base.compilerOptions,
      composite: false,
      declaration: false,
      declarationMap: false,
      emitDeclarationOnly: false,
      noEmit: true,
      noUnusedLocals: false,
      plugins: []
    },
    root
  )
  const dir = path.join(root, "docs", ".examples")
  const files = new Map(list.map((example, i) => {
    // A block without import/export would be a script sharing the global scope with the others.
    const code = /^\s*(import|export)\s/m.test(example.code) ? example.code : `${example.code}\nexport {}\n`
    return [path.join(dir, `example${i}.ts`), code] as const
  }))
  const host = ts.createCompilerHost(options, true)
  const { fileExists, getSourceFile, readFile } = host
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name)
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name)
  host.getSourceFile = (name, language, ...rest) =>
    files.has(name)
      ? ts.createSourceFile(name, files.get(name)!, language, true)
      : getSourceFile.call(host, name, language, ...rest)
  const program = ts.createProgram({ rootNames: [...files.keys()], options, host })
  const names = [...files.keys()]
  return names.flatMap((name, i) => {
    const source = program.getSourceFile(name)!
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1
      return `${list[i]!.from} (example line ${line}): ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`
    })
  })
}

describe("JSDoc", () => {
  it("finds the modules and their exports", () => {
    expect(sourceFiles.length).toBeGreaterThan(20)
    expect(allExports.length).toBeGreaterThan(300)
  })

  it("every export has @since and @category", () => {
    const missing = allExports.flatMap((e) => {
      const lacks = [
        tag(e.doc, "since") === undefined ? "@since" : undefined,
        e.kind !== "module" && e.kind !== "reexport" && tag(e.doc, "category") === undefined ? "@category" : undefined
      ].filter((x) => x !== undefined)
      return lacks.length === 0 ? [] : [`${e.where} ${e.name}: missing ${lacks.join(", ")}`]
    })
    expect(missing).toEqual([])
  })

  it("the entry points a user calls first have an @example", () => {
    const missing = allExports.filter(needsExample).filter((e) => !/@example\b/.test(e.doc)).map((e) =>
      `${e.where} ${e.name} (${tag(e.doc, "category")})`
    )
    expect(missing).toEqual([])
  })
})

describe("examples", () => {
  it("are found in the JSDoc and in docs/", () => {
    expect(examples.filter((e) => e.from.startsWith("packages/")).length).toBeGreaterThan(20)
    expect(examples.filter((e) => e.from.startsWith("docs/")).length).toBeGreaterThan(20)
    expect(excerpts.length).toBeGreaterThan(5)
  })

  it("a docs/ block that shows a file (```ts file=path#region) shows it as it is: tested code, not a copy", () => {
    const stale = excerpts.flatMap((e) => {
      const actual = excerptOf(e.file, e.region)
      if (actual === undefined) return [`${e.from}: no region ${e.region} in ${e.file}`]
      return actual.trim() === e.code.trim() ? [] : [`${e.from}: differs from ${e.file}${e.region ? `#${e.region}` : ""} (node scripts/docs-excerpts.mjs updates it)`]
    })
    expect(stale).toEqual([])
  })

  it("every @example and every docs/ ts block type-checks (one program)", () => {
    expect(typeCheck(examples)).toEqual([])
  }, 180_000)
})
