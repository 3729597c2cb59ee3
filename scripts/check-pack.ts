/**
 * `npm run check:pack` (part of `npm test`): the packages as a new user meets them, outside this
 * repository.
 *
 * 1. Builds (`tsc -b`, then the CommonJS half: `build-cjs.ts`) and packs every workspace package
 *    with `npm pack`; checks each tarball's file list (every `main` / `types` / `exports` /
 *    `typesVersions` / `bin` target of every public module is there, nothing from tests or builds)
 *    and its manifest (peers, the range of our own dependencies, README, repository, keywords).
 * 2. Creates an app under the OS temp dir (a TypeScript project: `typescript` and `@types/node`
 *    at this repository's versions) and runs the `npm install` lines of the README's Install
 *    section verbatim, with our packages replaced by their tarballs. The app's `.npmrc` points the
 *    `@effect-bedrock` scope at an unreachable registry, so any network access for our own
 *    packages fails the check. Fails on install warnings our packages cause, on `npm ls` problems
 *    (missing or invalid peers), and if `@effect/platform` or `msgpackr-extract` got installed.
 *    Then the README's other install lines (`@effect/ai`, telemetry), also verbatim: no ERESOLVE, no
 *    peer problem.
 * 3. Type-checks `scripts/pack-app/` and the README's test example under strict settings with `NodeNext` (ESM and a `.cts`
 *    CommonJS file), `Bundler` and `Node10` resolution, and every README program (a ```ts fence
 *    that runs itself: the quick start, `@effect/ai`, telemetry) pasted as is, with `NodeNext` and
 *    `noUnusedLocals`.
 * 2b. The Effect 4 line in an app of its own: the README's "Effect 4" install line (the same as
 *    packages/effect4/README.md's), its program and a program on `@effect-bedrock/effect4/testing`'s stub,
 *    type-checked with `NodeNext` and `Bundler` and run against the same local Bedrock (on the machine's node,
 *    and on Node 22 when the machine's is older: Effect 4 states 22.19 as its minimum).
 * 4. Starts `npx @effect-bedrock/local --json --port 0`, runs the ESM program, the CommonJS program,
 *    the README's test example (vitest) and the README programs against the environment it printed
 *    (each program's output must show what it is about: the answer, the cost, the spans), then stops
 *    it with SIGTERM and expects exit code 0.
 *
 * `--keep` keeps the app directory. Uses the npm cache (`--prefer-offline`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { builtinModules } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { build as buildCjs } from "./build-cjs.js"

/** The repository: the nearest directory above `dir` whose package.json has workspaces (this file
 * runs from `scripts/` with tsx, and from `build/scripts/` compiled). */
const findRoot = (dir: string): string => {
  for (let at = dir; path.dirname(at) !== at; at = path.dirname(at)) {
    const manifest = path.join(at, "package.json")
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).workspaces !== undefined) return at
  }
  throw new Error(`no workspace root above ${dir}`)
}
const root = findRoot(path.dirname(fileURLToPath(import.meta.url)))
const started = Date.now()
const keep = process.argv.includes("--keep")
const problems: Array<string> = []
const log = (line: string) => process.stdout.write(`check-pack: ${line}\n`)
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

const run = (command: string, args: ReadonlyArray<string>, cwd: string, env?: NodeJS.ProcessEnv): Run => {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024
  })
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? String(result.error ?? "") }
}

const runAsync = (command: string, args: ReadonlyArray<string>, cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (chunk) => (stdout += chunk))
    child.stderr!.on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000)
    child.once("close", (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
  })

const must = (what: string, result: Run): Run => {
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
  return result
}

const readJson = (file: string): any => JSON.parse(fs.readFileSync(file, "utf8"))
const walk = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]
  )
const versionOf = (name: string): string => readJson(path.join(root, "node_modules", name, "package.json")).version

// =============================================================================
// 1. Build and pack
// =============================================================================

const workspaces: ReadonlyArray<string> = readJson(path.join(root, "package.json")).workspaces
const manifests = new Map(workspaces.map((dir) => [dir, readJson(path.join(root, dir, "package.json"))]))
const ours = new Set([...manifests.values()].map((m) => m.name as string))
/** Our packages with no Effect in them (the engine): `effect` is not their peer, and must not be a dependency. */
const effectFree = new Set(["@effect-bedrock/converse"])
const isEffect = (name: string) => name === "effect" || name.startsWith("@effect/")

