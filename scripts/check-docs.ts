/**
 * Checks that every public export of the packages carries JSDoc with `@since`
 * (and `@category`, except namespace re-exports), the house rule for public API.
 * Run by `npm test`.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const problems: Array<string> = []
for (const pkg of ["core", "local", "ai"]) {
  const dir = join("packages", pkg, "src")
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
    const lines = readFileSync(join(dir, file), "utf8").split("\n")
    lines.forEach((line, i) => {
      if (!/^export (const|class|interface|type|function|declare|\* as|abstract)/.test(line)) return
      let j = i - 1
      while (j >= 0 && lines[j]!.trim() === "") j--
      if (!lines[j]?.trim().endsWith("*/")) {
        problems.push(`${dir}/${file}:${i + 1}: no JSDoc: ${line.slice(0, 80)}`)
        return
      }
      let k = j
      while (k >= 0 && !lines[k]!.includes("/**")) k--
      const doc = lines.slice(k, j + 1).join("\n")
      if (!doc.includes("@since")) problems.push(`${dir}/${file}:${i + 1}: JSDoc without @since`)
      if (!line.startsWith("export * as") && !doc.includes("@category")) {
        problems.push(`${dir}/${file}:${i + 1}: JSDoc without @category`)
      }
    })
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"))
  process.exit(1)
}
console.log("check-docs: every public export has JSDoc with @since and @category")
