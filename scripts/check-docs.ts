/**
 * The documentation check run by `npm test` (`npm run docs`), our own stand-in for
 * `@effect/docgen`'s checks:
 *
 * - every public export of `packages/*\/src` (outside `src/internal/`, not marked `@internal`)
 *   has JSDoc with `@since <version>` and, except namespace re-exports, `@category`;
 *   every public module opens with a `/** ... @since *\/` block;
 * - every `@example` holds at least one ```ts fence, and every such fence in any JSDoc of
 *   `packages/*\/src` is type-checked against the workspace sources (`@effect-bedrock/core`,
 *   `@effect-bedrock/core/testing`, `@effect-bedrock/local`, `@effect-bedrock/ai`, the engine
 *   `@effect-bedrock/converse` and its deep paths such as `@effect-bedrock/converse/request/issue`)
 *   and the installed `effect`.
 *
 * - every ```ts fence of the Markdown docs (`README.md`, `packages/*\/README.md`, `docs/*.md`)
 *   that imports something is type-checked the same way, as its own module (a fence without an
 *   import is a fragment of the text around it); the top-level README's are complete programs,
 *   checked with `noUnusedLocals` too (they run as pasted: `check-pack.ts` runs them);
 * - every `npm install` / `npm i` line of those docs names the version of each Effect-line package
 *   (`effect`, `@effect/*`, `vitest`, `@opentelemetry/*`): their `latest` tags are Effect 4 (or
 *   peers of it), so an unpinned line installs something these packages do not work with.
 *
 * Unlike docgen it never runs the examples (some would need AWS) and writes no files: the
 * examples are virtual modules of one in-memory TypeScript program.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

// The workspace root: the first folder up from this script (run from `scripts/` by tsx, or
// compiled to `build/scripts/`) that holds `tsconfig.base.json`.
const findRoot = (dir: string): string =>
  fs.existsSync(path.join(dir, "tsconfig.base.json")) || path.dirname(dir) === dir ? dir : findRoot(path.dirname(dir))
const root = findRoot(path.dirname(fileURLToPath(import.meta.url)))
// The workspaces, as `packages/<name>` folders.
const packages: Array<string> = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).workspaces
const started = performance.now()

interface Problem {
  readonly file: string
  readonly line: number
  readonly message: string
}

const problems: Array<Problem> = []
const report = (file: string, line: number, message: string) =>
  problems.push({ file: path.relative(root, file), line, message })

const listTs = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return listTs(full)
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : []
  }).sort()

// =============================================================================
// JSDoc parsing
// =============================================================================

interface Tag {
  readonly name: string
  /** The tag's text: what follows the tag name, then the lines up to the next tag. */
  readonly lines: ReadonlyArray<{ readonly text: string; readonly line: number }>
}

interface JsDoc {
  /** 0-based line of the opening `/**`. */
  readonly line: number
  readonly tags: ReadonlyArray<Tag>
}

