/**
 * The wrong Effect line fails at import with a message that names the right package and the install line
 * (issue 22): apps outside the repository (under the OS temp dir), offline, with copies of the built packages
 * and the `effect` of the other line, load each published entry point in ESM (`import()`) and CommonJS
 * (`require()`) in a process of their own.
 *
 * Needs the packages' `dist/` (`npx tsc -b tsconfig.json`, which `npm test` runs first); the CommonJS half is
 * built into the copies (`scripts/build-cjs.ts`), never into the repository.
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile, execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, beforeAll } from "vitest"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"))
const packages = ["converse", "core", "ai", "local", "effect4"] as const
const manifest = (name: string) => readJson(path.join(root, "packages", name, "package.json"))
/** The `effect` range a package installs with (local's peer also admits Effect 4 apps, for its plain server). */
const peer = (name: string): string => manifest(name).peerDependencies.effect.split(" || ")[0]
const effect3 = path.join(root, "node_modules", "effect")
const effect4 = path.join(root, "packages", "effect4", "node_modules", "effect")
const version3: string = readJson(path.join(effect3, "package.json")).version
const version4: string = readJson(path.join(effect4, "package.json")).version

/** Each guarded entry: its specifier, the package folder and the implementation file it loads. */
const entries = [
  { specifier: "@effect-bedrock/core", pkg: "core", implementation: "index", line: 3 },
  { specifier: "@effect-bedrock/core/testing", pkg: "core", implementation: "testing", line: 3 },
  { specifier: "@effect-bedrock/ai", pkg: "ai", implementation: "index", line: 3 },
  { specifier: "@effect-bedrock/local", pkg: "local", implementation: "index", line: 3 },
  { specifier: "@effect-bedrock/effect4", pkg: "effect4", implementation: "index", line: 4 },
  { specifier: "@effect-bedrock/effect4/testing", pkg: "effect4", implementation: "testing", line: 4 }
] as const

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `node <args>` in `cwd`, killed after 30 s. */
const node = (cwd: string, args: ReadonlyArray<string>): Promise<Run> =>
  new Promise((resolve) =>
    execFile(
      process.execPath,
      args,
      { cwd, timeout: 30_000, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr })
    )
  )

let tmp = ""
/** The app per `effect` line: our five packages copied, `effect` of that line and the rest linked. */
const apps = { 3: "", 4: "" }

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "effect-bedrock-line-"))
  // The built packages as npm would unpack them (package.json, README, dist, src), without the repository's
  // node_modules (packages/effect4 has its own effect 4 there), and with their CommonJS half built in the copy.
  const staged = path.join(tmp, "packages")
  for (const name of packages) {
    const from = path.join(root, "packages", name)
    if (!fs.existsSync(path.join(from, "dist", "index.js"))) throw new Error(`${from}/dist: run npx tsc -b first`)
    for (const part of ["package.json", "README.md", "dist", "src"]) {
      fs.cpSync(path.join(from, part), path.join(staged, name, part), {
        recursive: true,
        filter: (file) => !file.startsWith(path.join(from, "dist", "cjs"))
      })
    }
  }
  execFileSync(
    path.join(root, "node_modules", ".bin", "tsx"),
    [path.join(root, "scripts", "build-cjs.ts"), ...packages.map((name) => path.join(staged, name))],
    { cwd: root, timeout: 60_000, stdio: "ignore" }
  )
  for (const [line, effect] of [[3, effect3], [4, effect4]] as const) {
    const app = path.join(tmp, `app-effect${line}`)
    const modules = path.join(app, "node_modules")
    fs.mkdirSync(path.join(modules, "@effect-bedrock"), { recursive: true })
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: `app-effect${line}`, private: true }))
    for (const name of packages) {
      fs.cpSync(path.join(staged, name), path.join(modules, "@effect-bedrock", name), { recursive: true })
    }
    fs.symlinkSync(effect, path.join(modules, "effect"), "dir")
    // Everything else our packages import (the AWS SDK, @effect/ai, ...): the repository's installed copies.
    for (const entry of fs.readdirSync(path.join(root, "node_modules"))) {
      if (entry === "effect" || entry === "@effect-bedrock" || entry.startsWith(".")) continue
      fs.symlinkSync(path.join(root, "node_modules", entry), path.join(modules, entry), "dir")
    }
    apps[line] = app
  }
}, 120_000)

afterAll(() => {
  if (tmp !== "") fs.rmSync(tmp, { recursive: true, force: true })
})

/** What the message must say for a package of `line` in an app of the other line. */
const expected = (entry: (typeof entries)[number]) => {
  const other = entry.line === 3 ? version4 : version3
  const name = `@effect-bedrock/${entry.pkg}`
  return [
    `${name} is for Effect ${entry.line}, but this app has effect ${other}.`,
    entry.line === 3
      ? `npm install @effect-bedrock/effect4 effect@${peer("effect4")}`
      : `npm install @effect-bedrock/core effect@${peer("core")}`,
    `npm install effect@${peer(entry.pkg)}`
  ]
}

