import * as BatchLimits from "@effect-bedrock/converse/limits/batch"
import { assert, describe, it } from "vitest"

describe("limits/batch", () => {
  it("Bedrock's default batch quotas, written once", () => {
    assert.deepStrictEqual(BatchLimits.defaultQuotas, {
      minRecordsPerJob: 100,
      maxRecordsPerFile: 50_000,
      maxRecordsPerJob: 50_000,
      maxFileBytes: 1024 ** 3,
      maxJobBytes: 5 * 1024 ** 3,
      maxConcurrentJobs: 20
    })
    assert.deepStrictEqual(BatchLimits.timeoutHours, { min: 24, max: 168, default: 168 })
  })

  it("job names, role ARNs, tokens and job identifiers are matched whole", () => {
    for (const ok of ["a", "nightly-grading-2026", "v1.2+build", "A".repeat(63)]) {
      assert.isTrue(BatchLimits.isJobName(ok), ok)
    }
    for (const bad of ["", "-lead", "has space", "a".repeat(64), "x_y"]) assert.isFalse(BatchLimits.isJobName(bad), bad)
    assert.isTrue(BatchLimits.isRoleArn("arn:aws:iam::123456789012:role/BedrockBatch"))
    assert.isTrue(BatchLimits.isRoleArn("arn:aws-us-gov:iam::123456789012:role/path/Role"))
    assert.isFalse(BatchLimits.isRoleArn("arn:aws:iam::123456789012:user/me"))
    assert.isFalse(BatchLimits.isRoleArn("prefix arn:aws:iam::123456789012:role/x"))
    assert.isTrue(BatchLimits.isClientRequestToken("abc-123"))
    assert.isFalse(BatchLimits.isClientRequestToken("abc_123"))
    assert.isTrue(BatchLimits.isJobIdentifier("abcdefghij12"))
    assert.isTrue(
      BatchLimits.isJobIdentifier("arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abcdefghij12")
    )
    assert.isFalse(BatchLimits.isJobIdentifier("abcdefghij1"))
    assert.isTrue(BatchLimits.isTag("team", "ml platform"))
    assert.isFalse(BatchLimits.isTag("", "x"))
    assert.isFalse(BatchLimits.isTag("emoji", "🙂"))
  })

  it("S3 URIs: a valid bucket, optional key segments; parsed into bucket and key", () => {
    assert.deepStrictEqual(BatchLimits.parseS3Uri("s3://my-bucket/batch/input.jsonl"), {
      bucket: "my-bucket",
      key: "batch/input.jsonl"
    })
    assert.deepStrictEqual(BatchLimits.parseS3Uri("s3://my-bucket"), { bucket: "my-bucket", key: "" })
    assert.deepStrictEqual(BatchLimits.parseS3Uri("s3://my-bucket/out/"), { bucket: "my-bucket", key: "out/" })
    for (const bad of ["https://my-bucket/x", "s3://My_Bucket/x", "s3://ab/x", "s3://bucket/a b", "s3://bucket//x"]) {
      assert.isUndefined(BatchLimits.parseS3Uri(bad), bad)
    }
    assert.strictEqual(BatchLimits.outputFileName("input.jsonl"), "input.jsonl.out")
    assert.strictEqual(BatchLimits.manifestFileName, "manifest.json.out")
  })
})
