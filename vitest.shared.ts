import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { ViteUserConfig } from "vitest/config"

const root = path.dirname(fileURLToPath(import.meta.url))

// Tests import the workspace packages by name; point them at the sources so a test run never
// reads a stale dist/.
const alias = (name: string) => ({
  find: new RegExp(`^@effect-bedrock/${name}(/(.*))?$`),
  replacement: path.join(root, "packages", name, "src") + "/$2"
})

export const shared: ViteUserConfig = {
  resolve: {
    alias: [
      {
        find: /^@effect-bedrock\/(core|local|ai|converse|effect4)$/,
        replacement: path.join(root, "packages") + "/$1/src/index.ts"
      },
      alias("core"),
      alias("local"),
      alias("ai"),
      alias("converse"),
      alias("effect4")
    ]
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "threads",
    // The SDK warns once per process that releases after January 2027 need Node 22; the
    // README says so, and the test output stays readable.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    sequence: { concurrent: false }
  }
}