must(
  "tsc -b",
  run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-b", "tsconfig.build.json"], root)
)
for (const dir of workspaces) buildCjs(path.join(root, dir))

const app = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "effect-bedrock-pack-"))
if (!path.relative(root, app).startsWith("..")) throw new Error(`${app} is inside the repository`)
const tarballs = path.join(app, "tarballs")
fs.mkdirSync(tarballs)
const packed = must(
  "npm pack",
  run("npm", [
    "pack",
    "--ignore-scripts",
    "--json",
    "--pack-destination",
    tarballs,
    ...workspaces.flatMap((w) => ["-w", w])
  ], root)
)
for (const line of packed.stderr.split("\n")) if (/npm warn/i.test(line)) problems.push(`npm pack: ${line}`)
const packs: Array<{ name: string; filename: string; files: Array<{ path: string }> }> = JSON.parse(packed.stdout)
const tarballOf = new Map(packs.map((p) => [p.name, path.join(tarballs, p.filename)]))

/** Every file a manifest promises, for every public module (`src/*.ts`, not `bin.ts`). */
const promised = (dir: string, manifest: any): Array<string> => {
  const modules = fs.readdirSync(path.join(root, dir, "src"))
    .filter((f) => f.endsWith(".ts") && f !== "bin.ts")
    .map((f) => f.replace(/\.ts$/, ""))
  const targets: Array<string> = [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin ?? {})]
  const walk = (value: unknown): void => {
    if (typeof value === "string") targets.push(value)
    else if (value !== null && typeof value === "object") Object.values(value).forEach(walk)
  }
  walk(manifest.exports)
  walk(manifest.typesVersions)
  // typesVersions' `"dist/*": ["./dist/*"]` only keeps `types` (read by Node10) from being remapped.
  return targets.filter((target) => target !== "./dist/*").flatMap((target) =>
    target.includes("*") ? modules.map((m) => target.replace("*", m)) : [target]
  ).map((target) => path.posix.normalize(target))
}

for (const [dir, manifest] of manifests) {
  const pack = packs.find((p) => p.name === manifest.name)
  if (pack === undefined) {
    problems.push(`${manifest.name}: not packed`)
    continue
  }
  const files = new Set(pack.files.map((f) => f.path))
  const required = [...promised(dir, manifest), "package.json", "README.md", "dist/cjs/package.json"]
  for (const file of new Set(required)) {
    if (!files.has(file)) problems.push(`${manifest.name}: ${file} is not in the tarball`)
  }
  for (const file of files) {
    if (/(^|\/)(test|build|node_modules)\/|tsbuildinfo|tsconfig|vitest/.test(file)) {
      problems.push(`${manifest.name}: ${file} should not be in the tarball`)
    }
    // tsc -b never deletes the output of a removed module: a stale file would ship.
    const source = /^dist\/(?:cjs\/)?(.+)\.(?:js|d\.ts)$/.exec(file)?.[1]
    if (source !== undefined && !files.has(`src/${source}.ts`)) problems.push(`${manifest.name}: ${file} has no source`)
  }
  for (const field of ["repository", "keywords", "license", "description", "engines"]) {
    if (manifest[field] === undefined) problems.push(`${manifest.name}: no "${field}" in package.json`)
  }
  for (const [name, range] of Object.entries<string>(manifest.dependencies ?? {})) {
    if (ours.has(name) && !/^\^\d+\.\d+\.\d+$/.test(range)) {
      problems.push(`${manifest.name}: depends on ${name}@"${range}"`)
    }
  }
  const peers = Object.keys(manifest.peerDependencies ?? {})
  if (effectFree.has(manifest.name)) {
    // The engine is plain TypeScript: no Effect line may come with it, as a dependency or a peer.
    const effects = [...Object.keys(manifest.dependencies ?? {}), ...peers].filter(isEffect)
    for (const name of effects) problems.push(`${manifest.name}: depends on ${name}, but it has no Effect in it`)
    continue
  }
  if (!peers.includes("effect")) problems.push(`${manifest.name}: effect is not a peer dependency`)
  // The @effect/ai provider needs @effect/ai (which needs @effect/platform) and our core: those
  // are the point of installing it. Every other peer of ours must be optional.
  const requiredPeers = manifest.name === "@effect-bedrock/ai"
    ? ["@effect-bedrock/core", "@effect/ai", "@effect/platform"]
    : []
  for (const peer of peers.filter((p) => p !== "effect" && !requiredPeers.includes(p))) {
    if (manifest.peerDependenciesMeta?.[peer]?.optional !== true) {
      problems.push(`${manifest.name}: ${peer} is a required peer dependency`)
    }
  }
}
log(`packed ${packs.map((p) => `${p.filename} (${p.files.length} files)`).join(", ")} in ${elapsed()}`)

