// A Node 22 for the Effect 4 package's tests (Effect 4 states Node >= 22.19 as its minimum). When the
// running `node` is already >= 22.19 it is the answer; otherwise the npm registry's `node-<platform>-<arch>`
// package (it ships `bin/node`) is packed into a cache folder, unpacked, checked to run, and reused after.
// The Redis tests' scripts/redis-server.mjs is the precedent.
//
//   node scripts/node22.mjs            # prints the path of a Node >= 22.19 binary (exit 1 and why if none)
//   node scripts/node22.mjs --version  # the same, then that binary's version on a second line
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

/** The npm range we fetch: the newest 22.x at or above Effect 4's minimum. */
export const NODE22_RANGE = "^22.19.0"

const atLeast = (version, [major, minor]) => {
  const [a, b] = version.replace(/^v/, "").split(".").map(Number)
  return a > major || (a === major && b >= minor)
}

/** Whether `version` (`v22.23.5`) is a 22.x at or above 22.19. */
export const isNode22 = (version) => atLeast(version, [22, 19]) && !atLeast(version, [23, 0])

/** The cache folder: `$EFFECT_BEDROCK_CACHE` or `$XDG_CACHE_HOME/effect-bedrock`, else `~/.cache/effect-bedrock`. */
export const cacheDir = () =>
  path.join(
    process.env.EFFECT_BEDROCK_CACHE ??
      path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "effect-bedrock"),
    "node-22"
  )

/** The version a binary reports, or undefined when it does not run. */
const versionOf = (binary) => {
  const run = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 20_000 })
  return run.status === 0 ? run.stdout.trim() : undefined
}

/**
 * `{ path, version }` of a Node 22 (>= 22.19) binary, or `{ reason }`. The running node when it fits; else a
 * cached copy; else (with `install`) one fetched from the npm registry with `npm pack` into the cache.
 */
export function ensureNode22({ install = true } = {}) {
  if (isNode22(process.version)) return { path: process.execPath, version: process.version }
  const pkg = `node-${process.platform}-${process.arch}`
  const dir = cacheDir()
  const binary = path.join(dir, "package", "bin", "node")
  const cached = fs.existsSync(binary) ? versionOf(binary) : undefined
  if (cached !== undefined && isNode22(cached)) return { path: binary, version: cached }
  if (!install) return { reason: `no Node 22 in ${dir}: run node scripts/node22.mjs` }

  fs.mkdirSync(dir, { recursive: true })
  const npm = process.platform === "win32" ? "npm.cmd" : "npm"
  const pack = spawnSync(npm, ["pack", `${pkg}@${NODE22_RANGE}`, "--pack-destination", dir, "--json"], {
    encoding: "utf8",
    timeout: 300_000
  })
  if (pack.status !== 0) return { reason: `npm pack ${pkg}@${NODE22_RANGE} failed: ${pack.stderr.trim().slice(-500)}` }
  let filename
  try {
    filename = JSON.parse(pack.stdout)[0].filename
  } catch {
    return { reason: `npm pack ${pkg} printed no tarball name` }
  }
  const tarball = path.join(dir, filename)
  fs.rmSync(path.join(dir, "package"), { recursive: true, force: true })
  const untar = spawnSync("tar", ["-xzf", tarball, "-C", dir], { encoding: "utf8", timeout: 120_000 })
  fs.rmSync(tarball, { force: true })
  if (untar.status !== 0) return { reason: `could not unpack ${filename}: ${untar.stderr.trim()}` }
  const version = fs.existsSync(binary) ? versionOf(binary) : undefined
  if (version === undefined || !isNode22(version)) {
    return { reason: `${pkg} from the registry did not give a runnable Node >= 22.19 (${version ?? "does not run"})` }
  }
  return { path: binary, version }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = ensureNode22({ install: true })
  if (result.path === undefined) {
    console.error(`node22: ${result.reason}`)
    process.exit(1)
  }
  console.log(result.path)
  if (process.argv.includes("--version")) console.log(result.version)
}
