import { ConverseCommand, ThrottlingException, ValidationException } from "@aws-sdk/client-bedrock-runtime"
import { LocalBedrock, LocalBedrockScript } from "@effect-bedrock/local"
import { assert, describe, it } from "@effect/vitest"
import { NodeHttp2Handler } from "@smithy/node-http-handler"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { credentials, defaultPort, environment, exportLines, main, parse } from "../src/internal/cli.js"
import * as scriptFile from "../src/internal/scriptFile.js"
import { sdkClient, user } from "./fixtures.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const bin = path.join(root, "packages/local/src/bin.ts")

describe("command line", () => {
  it("defaults: port 4599 on 127.0.0.1, known model ids only, banner; --port 0 for a free port", () => {
    assert.strictEqual(defaultPort, 4599)
    assert.deepStrictEqual(parse([]), {
      _tag: "Serve",
      options: { port: 4599, host: "127.0.0.1", allowAnyModelId: false },
      scripts: undefined,
      strict: false,
      output: "text"
    })
    assert.deepStrictEqual(parse(["-p", "4599", "--host", "::1", "-s", "s.json", "--allow-any-model-id", "-q"]), {
      _tag: "Serve",
      options: { port: 4599, host: "::1", allowAnyModelId: true },
      scripts: "s.json",
      strict: false,
      output: "quiet"
    })
    assert.deepStrictEqual(parse(["--help"]), { _tag: "Help" })
    assert.deepStrictEqual(parse(["--tls"]), {
      _tag: "Serve",
      options: { port: 4599, host: "127.0.0.1", allowAnyModelId: false, tls: true },
      scripts: undefined,
      strict: false,
      output: "text"
    })
    assert.deepStrictEqual((parse(["--port", "0"]) as any).options, {
      port: 0,
      host: "127.0.0.1",
      allowAnyModelId: false
    })
  })

  it("the README's export lines are what the command prints on its default port", () => {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8")
    const printed = exportLines(`http://127.0.0.1:${defaultPort}`)
    for (const file of ["README.md", "packages/local/README.md"]) {
      const text = fs.readFileSync(path.join(root, file), "utf8")
      const lines = text.split("\n").filter((line) => line.startsWith("export AWS_"))
      assert.deepStrictEqual(lines, printed, file)
    }
    assert.include(readme, "npx @effect-bedrock/local")
  })

  it.live("a taken port: exit code 1 and an error that names the port and the ways out", () =>
    Effect.gen(function*() {
      // A port of our own, taken for the test (nothing depends on 4599 being free).
      const blocker = net.createServer()
      yield* Effect.async<void>((resume) =>
        void blocker.listen({ host: "127.0.0.1", port: 0 }, () => resume(Effect.void))
      )
      const port = (blocker.address() as net.AddressInfo).port
      const out: Array<string> = []
      const err: Array<string> = []
      const code = yield* Effect.promise(() =>
        main(["--port", String(port)], { out: (line) => out.push(line), err: (line) => err.push(line) })
      ).pipe(Effect.ensuring(Effect.async<void>((resume) => void blocker.close(() => resume(Effect.void)))))
      assert.strictEqual(code, 1)
      assert.deepStrictEqual(out, [])
      assert.strictEqual(
        err.join("\n"),
        `local-bedrock: port ${port} is already in use (127.0.0.1:${port}): another local Bedrock may be running. ` +
          `Stop it, choose another port with --port <port>, or use --port 0 for a free one.`
      )
    }))

  it("refuses a non-loopback host unless told, bad ports and unknown options", () => {
    assert.match((parse(["--host", "0.0.0.0"]) as any).message, /not a loopback address.*--allow-non-loopback/)
    assert.strictEqual(parse(["--host", "0.0.0.0", "--allow-non-loopback"])._tag, "Serve")
    for (const port of ["abc", "-1", "70000", "1.5", ""]) {
      assert.strictEqual(parse(["--port", port])._tag, "Usage", port)
    }
    assert.strictEqual(parse(["--verbose"])._tag, "Usage")
    assert.strictEqual(parse(["extra"])._tag, "Usage")
    assert.strictEqual(parse(["-q", "--json"])._tag, "Usage")
  })

  it("prints the same dummy credentials LocalBedrock uses", () => {
    assert.strictEqual(credentials.accessKeyId, LocalBedrock.localCredentials.accessKeyId)
    assert.strictEqual(credentials.secretAccessKey, Redacted.value(LocalBedrock.localCredentials.secretAccessKey))
    assert.deepStrictEqual(Object.keys(environment("http://127.0.0.1:1")), [
      "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
      "AWS_REGION",
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY"
    ])
  })
})

