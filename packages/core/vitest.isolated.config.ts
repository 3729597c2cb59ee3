import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"
import { isolated } from "./vitest.isolated.js"

// mergeConfig concatenates arrays: the include list is set after the merge, not merged into shared's.
const config = mergeConfig(shared, defineProject({ test: { name: "core-isolated" } }))
export default { ...config, test: { ...config.test, include: isolated } }