const esm = (specifier: string) => ["--input-type=module", "-e", `await import(${JSON.stringify(specifier)})`]
const cjs = (specifier: string) => ["-e", `require(${JSON.stringify(specifier)})`]

describe("the Effect line of an app", () => {
  it(
    "Effect 3 packages in an Effect 4 app, and the reverse, fail at import with the package and the install line",
    async () => {
      const wrong = entries.flatMap((entry) =>
        [["import()", esm], ["require()", cjs]].map(([how, args]) => ({ entry, how, args })) as Array<
          { entry: (typeof entries)[number]; how: string; args: typeof esm }
        >
      )
      const runs = await Promise.all(
        wrong.map(({ args, entry }) => node(apps[entry.line === 3 ? 4 : 3], args(entry.specifier)))
      )
      wrong.forEach(({ entry, how }, i) => {
        const run = runs[i]!
        const what = `${how} of ${entry.specifier} with effect ${entry.line === 3 ? version4 : version3}`
        assert.notStrictEqual(run.code, 0, what)
        for (const text of expected(entry)) assert.include(run.stderr, text, what)
        // The check runs before anything of the implementation loads.
        assert.notInclude(run.stderr, "Cannot find module", what)
      })
    },
    120_000
  )

  it("the right line loads every entry, with the implementation's exports", async () => {
    const program = (kind: "esm" | "cjs") =>
      entries.map((entry) => {
        const file = path.join(
          apps[entry.line],
          "node_modules/@effect-bedrock",
          entry.pkg,
          kind === "esm" ? "dist" : "dist/cjs",
          `${entry.implementation}.js`
        )
        const load = (what: string) =>
          kind === "esm" ? `await import(${JSON.stringify(what)})` : `require(${JSON.stringify(what)})`
        return `{ const a = Object.keys(${load(entry.specifier)}).sort(), b = Object.keys(${load(file)}).sort();` +
          ` if (a.length === 0 || a.join() !== b.join()) throw new Error(${
            JSON.stringify(entry.specifier)
          } + ": " + a + " / " + b) }`
      })
    const runs = await Promise.all(([3, 4] as const).flatMap((line) =>
      (["esm", "cjs"] as const).map(async (kind) => {
        const body = program(kind).filter((_, i) => entries[i]!.line === line).join("\n")
        const args = kind === "esm"
          ? ["--input-type=module", "-e", body]
          : ["-e", `(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exit(1) })`]
        return { what: `${kind} with effect ${line}`, run: await node(apps[line], args) }
      })
    ))
    for (const { run, what } of runs) assert.strictEqual(run.code, 0, `${what}: ${run.stderr}`)
  }, 120_000)

  it("the local server alone, which local's message offers Effect 4 apps, loads without Effect 3", async () => {
    const program = `const LocalBedrockServer = await import("@effect-bedrock/local/LocalBedrockServer")
      const server = await LocalBedrockServer.start({ port: 0 })
      await server.close()
      console.log(server.endpoint)`
    const run = await node(apps[4], ["--input-type=module", "-e", program])
    assert.strictEqual(run.code, 0, run.stderr)
    assert.match(run.stdout, /^http:\/\/127\.0\.0\.1:\d+/)
  }, 60_000)

  it("each package's check is the engine's one check, with its own package name, line and range", () => {
    for (const name of ["core", "ai", "local", "effect4"]) {
      const text = fs.readFileSync(path.join(root, "packages", name, "src/internal/entry/effectLine.ts"), "utf8")
      assert.include(text, `const NAME = "@effect-bedrock/${name}"`)
      assert.include(text, `const MAJOR = ${name === "effect4" ? 4 : 3}`)
      // local's peer range takes Effect 4 apps too (its server is plain Node); its Layer is for Effect 3.
      assert.include(text, `const RANGE = "${peer(name)}"`)
      // No copy of the check: the engine's, which loads nothing of Effect before it has run.
      assert.include(text, `import { checkEffectLine } from "@effect-bedrock/converse/runtime/effectLine"`)
      assert.notInclude(text, "version")
      for (const entry of fs.readdirSync(path.join(root, "packages", name, "src/internal/entry"))) {
        const source = fs.readFileSync(path.join(root, "packages", name, "src/internal/entry", entry), "utf8")
        assert.notMatch(source, /from "effect[/"]/, `${name}/${entry}`)
      }
    }
    const engine = fs.readFileSync(path.join(root, "packages/converse/src/runtime/effectLine.ts"), "utf8")
    assert.deepStrictEqual([...engine.matchAll(/^import .* from "(.*)"$/gm)].map((m) => m[1]), ["node:module"])
  })
})
