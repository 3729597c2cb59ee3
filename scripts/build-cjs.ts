/**
 * The CommonJS half of a package, for `require` and `module: node16` CommonJS consumers (the
 * packages are ESM first: `dist/` is what `tsc -b` emits). Run after `tsc -b`, from a package's
 * `prepack` (`tsx ../../scripts/build-cjs.ts .`) or with package directories as arguments:
 *
 * - `dist/cjs/**\/*.js`: every `src/` module transpiled to CommonJS with the TypeScript compiler
 *   (`transpileModule`: one file at a time, which `isolatedModules` makes safe; the types were
 *   checked by `tsc -b`), with source maps pointing at `src/`;
 * - `dist/cjs/**\/*.d.ts`: the declarations `tsc -b` emitted, copied, so TypeScript reads them as
 *   CommonJS;
 * - `dist/cjs/package.json`: `{ "type": "commonjs" }`, which makes Node and TypeScript treat the
 *   directory as CommonJS inside a `"type": "module"` package.
 *
 * The package's own `bin.ts` stays ESM only. The entry points in `src/internal/entry/` (`index.ts`, and
 * `testing.ts` in core), which check the Effect line and then load the implementation with a top-level `await
 * import()`, get a generated CommonJS twin instead: check (`./effectLine.js`), then `require` the implementation.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const compilerOptions: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  sourceMap: true,
  verbatimModuleSyntax: false,
  isolatedModules: true
}

const walk = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]
  )

/** Builds `<pkg>/dist/cjs`; returns the number of modules. */
export const build = (pkg: string): number => {
  const src = path.join(pkg, "src")
  const dist = path.join(pkg, "dist")
  const out = path.join(dist, "cjs")
  if (!fs.existsSync(path.join(dist, "index.d.ts"))) {
    throw new Error(`${dist}/index.d.ts is missing: run tsc -b first`)
  }
  fs.rmSync(out, { recursive: true, force: true })
  let count = 0
  for (const file of walk(src)) {
    const relative = path.relative(src, file)
    if (!relative.endsWith(".ts") || relative.endsWith(".d.ts") || relative === "bin.ts") continue
    const target = path.join(out, relative.replace(/\.ts$/, ".js"))
    fs.mkdirSync(path.dirname(target), { recursive: true })
    const entry = /^internal[/\\]entry[/\\](\w+)\.ts$/.exec(relative)?.[1]
    if (entry !== undefined && entry !== "effectLine") {
      fs.writeFileSync(
        target,
        `"use strict";\nrequire("./effectLine.js").check(__filename);\nmodule.exports = require("../../${entry}.js");\n`
      )
      const declaration = path.join(dist, relative.replace(/\.ts$/, ".d.ts"))
      fs.copyFileSync(declaration, path.join(out, relative.replace(/\.ts$/, ".d.ts")))
      count++
      continue
    }
    const result = ts.transpileModule(fs.readFileSync(file, "utf8"), {
      compilerOptions,
      fileName: file,
      reportDiagnostics: true
    })
    if (result.diagnostics !== undefined && result.diagnostics.length > 0) {
      throw new Error(`${file}: ${ts.flattenDiagnosticMessageText(result.diagnostics[0]!.messageText, "\n")}`)
    }
    const map = `${path.basename(target)}.map`
    fs.writeFileSync(target, result.outputText.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${map}`))
    const sourceMap = JSON.parse(result.sourceMapText!)
    const source = path.relative(path.dirname(target), file).split(path.sep).join("/")
    fs.writeFileSync(`${target}.map`, JSON.stringify({ ...sourceMap, file: path.basename(target), sources: [source] }))
    const declaration = path.join(dist, relative.replace(/\.ts$/, ".d.ts"))
    fs.copyFileSync(declaration, path.join(out, relative.replace(/\.ts$/, ".d.ts")))
    count++
  }
  fs.writeFileSync(path.join(out, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n")
  return count
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const pkg of process.argv.slice(2)) {
    const count = build(pkg)
    process.stderr.write(`build-cjs: ${count} modules -> ${path.join(pkg, "dist/cjs")}\n`)
  }
}
