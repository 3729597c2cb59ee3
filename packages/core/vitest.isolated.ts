// The test files of core that need a module graph of their own (vitest's default `isolate: true`); the rest of
// core shares one per worker (`isolate: false`, vitest.config.ts), which saves loading the AWS SDK and Effect
// once per file. They run in a second vitest run (vitest.isolated.config.ts): TestClock users, the files that
// install OpenTelemetry (which the TestClock users must not share a graph with), and first loads of lazy modules.
export const isolated = [
  "test/BedrockClient.test.ts",
  "test/BedrockClientStub.test.ts",
  "test/BedrockRateLimiter.test.ts",
  "test/LazyModules.test.ts",
  "test/Telemetry.local.test.ts",
  "test/ToolkitTelemetry.local.test.ts"
]
