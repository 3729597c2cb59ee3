import { defineProject, mergeConfig } from "vitest/config"
import { shared } from "../../vitest.shared.js"
import { isolated } from "./vitest.isolated.js"

export default mergeConfig(shared, defineProject({ test: { name: "core", exclude: isolated } }))