describe("scripts file", () => {
  it("reads LocalBedrockScript values as JSON, filling the constructors' defaults", () => {
    const scripts = [
      LocalBedrockScript.failure("ThrottlingException", { modelId: "us.amazon.nova-micro-v1:0" }),
      LocalBedrockScript.converseText("hello"),
      LocalBedrockScript.countTokens(7),
      LocalBedrockScript.stream(LocalBedrockScript.textEvents(["a", "b"]), { fault: LocalBedrockScript.resetAfter(2) }),
      LocalBedrockScript.stream([
        LocalBedrockScript.raw({ ":event-type": "x" }, "{"),
        LocalBedrockScript.exception("throttlingException")
      ]),
      LocalBedrockScript.generated({ deltas: 5 }),
      LocalBedrockScript.hang({ operation: "converse" }),
      LocalBedrockScript.reset({ delayMs: 3 }),
      LocalBedrockScript.delayed(10)
    ]
    const roundTrip = JSON.parse(JSON.stringify(scripts))
    assert.deepStrictEqual(JSON.parse(JSON.stringify(scriptFile.parse(roundTrip))), roundTrip)
    const [failure, generated, custom] = scriptFile.parse([
      { _tag: "Failure", name: "ModelTimeoutException" },
      { _tag: "Generated", deltas: 3 },
      { _tag: "Failure", name: "SomeFutureException" }
    ])
    assert.include(failure, { name: "ModelTimeoutException", status: 408 })
    assert.isString((failure as LocalBedrockScript.Failure).message)
    assert.include(generated, { deltas: 3, text: "x", operation: "converse-stream" })
    assert.include(custom, { status: 400, message: "Local Bedrock SomeFutureException" })
  })

  it("names the first bad entry", () => {
    const message = (document: unknown) => {
      try {
        scriptFile.parse(document)
        return "no error"
      } catch (error) {
        return (error as Error).message
      }
    }
    assert.strictEqual(message({}), "scripts: expected an array of scripts")
    assert.strictEqual(
      message([{ _tag: "Json", body: {} }, { _tag: "Nope" }]),
      "scripts[1]._tag: expected Json, Failure, Stream, Generated, Hang, Reset or Delayed"
    )
    assert.strictEqual(message([{ _tag: "Generated", deltas: -1 }]), "scripts[0].deltas: expected a count")
    assert.strictEqual(message([{ _tag: "Json" }]), "scripts[0].body: expected a JSON body")
    assert.strictEqual(
      message([{ _tag: "Json", body: 1, operation: "invoke" }]),
      "scripts[0].operation: expected one of converse, converse-stream, count-tokens"
    )
    assert.strictEqual(
      message([{ _tag: "Stream", events: [{ _tag: "Event" }] }]),
      "scripts[0].events[0].eventType: expected a string"
    )
    assert.strictEqual(
      message([{ _tag: "Stream", fault: { _tag: "Reset" } }]),
      "scripts[0].fault.after: expected a count"
    )
  })
})

// =============================================================================
// The bin, as a process
// =============================================================================

interface Started {
  readonly child: ChildProcess
  readonly env: Record<string, string>
  readonly exit: Promise<number | null>
  /** What the process wrote to stderr so far. */
  readonly stderr: () => string
}

/** Starts the bin (through tsx, from the sources) and reads the export lines of `--quiet`. */
const start = (args: ReadonlyArray<string>, exports = 4) =>
  Effect.acquireRelease(
    Effect.async<Started, Error>((resume) => {
      // --port 0: tests never depend on the default port being free.
      const child = spawn(process.execPath, ["--import", "tsx", bin, "--quiet", "--port", "0", ...args], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      })
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      let out = ""
      let err = ""
      child.stderr!.on("data", (chunk) => (err += chunk))
      child.stdout!.on("data", (chunk) => {
        out += chunk
        const lines = out.split("\n").filter((line) => line.startsWith("export "))
        if (lines.length === exports) {
          const env = Object.fromEntries(
            lines.map((line) => line.slice("export ".length).split("=", 2) as [string, string])
          )
          resume(Effect.succeed({ child, env, exit, stderr: () => err }))
        }
      })
      void exit.then((code) => resume(Effect.fail(new Error(`bin exited with ${code}: ${err}`))))
    }).pipe(Effect.timeout("20 seconds")),
    ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
  )

describe("npx @effect-bedrock/local", () => {
  it.scopedLive("prints the environment, serves the scripts file, rejects unknown model ids, stops on SIGTERM", () =>
    Effect.gen(function*() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-bedrock-cli-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true })))
      const file = path.join(dir, "scripts.json")
      fs.writeFileSync(file, JSON.stringify([LocalBedrockScript.failure("ThrottlingException")]))
      const { child, env, exit } = yield* start(["--scripts", file])
      assert.match(env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME!, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.strictEqual(env.AWS_REGION, "us-east-1")
      const sdk = sdkClient(env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME!, {
        region: env.AWS_REGION!,
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! }
      })
      const call = (modelId: string) =>
        Effect.tryPromise(() => sdk.send(new ConverseCommand({ modelId, messages: [user("hi")] })))
      const throttled = yield* Effect.flip(call("us.amazon.nova-micro-v1:0"))
      assert.instanceOf(throttled.error, ThrottlingException)
      const answer = yield* call("us.amazon.nova-micro-v1:0")
      assert.deepStrictEqual(answer.output?.message?.content, [{ text: "You said: hi" }])
      const invalid = yield* Effect.flip(call("gpt-4o"))
      assert.instanceOf(invalid.error, ValidationException)
      child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => exit), 0)
    }))

  it.scopedLive("stops on SIGINT; --allow-any-model-id accepts any id", () =>
    Effect.gen(function*() {
      const { child, env, exit } = yield* start(["--allow-any-model-id"])
      const sdk = sdkClient(env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME!)
      const answer = yield* Effect.promise(() =>
        sdk.send(new ConverseCommand({ modelId: "gpt-4o", messages: [user("hi")] }))
      )
      assert.deepStrictEqual(answer.output?.message?.content, [{ text: "You said: hi" }])
      child.kill("SIGINT")
      assert.strictEqual(yield* Effect.promise(() => exit), 0)
    }))
})