/** Splits a `/** ... *\/` comment into tags, keeping each line's position in the file. */
const parseJsDoc = (text: string, startLine: number): JsDoc => {
  const body = text.slice(3, -2).split("\n").map((raw, i) => ({
    text: raw.replace(/^\s*\* ?/, ""),
    line: startLine + i
  }))
  if (body.length > 0) body[0] = { ...body[0]!, text: body[0]!.text.replace(/^\s+/, "") }
  const tags: Array<{ name: string; lines: Array<{ text: string; line: number }> }> = []
  let inFence = false
  for (const entry of body) {
    const match = inFence ? null : /^@(\w+)\s?(.*)$/.exec(entry.text)
    if (match !== null) {
      tags.push({ name: match[1]!, lines: [{ text: match[2]!, line: entry.line }] })
    } else if (tags.length > 0) {
      tags[tags.length - 1]!.lines.push(entry)
    }
    if (/^\s*```/.test(entry.text)) inFence = !inFence
  }
  return { line: startLine, tags }
}

const tagText = (doc: JsDoc, name: string): string | undefined => {
  const tag = doc.tags.find((t) => t.name === name)
  return tag === undefined ? undefined : tag.lines.map((l) => l.text).join("\n").trim()
}

/**
 * Every `/** ... *\/` comment of a file: the leading comments of every token of the syntax
 * tree, so comment-like text in strings, templates and regular expressions is never taken.
 */
const jsDocsOf = (
  source: ts.SourceFile
): Array<{ readonly pos: number; readonly end: number; readonly doc: JsDoc }> => {
  const found = new Map<number, { pos: number; end: number; doc: JsDoc }>()
  const visit = (node: ts.Node): void => {
    for (const range of ts.getLeadingCommentRanges(source.text, node.pos) ?? []) {
      const text = source.text.slice(range.pos, range.end)
      if (range.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith("/**") && !found.has(range.pos)) {
        const line = source.getLineAndCharacterOfPosition(range.pos).line
        found.set(range.pos, { pos: range.pos, end: range.end, doc: parseJsDoc(text, line) })
      }
    }
    for (const child of node.getChildren(source)) {
      if (child.kind < ts.SyntaxKind.FirstJSDocNode || child.kind > ts.SyntaxKind.LastJSDocNode) visit(child)
    }
  }
  visit(source)
  return [...found.values()].sort((a, b) => a.pos - b.pos)
}

// =============================================================================
// Public exports: @since and @category
// =============================================================================

const versionPattern = /^\d+\.\d+\.\d+$/

const checkExports = (file: string, source: ts.SourceFile, docs: ReturnType<typeof jsDocsOf>): number => {
  const moduleDoc = docs[0]
  const firstCode = source.statements[0]?.getStart(source) ?? source.text.length
  const opensWithDoc = moduleDoc !== undefined && moduleDoc.pos < firstCode &&
    source.text.slice(0, moduleDoc.pos).replace(/^#!.*/, "").trim() === ""
  if (!opensWithDoc || tagText(moduleDoc.doc, "since") === undefined) {
    report(file, 1, "the module must open with a /** ... @since <version> */ block")
  }
  let count = 0
  const seenFunctions = new Set<string>()
  for (const statement of source.statements) {
    const exported = ts.isExportDeclaration(statement) || ts.isExportAssignment(statement) ||
      (ts.canHaveModifiers(statement) &&
        (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
    if (!exported) continue
    // Overloads: the first signature carries the documentation.
    if (ts.isFunctionDeclaration(statement) && statement.name !== undefined) {
      if (seenFunctions.has(statement.name.text)) continue
      seenFunctions.add(statement.name.text)
    }
    const start = statement.getStart(source)
    const line = source.getLineAndCharacterOfPosition(start).line + 1
    const what = source.text.slice(start).split("\n")[0]!.slice(0, 80)
    // The declaration's own JSDoc is the last one before it, if nothing but whitespace follows it;
    // the module's opening block does not count for the first statement.
    const own = docs.filter((d) => d.end <= start && source.text.slice(d.end, start).trim() === "").at(-1)
    const doc = own === undefined || (own === moduleDoc && statement === source.statements[0]) ? undefined : own.doc
    if (doc === undefined) {
      report(file, line, `export without JSDoc: ${what}`)
      continue
    }
    if (doc.tags.some((t) => t.name === "internal")) continue
    count++
    const since = tagText(doc, "since")
    if (since === undefined) report(file, line, `JSDoc without @since: ${what}`)
    else if (!versionPattern.test(since)) report(file, line, `@since must be a version (x.y.z), got "${since}"`)
    const reExport = ts.isExportDeclaration(statement)
    if (!reExport) {
      const category = tagText(doc, "category")
      if (category === undefined || category === "") report(file, line, `JSDoc without @category: ${what}`)
    }
  }
  return count
}

// =============================================================================
// Examples
// =============================================================================

interface Example {
  /** The virtual file name the example is compiled as. */
  readonly fileName: string
  readonly code: string
  /** The source file holding the example. */
  readonly origin: string
  /** The 1-based line in `origin` of each line of `code`. */
  readonly lines: ReadonlyArray<number>
  /** Whether unused locals are reported (a complete program, pasted as is). */
  readonly strict?: boolean
}

const collectExamples = (file: string, workspace: string, docs: ReturnType<typeof jsDocsOf>): Array<Example> => {
  const out: Array<Example> = []
  for (const { doc } of docs) {
    for (const tag of doc.tags) {
      if (tag.name !== "example") continue
      // The fence being read: TypeScript (collected) or another language (skipped).
      let fence: { readonly ts: boolean; readonly lines: Array<string>; readonly origins: Array<number> } | undefined
      let found = 0
      for (const { line, text } of tag.lines) {
        const marker = /^\s*```\s*(\S*)/.exec(text)
        if (marker === null) {
          if (fence?.ts === true) {
            fence.lines.push(text)
            fence.origins.push(line + 1)
          }
        } else if (fence === undefined) {
          fence = { ts: marker[1] === "ts" || marker[1] === "typescript", lines: [], origins: [] }
        } else {
          if (fence.ts) {
            found++
            const code = fence.lines.join("\n")
            // Each example is its own module; `assert` is there for examples that show results.
            const prelude = /\bassert\./.test(code) && !/\bimport\b.*\bassert\b/.test(code)
              ? "import * as assert from \"node:assert\"; "
              : ""
            out.push({
              fileName: path.join(root, workspace, ".examples", `${path.basename(file, ".ts")}.${line + 1}.ts`),
              code: `${prelude}${code}\nexport {}\n`,
              origin: file,
              lines: fence.origins
            })
          }
          fence = undefined
        }
      }
      const at = tag.lines[0]!.line + 1
      if (fence !== undefined) report(file, at, "@example with an unclosed ``` fence")
      else if (found === 0) report(file, at, "@example without a ```ts fence")
    }
  }
  return out
}

/** "declared but never read" and its variants: reported for strict examples only. */
const UNUSED = new Set([6133, 6138, 6192, 6196, 6198, 6199, 6205])

// =============================================================================
// Markdown
// =============================================================================

/** The Markdown docs whose examples and install lines are checked. */
const markdownFiles = (): Array<string> =>
  [
    path.join(root, "README.md"),
    ...packages.map((workspace) => path.join(root, workspace, "README.md")),
    ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join(root, "docs", f))
  ].filter((file) => fs.existsSync(file))

/** The ```ts fences of a Markdown file that import something: complete modules. */
const markdownExamples = (file: string): Array<Example> => {
  const out: Array<Example> = []
  const lines = fs.readFileSync(file, "utf8").split("\n")
  const strict = file === path.join(root, "README.md")
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++
    const code = lines.slice(start, end)
    if (code.some((line) => /^import\b/.test(line))) {
      const name = path.relative(root, file).replace(/[\\/]/g, "_")
      // Next to the file, so a package's README resolves that package's `effect` (packages/effect4: Effect 4); a
      // fence elsewhere (the root README's "Effect 4") that imports @effect-bedrock/effect4 goes next to it too.
      const dir = code.some((line) => /^import\b.*"@effect-bedrock\/effect4(\/[^"]*)?"/.test(line))
        ? path.join(root, "packages", "effect4")
        : path.dirname(file)
      out.push({
        fileName: path.join(dir, ".examples", `${name}.${start + 1}.ts`),
        code: `${code.join("\n")}\nexport {}\n`,
        origin: file,
        lines: code.map((_, k) => start + k + 1),
        strict
      })
    }
    i = end
  }
  return out
}

/** Packages whose `latest` tag is not for Effect 3: an install line must name their version. */
const needsVersion = (name: string): boolean =>
  name === "effect" || name === "vitest" || name.startsWith("@effect/") || name.startsWith("@opentelemetry/")

const checkInstallLines = (file: string) => {
  const lines = fs.readFileSync(file, "utf8").split("\n")
  lines.forEach((text, i) => {
    for (const [, args] of text.matchAll(/npm (?:install|i|add)\s+([^`\n;&|)]*)/g)) {
      for (const arg of args!.trim().split(/\s+/)) {
        if (arg.startsWith("-") || arg === "") continue
        const at = arg.indexOf("@", 1)
        const name = at === -1 ? arg : arg.slice(0, at)
        if (needsVersion(name) && at === -1) {
          report(file, i + 1, `npm install of ${name} without a version: its latest tag is Effect 4 (or for it)`)
        }
      }
    }
  })
}

const checkExamples = (examples: ReadonlyArray<Example>) => {
  if (examples.length === 0) return
  const base = ts.getParsedCommandLineOfConfigFile(
    path.join(root, "tsconfig.base.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} }
  )
  const paths: Record<string, Array<string>> = {}
  for (const workspace of packages) {
    const name: string = JSON.parse(fs.readFileSync(path.join(root, workspace, "package.json"), "utf8")).name
    const src = path.join(root, workspace, "src")
    paths[name] = [path.join(src, "index.ts")]
    // `./internal/*` is closed in the package's exports: an example must not reach it.
    paths[`${name}/internal/*`] = [path.join(src, "internal", "__not_exported__")]
    paths[`${name}/*`] = [path.join(src, "*.ts")]
  }
  const options: ts.CompilerOptions = {
    ...base?.options,
    // Reported for strict examples only: a reader copies a JSDoc example into a file of their own.
    noUnusedLocals: true,
    noUnusedParameters: false,
    noEmit: true,
    composite: false,
    incremental: false,
    declaration: false,
    declarationMap: false,
    sourceMap: false,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    paths
  }
  delete options.tsBuildInfoFile
  delete options.configFilePath
  const virtual = new Map(examples.map((e) => [e.fileName, e]))
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const example = virtual.get(path.resolve(fileName))
    return example === undefined
      ? getSourceFile.call(host, fileName, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(fileName, example.code, languageVersion)
  }
  const fileExists = host.fileExists
  host.fileExists = (fileName) => virtual.has(path.resolve(fileName)) || fileExists.call(host, fileName)
  const readFile = host.readFile
  host.readFile = (fileName) => virtual.get(path.resolve(fileName))?.code ?? readFile.call(host, fileName)

  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host })
  const global = program.getOptionsDiagnostics().concat(program.getGlobalDiagnostics())
  for (const d of global) {
    report(path.join(root, "tsconfig.base.json"), 1, ts.flattenDiagnosticMessageText(d.messageText, "\n"))
  }
  for (const example of examples) {
    const source = program.getSourceFile(example.fileName)!
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
      .filter((d) => example.strict === true || !UNUSED.has(d.code))
    for (const d of diagnostics) {
      const at = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line
      const line = example.lines[Math.min(at, example.lines.length - 1)] ?? 1
      report(example.origin, line, `@example: TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`)
    }
  }
}

// =============================================================================
// Main
// =============================================================================

let exportCount = 0
const examples: Array<Example> = []
for (const workspace of packages) {
  const src = path.join(root, workspace, "src")
  for (const file of listTs(src)) {
    const text = fs.readFileSync(file, "utf8")
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    const docs = jsDocsOf(source)
    if (!path.relative(src, file).startsWith(`internal${path.sep}`)) exportCount += checkExports(file, source, docs)
    for (const example of collectExamples(file, workspace, docs)) examples.push(example)
  }
}
let markdownCount = 0
for (const file of markdownFiles()) {
  checkInstallLines(file)
  for (const example of markdownExamples(file)) {
    examples.push(example)
    markdownCount++
  }
}
checkExamples(examples)

const seconds = ((performance.now() - started) / 1000).toFixed(1)
if (problems.length > 0) {
  for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`)
  console.error(`check-docs: ${problems.length} problem(s)`)
  process.exit(1)
}
console.log(
  `check-docs: ${exportCount} public exports have @since and @category; ${examples.length} examples type-check ` +
    `(${markdownCount} of them in Markdown); install lines name their versions (${seconds} s)`
)
