// The list of vitest projects. vitest 3.2 reads it through vitest.config.ts (`test.projects`),
// which keeps this file as the design card asks without the deprecated bare-workspace notice.
// packages/effect4 is not here: it tests with its own vitest 5 (scripts/test-effect4.mjs).
// core's few files that need a module graph of their own run separately: vitest.isolated.config.ts.
export default ["packages/{converse,core,local,ai}/vitest.config.ts"]