describe("npx @effect-bedrock/local --cassette", () => {
  it("--strict needs --cassette; --cassette excludes --scripts; a bad cassette is exit code 2", async () => {
    assert.include(parse(["--cassette", "c.json", "--strict"]) as any, { strict: true })
    assert.strictEqual((parse(["--cassette", "c.json"]) as any).options.cassette, "c.json")
    assert.match((parse(["--strict"]) as any).message, /--strict needs --cassette/)
    assert.match((parse(["--cassette", "c.json", "-s", "s.json"]) as any).message, /exclude each other/)
    const err: Array<string> = []
    const code = await main(["--cassette", "/nonexistent/c.json"], { out: () => {}, err: (line) => err.push(line) })
    assert.strictEqual(code, 2)
    assert.match(err[0]!, /local-bedrock: no cassette at \/nonexistent\/c\.json/)
  })

  it.scopedLive("replays the recorded answer; at exit, reports what was never played (--strict: exit code 1)", () =>
    Effect.gen(function*() {
      const cassette = path.join(root, "packages/local/test/fixtures/cassettes/api-reference.json")
      const { child, env, exit, stderr } = yield* start(["--cassette", cassette, "--strict"])
      const sdk = sdkClient(env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME!)
      const answer = yield* Effect.promise(() =>
        sdk.send(
          new ConverseCommand({
            modelId: "us.amazon.nova-micro-v1:0",
            messages: [user("Write a haiku about the sea.")],
            inferenceConfig: { maxTokens: 100000 }
          })
        ).catch((error: unknown) => error)
      )
      assert.instanceOf(answer, ValidationException)
      assert.strictEqual((answer as ValidationException).$metadata.requestId, "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
      child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => exit), 1)
      assert.include(stderr(), "played 1 of 4 interactions")
      assert.include(stderr(), "never played: #1 converse-stream us.amazon.nova-micro-v1:0")
    }))
})

describe("npx @effect-bedrock/local --tls", () => {
  it.scopedLive("serves HTTPS, writes the certificate to the file it prints, removes it at exit", () =>
    Effect.gen(function*() {
      const { child, env, exit } = yield* start(["--tls"], 5)
      assert.match(env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME!, /^https:\/\/127\.0\.0\.1:\d+$/)
      const file = env.BEDROCK_CA_BUNDLE!
      const ca = fs.readFileSync(file, "utf8")
      assert.match(ca, /^-----BEGIN CERTIFICATE-----\n/)
      const sdk = sdkClient(env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME!, {
        requestHandler: new NodeHttp2Handler({ nodeHttp2ConnectOptions: { ca } })
      })
      const answer = yield* Effect.promise(() =>
        sdk.send(new ConverseCommand({ modelId: "local.small", messages: [user("hi")] }))
      )
      assert.deepStrictEqual(answer.output?.message?.content, [{ text: "Hello from local Bedrock." }])
      sdk.destroy()
      child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => exit), 0)
      assert.isFalse(fs.existsSync(file))
    }))
})

describe("npx @effect-bedrock/local, orphaned", () => {
  it.scopedLive("stops when the process that started it ends (npx does not pass SIGTERM on)", () =>
    Effect.gen(function*() {
      // A shell stands in for npx: it starts the server, then is killed without passing anything on.
      const shell = spawn("sh", ["-c", `"${process.execPath}" --import tsx "${bin}" --json --port 0 & wait`], {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"]
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => shell.kill("SIGKILL")))
      const line = yield* Effect.async<string>((resume) => {
        let out = ""
        shell.stdout!.on("data", (chunk) => {
          out += chunk
          if (out.includes("\n")) resume(Effect.succeed(out.split("\n")[0]!))
        })
      }).pipe(Effect.timeout("20 seconds"))
      const { pid } = JSON.parse(line) as { pid: number }
      yield* Effect.addFinalizer(() => Effect.sync(() => alive(pid) && process.kill(pid, "SIGKILL")))
      assert.isTrue(alive(pid))
      shell.kill("SIGKILL")
      const gone = yield* Effect.promise(async () => {
        for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100))
        return !alive(pid)
      })
      assert.isTrue(gone)
    }))
})

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