// =============================================================================
// 2. Install as the README says
// =============================================================================

const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
const section = /^## Install\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? ""
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? ""
const installs = block.split("\n").map((l) => l.replace(/#.*$/, "").trim()).filter((l) => l.startsWith("npm install "))
if (installs.length === 0) throw new Error("README.md: no npm install lines in the Install section")

fs.writeFileSync(
  path.join(app, "package.json"),
  JSON.stringify(
    {
      name: "effect-bedrock-first-contact",
      private: true,
      type: "module",
      devDependencies: { typescript: versionOf("typescript"), "@types/node": versionOf("@types/node") }
    },
    null,
    2
  )
)
// Our packages come from the tarballs only: the scope's registry does not exist.
fs.writeFileSync(path.join(app, ".npmrc"), "@effect-bedrock:registry=http://127.0.0.1:9/\nfund=false\naudit=false\n")
for (const file of fs.readdirSync(path.join(root, "scripts/pack-app"))) {
  fs.copyFileSync(path.join(root, "scripts/pack-app", file), path.join(app, file))
}
// The README's test example, as it is written there.
const testing = /^##+ Testing your application\n[\s\S]*?```ts\n([\s\S]*?)```/m.exec(readme)?.[1]
if (testing === undefined) throw new Error("README.md: no ts example under Testing your application")
fs.writeFileSync(path.join(app, "app.test.ts"), testing)

/** A README program: a ```ts fence that runs itself, and what its output must show against the local Bedrock. */
interface ReadmeProgram {
  readonly file: string
  readonly line: number
  readonly expect: ReadonlyArray<RegExp>
}

// What each kind of program prints against the local Bedrock's default model (deterministic).
const expectations: ReadonlyArray<readonly [RegExp, ReadonlyArray<RegExp>]> = [
  [/NodeSdk\.layer/, [/You said: /, /effect_bedrock\.cost\.total/, /cloud\.region/, /server\.port/]],
  [/Toolkit\.generate/, [/Based on get_weather: city Porto/]],
  [/generateObject/, [/Portugal/, /500000/]],
  [/LanguageModel\.stream\(/, [
    /You said: Name three Portuguese cities\./,
    /cost: \d/,
    /You said: Tell me a short story\./
  ]],
  [/generateText/, [/You said: Name three Portuguese cities\./]]
]

const readmePrograms: Array<ReadmeProgram> = []
/** The README's programs on `@effect-bedrock/effect4`: checked and run in the Effect 4 app (2b). */
const effect4Programs: Array<{ readonly file: string; readonly line: number; readonly code: string }> = []
const importsEffect4 = (code: string) => /^import\b.*"@effect-bedrock\/effect4(\/[^"]*)?"/m.test(code)
for (const match of readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)) {
  const code = match[1]!
  if (!/^Effect\.runPromise\(/m.test(code)) continue
  const line = readme.slice(0, match.index).split("\n").length + 1
  if (importsEffect4(code)) {
    effect4Programs.push({ file: `readme-${line}.ts`, line, code })
    continue
  }
  const file = `readme-${line}.ts`
  fs.writeFileSync(path.join(app, file), code)
  readmePrograms.push({ file, line, expect: expectations.find(([marker]) => marker.test(code))?.[1] ?? [] })
}
if (!readmePrograms.some((p) => p.expect.length > 0)) throw new Error("README.md: no quick start program found")
fs.writeFileSync(
  path.join(app, "tsconfig.readme.json"),
  JSON.stringify({ extends: "./tsconfig.nodenext.json", files: readmePrograms.map((p) => p.file) }, null, 2)
)

/** Our package `name` and the packages of ours it depends on (core brings the engine), each once. */
const withOurDependencies = (name: string, into: Set<string> = new Set()): Set<string> => {
  if (into.has(name)) return into
  into.add(name)
  const manifest = [...manifests.values()].find((m) => m.name === name)
  for (const dependency of Object.keys(manifest?.dependencies ?? {})) {
    if (ours.has(dependency)) withOurDependencies(dependency, into)
  }
  return into
}

/** Our packages an install line has passed so far. */
const passed = new Set<string>()

/** An install line's arguments, our packages replaced by their tarballs. The scope's registry does not
 * exist, so a package of ours that another one depends on (the engine, under core) is passed as a tarball
 * too, the first time it is needed: npm then finds the dependency among the packages being installed, and
 * a later line finds it installed. */
const installArgs = (line: string): Array<string> =>
  line.split(/\s+/).slice(1).flatMap((arg) => {
    const name = arg.replace(/(.)@[^/]*$/, "$1")
    if (!ours.has(name)) return [arg]
    const names = [...withOurDependencies(name)].filter((n) => n === name || !passed.has(n))
    for (const n of names) passed.add(n)
    return names.map((n) => tarballOf.get(n) ?? n)
  })

let installOutput = ""
for (const line of installs) {
  const result = must(line, run("npm", [...installArgs(line), "--prefer-offline", "--no-audit", "--no-fund"], app))
  installOutput += result.stdout + result.stderr
}
log(`installed (${installs.length} README lines) in ${elapsed()}`)

/** Our packages and everything they bring in (dependencies, required peers), as installed. */
const closure = (): Set<string> => {
  const seen = new Set<string>()
  const visit = (name: string, from: string) => {
    let dir = from
    let pkg: string | undefined
    for (;;) {
      const candidate = path.join(dir, "node_modules", name)
      if (fs.existsSync(path.join(candidate, "package.json"))) {
        pkg = candidate
        break
      }
      if (dir === app) break
      dir = path.dirname(dir)
    }
    if (pkg === undefined || seen.has(pkg)) return
    seen.add(pkg)
    const manifest = readJson(path.join(pkg, "package.json"))
    const required = Object.keys(manifest.peerDependencies ?? {}).filter((p) =>
      manifest.peerDependenciesMeta?.[p]?.optional !== true
    )
    for (const dep of [...Object.keys(manifest.dependencies ?? {}), ...required]) visit(dep, pkg)
  }
  for (const name of ours) visit(name, app)
  return new Set([...seen].map((dir) => readJson(path.join(dir, "package.json")).name as string))
}
const brought = closure()
const others: Array<string> = []
for (const line of installOutput.split("\n").filter((l) => /^npm warn/i.test(l))) {
  const names = line.match(/(@[\w.-]+\/)?[\w.-]+(?=@\d)/g) ?? []
  if (/ERESOLVE|peer/i.test(line) || names.some((n) => brought.has(n)) || /@effect-bedrock/.test(line)) {
    problems.push(`install: ${line}`)
  } else if (names.length > 0) {
    for (const name of names) others.push(name)
  }
}
log(`${brought.size} packages come with ours; npm warned about ${others.length} others: ${others.join(", ") || "none"}`)
const ls = run("npm", ["ls", "--all", "--json"], app)
const lsProblems: Array<string> = ls.stdout.length > 0 ? JSON.parse(ls.stdout).problems ?? [] : [ls.stderr]
for (const problem of lsProblems) problems.push(`npm ls: ${problem}`)
for (const unwanted of ["@effect/platform", "msgpackr-extract"]) {
  if (fs.existsSync(path.join(app, "node_modules", unwanted))) problems.push(`install: ${unwanted} was installed`)
}

// The README's other install lines (`@effect/ai`, telemetry), verbatim: the Effect 3 versions they
// name must install beside the first lines without a conflict.
const otherInstalls = [...readme.replace(section, "").matchAll(/^```sh\n([\s\S]*?)^```/gm)]
  .flatMap((m) => m[1]!.split("\n"))
  .map((l) => l.replace(/#.*$/, "").trim())
  // The Effect 4 line goes to an app of its own (2b): installed here it would replace the app's Effect 3.
  .filter((l) => l.startsWith("npm install ") && !l.includes("@effect-bedrock/effect4"))
for (const line of otherInstalls) {
  const result = run("npm", [...installArgs(line), "--prefer-offline", "--no-audit", "--no-fund"], app)
  if (result.status !== 0) {
    problems.push(`${line} failed (${result.status}):\n${result.stdout}\n${result.stderr}`)
    continue
  }
  for (const warning of (result.stdout + result.stderr).split("\n").filter((l) => /^npm warn/i.test(l))) {
    if (/ERESOLVE|peer/i.test(warning)) problems.push(`${line}: ${warning}`)
  }
}
log(`installed the README's other lines (${otherInstalls.length}) in ${elapsed()}`)
if (otherInstalls.length > 0) {
  const after = run("npm", ["ls", "--all", "--json"], app)
  const afterProblems: Array<string> = after.stdout.length > 0
    ? JSON.parse(after.stdout).problems ?? []
    : [after.stderr]
  for (const problem of afterProblems) problems.push(`npm ls (after the README's other lines): ${problem}`)
}

// =============================================================================
// 2b. The Effect 4 app: the README's "Effect 4" section
// =============================================================================

const effect4Section = /^## Effect 4\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? ""
const effect4Installs = (/```sh\n([\s\S]*?)```/.exec(effect4Section)?.[1] ?? "").split("\n")
  .map((l) => l.replace(/#.*$/, "").trim()).filter((l) => l.startsWith("npm install "))
const effect4Readme = fs.readFileSync(path.join(root, "packages/effect4/README.md"), "utf8")
const effect4ReadmeInstall = (/```sh\n([\s\S]*?)```/.exec(effect4Readme)?.[1] ?? "").trim()
if (effect4Installs.length !== 1 || effect4Programs.length === 0) {
  throw new Error("README.md: the Effect 4 section needs one npm install line and a program")
}
if (effect4Installs[0] !== effect4ReadmeInstall) {
  problems.push(`README.md's Effect 4 install line "${effect4Installs[0]}" is not packages/effect4/README.md's`)
}
const app4 = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), "effect-bedrock-pack4-"))
fs.writeFileSync(
  path.join(app4, "package.json"),
  JSON.stringify(
    {
      name: "effect-bedrock-effect4-first-contact",
      private: true,
      type: "module",
      devDependencies: { typescript: versionOf("typescript"), "@types/node": versionOf("@types/node") }
    },
    null,
    2
  )
)
// effect4's optional peer `@effect-bedrock/local` (for `./testing`'s LocalBedrock) is looked up though not installed:
// on the scope's missing registry one refused attempt, not npm's retries with back-off (about 70 s).
fs.writeFileSync(path.join(app4, ".npmrc"), `${fs.readFileSync(path.join(app, ".npmrc"), "utf8")}fetch-retries=0\n`)
// A test of an app's code on the stub of `./testing`, under the real BedrockLanguageModel: no network.
const stubProgram = `import { BedrockLanguageModel } from "@effect-bedrock/effect4"
import { BedrockClientStub } from "@effect-bedrock/effect4/testing"
import { Console, Effect, Layer } from "effect"
import { LanguageModel } from "effect/ai"

const answer = {
  output: { message: { role: "assistant" as const, content: [{ text: "stubbed answer" }] } },
  stopReason: "end_turn" as const,
  usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 },
  metrics: { latencyMs: 1 },
  $metadata: {}
}
const Stubbed = BedrockLanguageModel.layer({ model: "us.amazon.nova-micro-v1:0" }).pipe(
  Layer.provideMerge(BedrockClientStub.layer({ converse: [answer] }))
)
const program = Effect.gen(function*() {
  const response = yield* LanguageModel.generateText({ prompt: "Hi" })
  const calls = yield* (yield* BedrockClientStub.BedrockClientStub).requests
  yield* Console.log(\`\${response.text} after \${calls.length} \${calls[0]?.operation} call\`)
})

Effect.runPromise(program.pipe(Effect.provide(Stubbed)))
`
// The local Bedrock as an Effect 4 Layer (`./testing`), its server from `@effect-bedrock/local` installed beside.
const localProgram = `import { BedrockLanguageModel } from "@effect-bedrock/effect4"
import { LocalBedrock } from "@effect-bedrock/effect4/testing"
import { Console, Effect, Layer } from "effect"
import { LanguageModel } from "effect/ai"

const Local = BedrockLanguageModel.layer({ model: "us.amazon.nova-micro-v1:0" }).pipe(
  Layer.provideMerge(LocalBedrock.layerWithClient())
)
const program = Effect.gen(function*() {
  const response = yield* LanguageModel.generateText({ prompt: "Hi" })
  const requests = yield* (yield* LocalBedrock.LocalBedrock).requests
  yield* Console.log(\`\${response.text} (\${requests.length} request)\`)
})

Effect.runPromise(program.pipe(Effect.provide(Local)))
`
const effect4Files = [
  ...effect4Programs.map((p) => ({
    file: p.file,
    what: `README.md:${p.line} (Effect 4)`,
    code: p.code,
    expect: [/You said: Name three Portuguese cities\./, /You said: Tell me a short story\./]
  })),
  {
    file: "stub.ts",
    what: "the ./testing stub program (Effect 4)",
    code: stubProgram,
    expect: [/^stubbed answer after 1 converse call$/m]
  },
  {
    file: "local.ts",
    what: "the ./testing LocalBedrock program (Effect 4, @effect-bedrock/local installed)",
    code: localProgram,
    expect: [/^You said: Hi \(1 request\)$/m]
  }
]
for (const { code, file } of effect4Files) fs.writeFileSync(path.join(app4, file), code)
const strictOptions = {
  target: "ES2022",
  lib: ["ES2022"],
  types: ["node"],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  noUnusedLocals: true,
  skipLibCheck: true
}
const files4 = effect4Files.map((f) => f.file)
fs.writeFileSync(
  path.join(app4, "tsconfig.nodenext.json"),
  JSON.stringify(
    {
      compilerOptions: { ...strictOptions, module: "NodeNext", moduleResolution: "NodeNext", outDir: "out" },
      files: files4
    },
    null,
    2
  )
)
fs.writeFileSync(
  path.join(app4, "tsconfig.bundler.json"),
  JSON.stringify(
    {
      compilerOptions: { ...strictOptions, module: "ESNext", moduleResolution: "Bundler", noEmit: true },
      files: files4
    },
    null,
    2
  )
)
/** Below Node 22.19 (the machine's Node 20), npm warns that Effect 4's minimum is not met: expected there. */
const belowEffect4Node = !/^v(22\.(19|[2-9]\d)|2[3-9]|[3-9]\d)/.test(process.version)
{
  // The tarballs of our packages (effect4 and the engine under it): the scope's registry does not exist.
  const line = effect4Installs[0]!
  const args = line.split(/\s+/).slice(2).flatMap((arg) => {
    const name = arg.replace(/(.)@[^/]*$/, "$1")
    return ours.has(name) ? [...withOurDependencies(name)].map((n) => tarballOf.get(n) ?? n) : [arg]
  })
  const result = must(line, run("npm", ["install", ...args, "--prefer-offline", "--no-audit", "--no-fund"], app4))
  for (const warning of (result.stdout + result.stderr).split("\n").filter((l) => /^npm warn/i.test(l))) {
    if (belowEffect4Node && /EBADENGINE/.test(warning)) continue
    if (/ERESOLVE|peer|@effect-bedrock|EBADENGINE|\beffect@/i.test(warning)) {
      problems.push(`${line} (Effect 4 app): ${warning}`)
    }
  }
  // The testing line of packages/effect4/README.md: the local server (plain Node) into the Effect 4 app.
  const testing = "npm install -D @effect-bedrock/local"
  const local = must(
    testing,
    run("npm", [
      "install",
      "-D",
      tarballOf.get("@effect-bedrock/local")!,
      "--prefer-offline",
      "--no-audit",
      "--no-fund"
    ], app4)
  )
  for (const warning of (local.stdout + local.stderr).split("\n").filter((l) => /^npm warn/i.test(l))) {
    if (belowEffect4Node && /EBADENGINE/.test(warning)) continue
    if (/ERESOLVE|peer|@effect-bedrock|\beffect@/i.test(warning)) problems.push(`${testing} (Effect 4 app): ${warning}`)
  }
  if (!effect4Readme.includes(testing)) problems.push(`packages/effect4/README.md does not say "${testing}"`)
  const ls4 = run("npm", ["ls", "--all", "--json"], app4)
  const ls4Problems: Array<string> = ls4.stdout.length > 0 ? JSON.parse(ls4.stdout).problems ?? [] : [ls4.stderr]
  for (const problem of ls4Problems) problems.push(`npm ls (Effect 4 app): ${problem}`)
  const effect4Version: string = readJson(path.join(app4, "node_modules/effect/package.json")).version
  if (!effect4Version.startsWith("4.")) problems.push(`the Effect 4 app has effect ${effect4Version}`)
  log(`installed the README's Effect 4 line (effect ${effect4Version}) in ${elapsed()}`)
}

// =============================================================================
// 3. Type-check
// =============================================================================

// Our declarations may only import what a user has: builtins, our dependencies and required peers
// (the type-check below skips library files, as most projects do).
const builtins = new Set(builtinModules)
// Packages the README's install lines do not install (`@effect-bedrock/ai`, installed with
// `@effect/ai` by those who use it) are checked as packed files only.
const installed = [...ours].filter((name) => fs.existsSync(path.join(app, "node_modules", name, "package.json")))
log(`installed by the README's lines: ${installed.join(", ")}`)
/** `optionalPeers`: effect4's `./testing` names `@effect-bedrock/local` (an optional peer, needed by that module
 * only) in its declarations, and local's Effect 3 Layer names `effect` and `@effect-bedrock/core` (optional peers:
 * its plain server installs into an Effect 4 app too). */
const checkDeclarations = (dir: string, name: string, optionalPeers: boolean) => {
  const manifest = readJson(path.join(dir, "package.json"))
  const allowed = new Set([
    name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}).filter((p) =>
      optionalPeers || manifest.peerDependenciesMeta?.[p]?.optional !== true
    )
  ])
  for (const file of walk(path.join(dir, "dist")).filter((f) => f.endsWith(".d.ts"))) {
    for (const [, specifier] of fs.readFileSync(file, "utf8").matchAll(/(?:from|import\()\s*"([^"]+)"/g)) {
      if (specifier!.startsWith(".")) continue
      const bare = specifier!.replace(/^node:/, "")
      const pkg = bare.startsWith("@") ? bare.split("/").slice(0, 2).join("/") : bare.split("/")[0]!
      if (!allowed.has(pkg) && !builtins.has(pkg)) problems.push(`${path.relative(app, file)} imports ${specifier}`)
    }
  }
}
for (const name of installed) {
  checkDeclarations(path.join(app, "node_modules", name), name, name === "@effect-bedrock/local")
}
checkDeclarations(path.join(app4, "node_modules", "@effect-bedrock/effect4"), "@effect-bedrock/effect4", true)

