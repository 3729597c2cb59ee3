// The list of vitest projects. vitest 3.2 reads it through vitest.config.ts (`test.projects`),
// which keeps this file as the design card asks without the deprecated bare-workspace notice.
export default ["packages/*/vitest.config.ts"]
