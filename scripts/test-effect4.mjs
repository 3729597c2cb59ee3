// `npm test`'s step for the Effect 4 line (packages/effect4), which the root vitest 3 does not run:
//
// 1. Each workspace package resolves the `effect` major it declares (peer or dev dependency): core, ai and
//    local the hoisted Effect 3, effect4 its nested Effect 4; the import rules themselves are lint rules
//    (eslint.config.mjs: no Effect 3 package in packages/effect4, no effect4 in the Effect 3 packages).
// 2. packages/effect4's tests with its own vitest 5 (what `@effect/vitest` 4 needs) on Node >= 22.19, the
//    minimum Effect 4 states: the running node when it is one, else the one scripts/node22.mjs fetches from
//    the npm registry into a cache.
// 3. On an older running node (the machine's Node 20): vitest 5 itself does not run there (it calls
//    `Map.groupBy`), so a plain-Node smoke run of the built package against the local Bedrock shows whether
//    Effect 4 and BedrockClient still work on it.
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { ensureNode22, isNode22 } from "./node22.mjs"

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"))
const started = Date.now()
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`
const problems = []

// 1. The `effect` each package resolves.
for (const workspace of readJson(path.join(root, "package.json")).workspaces) {
  const manifest = readJson(path.join(root, workspace, "package.json"))
  const declared = manifest.peerDependencies?.effect ?? manifest.devDependencies?.effect
  if (declared === undefined) continue
  const major = /(\d+)/.exec(declared)?.[1]
  const require = createRequire(path.join(root, workspace, "src", "index.ts"))
  let found
  try {
    found = readJson(require.resolve("effect/package.json")).version
  } catch {
    found = "none"
  }
  if (found.split(".")[0] !== major) {
    problems.push(`${manifest.name} declares effect ${declared} but resolves effect ${found}`)
  }
}

// 2. The tests on Node 22.
const node22 = ensureNode22({ install: true })
const effect4 = path.join(root, "packages", "effect4")
const vitest = path.join(effect4, "node_modules", "vitest", "vitest.mjs")
if (node22.path === undefined) {
  problems.push(`no Node 22 for the Effect 4 tests: ${node22.reason}`)
} else {
  const at = Date.now()
  const run = spawnSync(node22.path, [vitest, "run"], { cwd: effect4, stdio: "inherit", timeout: 300_000 })
  if (run.status !== 0) problems.push(`effect4 tests on Node ${node22.version} failed (${run.status ?? run.signal})`)
  else console.log(`test-effect4: tests passed on Node ${node22.version} in ${seconds(at)}`)
}

// 3. The running node, when older: the built package against the local Bedrock.
if (!isNode22(process.version) && Number(process.versions.node.split(".")[0]) < 22) {
  const at = Date.now()
  const smoke = `
    import * as Effect from "effect/Effect"
    import * as Stream from "effect/Stream"
    import { BedrockClient } from "${path.join(effect4, "dist", "index.js")}"
    import * as Server from "${path.join(root, "packages", "local", "dist", "LocalBedrockServer.js")}"
    const server = await Server.start({ port: 0 })
    try {
      const input = { modelId: "us.amazon.nova-micro-v1:0", messages: [{ role: "user", content: [{ text: "Hello" }] }] }
      const layer = BedrockClient.layer({
        region: "us-east-1",
        endpoint: server.endpoint,
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" }
      })
      const [text, events] = await Effect.runPromise(Effect.provide(Effect.gen(function*() {
        const bedrock = yield* BedrockClient.BedrockClient
        const output = yield* bedrock.converse(input)
        const events = yield* Stream.runCollect(bedrock.converseStream(input))
        return [output.output.message.content[0].text, events.length]
      }), layer))
      if (!text.includes("Hello") || events < 3) throw new Error("unexpected answer: " + text + ", " + events)
    } finally {
      await server.close()
    }`
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", smoke], {
    cwd: effect4,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }
  })
  if (run.status !== 0) {
    problems.push(`effect4 on the running Node ${process.version} failed:\n${run.stdout}${run.stderr}`)
  } else {
    console.log(`test-effect4: converse and converseStream work on the running Node ${process.version} (${seconds(at)})`)
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`test-effect4: ${problem}`)
  process.exit(1)
}
console.log(`test-effect4: each package resolves the effect major it declares; done in ${seconds(started)}`)