const typeCheck = (configs: ReadonlyArray<string>, dir = app): Promise<boolean> =>
  runAsync(process.execPath, [path.join(dir, "node_modules/typescript/bin/tsc"), "-b", ...configs], dir).then(
    (result) => {
      if (result.status !== 0) {
        problems.push(`tsc -b ${configs.join(" ")} (${path.basename(dir)}):\n${result.stdout}${result.stderr}`)
      }
      return result.status === 0
    }
  )

// =============================================================================
// 4. Run against npx @effect-bedrock/local
// =============================================================================

interface Local {
  readonly child: ChildProcess
  readonly pid: number
  readonly env: Record<string, string>
  readonly exit: Promise<number | null>
}

/** `npx @effect-bedrock/local --json`: the environment it prints, and the pid of the server itself. */
const startLocal = (): Promise<Local> =>
  new Promise((resolve, reject) => {
    const child = spawn("npx", ["@effect-bedrock/local", "--json", "--port", "0"], {
      cwd: app,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const exit = new Promise<number | null>((done) => child.once("exit", (code) => done(code)))
    const timer = setTimeout(() => reject(new Error("npx @effect-bedrock/local printed nothing in 60 s")), 60_000)
    let out = ""
    let err = ""
    child.stderr!.on("data", (chunk) => (err += chunk))
    child.stdout!.on("data", (chunk) => {
      out += chunk
      if (!out.includes("\n")) return
      clearTimeout(timer)
      const { env, pid } = JSON.parse(out.split("\n")[0]!)
      resolve({ child, env, exit, pid })
    })
    void exit.then((code) => {
      clearTimeout(timer)
      reject(new Error(`npx @effect-bedrock/local exited with ${code}: ${err}`))
    })
  })

/** The nodes the Effect 4 programs run on: the machine's, and Node 22 (scripts/node22.mjs) when it is older. */
const effect4Nodes = (): Array<string> => {
  if (!belowEffect4Node) return [process.execPath]
  const node22 = run(process.execPath, [path.join(root, "scripts/node22.mjs")], root)
  const binary = node22.stdout.trim().split("\n")[0]
  if (node22.status !== 0 || binary === undefined || binary === "") {
    problems.push(`no Node 22 for the Effect 4 programs: ${node22.stderr}`)
    return [process.execPath]
  }
  return [process.execPath, binary]
}

/** The Effect 4 app's programs (compiled by its NodeNext check) against the local Bedrock, on each node. */
/** Runs a compiled program (`dir`/out/`file` as .js) with `node`; a problem unless it exits 0 printing `expect`. */
const runProgram = async (
  what: string,
  node: string,
  dir: string,
  program: { readonly file: string; readonly expect: ReadonlyArray<RegExp> },
  env: NodeJS.ProcessEnv
) => {
  const result = await runAsync(node, [path.join(dir, "out", program.file.replace(/\.ts$/, ".js"))], dir, env)
  const missing = program.expect.filter((pattern) => !pattern.test(result.stdout))
  if (result.status !== 0 || missing.length > 0) {
    problems.push(
      `${what}: exit code ${result.status}${missing.length > 0 ? `, output without ${missing.join(", ")}` : ""}:\n` +
        `${result.stdout.slice(0, 4000)}${result.stderr.slice(0, 4000)}`
    )
  } else log(`${what}: ok (${elapsed()})`)
}

const runEffect4 = async (env: NodeJS.ProcessEnv) => {
  if (!(await effect4Compiled)) return
  for (const node of effect4Nodes()) {
    for (const program of effect4Files) {
      const what = `${program.what} on ${node === process.execPath ? process.version : "Node 22"}`
      await runProgram(what, node, app4, program, env)
    }
  }
}

const runAgainstLocal = async () => {
  const local = await startLocal()
  try {
    const env = { ...local.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }
    const programs = [
      ["out/app.js", [path.join(app, "out/app.js")]],
      ["out/cjs.cjs", [path.join(app, "out/cjs.cjs")]],
      ["vitest run", [path.join(app, "node_modules/vitest/vitest.mjs"), "run", "app.test.ts"]]
    ] as const
    await Promise.all(programs.map(async ([what, args]) => {
      const result = await runAsync(process.execPath, args, app, env)
      if (result.status !== 0) problems.push(`${what}:\n${result.stdout}${result.stderr}`)
      else log(`${what}: ok (${elapsed()})`)
    }))
    // The README programs, as pasted (compiled by tsc -b tsconfig.readme.json), one after another.
    for (const program of readmePrograms) {
      await runProgram(`README.md:${program.line} (${program.file})`, process.execPath, app, program, env)
    }
    await runEffect4(env)
  } finally {
    // The server's own process: npm exec re-raises a signal it receives instead of exiting with 0.
    process.kill(local.pid, "SIGTERM")
    const code = await Promise.race([local.exit, new Promise((done) => setTimeout(() => done("timeout"), 10_000))])
    if (code !== 0) {
      problems.push(`npx @effect-bedrock/local: SIGTERM gave ${String(code)}, not exit code 0`)
      local.child.kill("SIGKILL")
    }
  }
}

// NodeNext first: it emits the programs that run against the local server while Bundler and Node10
// are checked. The Effect 4 app's NodeNext check runs beside the first app's.
const effect4Compiled = typeCheck(["tsconfig.nodenext.json"], app4).then((ok) => {
  if (ok) log(`type-checked the Effect 4 app with NodeNext (${effect4Files.length} programs) in ${elapsed()}`)
  return ok
})
if (await typeCheck(["tsconfig.nodenext.json", "tsconfig.readme.json"])) {
  log(`type-checked with NodeNext (ESM and CommonJS, and ${readmePrograms.length} README programs) in ${elapsed()}`)
  await Promise.all([
    runAgainstLocal(),
    typeCheck(["tsconfig.bundler.json", "tsconfig.node10.json"]).then(() =>
      log(`type-checked with Bundler and Node10 in ${elapsed()}`)
    ),
    typeCheck(["tsconfig.bundler.json"], app4).then((ok) => {
      if (ok) log(`type-checked the Effect 4 app with Bundler in ${elapsed()}`)
    })
  ])
}

if (problems.length > 0) {
  process.stderr.write(
    `check-pack: ${problems.length} problem(s) (apps kept in ${app} and ${app4}):\n${problems.join("\n")}\n`
  )
  process.exit(1)
}
log(`ok in ${elapsed()}${keep ? ` (apps in ${app} and ${app4})` : ""}`)
if (!keep) {
  // Deleting node_modules takes a while on a busy machine: a detached process does it after we exit.
  for (const dir of [app, app4]) {
    const script = `require("node:fs").rmSync(${JSON.stringify(dir)}, { recursive: true, force: true })`
    spawn(process.execPath, ["-e", script], { detached: true, stdio: "ignore" }).unref()
  }
}
