/**
 * `CreateModelInvocationJob`'s request checked the way Bedrock checks it before a job exists: the
 * required members, each against the API's shape (the patterns and ranges of the engine's
 * `limits/batch`), in Bedrock's own wording ("1 validation error detected: Value '...' at 'jobName'
 * failed to satisfy constraint: ..."), then the model id like the runtime's.
 *
 * @internal
 */
import * as BatchLimits from "@effect-bedrock/converse/limits/batch"
import { asArray, isObject, type Json } from "../json.js"
import * as modelIds from "../modelIds.js"

/**
 * A job request that passed every check.
 *
 * @internal
 */
export interface CreateRequest {
  readonly jobName: string
  readonly roleArn: string
  readonly modelId: string
  readonly clientRequestToken: string | undefined
  readonly inputS3Uri: string
  readonly inputFormat: string | undefined
  readonly inputBucketOwner: string | undefined
  readonly outputS3Uri: string
  readonly outputKmsKeyId: string | undefined
  readonly outputBucketOwner: string | undefined
  readonly timeoutDurationInHours: number
  readonly invocationType: BatchLimits.InvocationType
  readonly vpcConfig: Json | undefined
  readonly tags: ReadonlyArray<{ readonly key: string; readonly value: string }>
}

/** @internal */
export type Checked = { readonly ok: true; readonly request: CreateRequest } | {
  readonly ok: false
  readonly message: string
}

const shown = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value))

/** Bedrock's (Coral's) wording of failed member constraints. */
const constraintMessage = (failures: ReadonlyArray<string>): string =>
  `${failures.length} validation error${failures.length === 1 ? "" : "s"} detected: ${failures.join("; ")}`

const patternFailure = (value: unknown, member: string, pattern: string): string =>
  `Value '${
    shown(value)
  }' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`

const lengthFailure = (value: unknown, member: string, min: number, max: number): string =>
  shown(value).length < min
    ? `Value '${
      shown(value)
    }' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`
    : `Value '${
      shown(value)
    }' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`

const KMS_KEY =
  /^(?:(arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key\/[a-zA-Z0-9-]{36})|(alias\/[a-zA-Z0-9-_/]+)))|([a-zA-Z0-9-]{36})|(alias\/[a-zA-Z0-9-_/]+))$/
const ACCOUNT_ID = /^[0-9]{12}$/
const VPC_ID = /^[-0-9a-zA-Z]+$/

/**
 * Checks a `CreateModelInvocationJob` body.
 *
 * @internal
 */
export const checkCreate = (body: unknown, allowAnyModelId: boolean): Checked => {
  if (!isObject(body)) {
    return { ok: false, message: "Malformed input request, please reformat your input and try again." }
  }
  const missing: Array<string> = []
  for (const member of ["jobName", "roleArn", "modelId", "inputDataConfig", "outputDataConfig"]) {
    if (body[member] === undefined || body[member] === null) missing.push(member)
  }
  if (missing.length > 0) {
    return {
      ok: false,
      message: constraintMessage(
        missing.map((m) => `Value null at '${m}' failed to satisfy constraint: Member must not be null`)
      )
    }
  }
  const failures: Array<string> = []
  const { jobName, modelId, roleArn } = body
  if (typeof jobName !== "string" || jobName.length < 1 || jobName.length > 63) {
    failures.push(lengthFailure(jobName, "jobName", 1, 63))
  } else if (!BatchLimits.isJobName(jobName)) {
    failures.push(patternFailure(jobName, "jobName", BatchLimits.jobNamePattern))
  }
  if (typeof roleArn !== "string" || !BatchLimits.isRoleArn(roleArn)) {
    failures.push(patternFailure(roleArn, "roleArn", BatchLimits.roleArnPattern))
  }
  if (typeof modelId !== "string" || modelId.length < 1 || modelId.length > 2048) {
    failures.push(lengthFailure(modelId, "modelId", 1, 2048))
  }
  const token = body.clientRequestToken
  if (token !== undefined && (typeof token !== "string" || !BatchLimits.isClientRequestToken(token))) {
    failures.push(patternFailure(token, "clientRequestToken", BatchLimits.clientRequestTokenPattern))
  }

  const input = isObject(body.inputDataConfig) ? body.inputDataConfig.s3InputDataConfig : undefined
  const output = isObject(body.outputDataConfig) ? body.outputDataConfig.s3OutputDataConfig : undefined
  if (!isObject(input)) {
    failures.push(
      "Value null at 'inputDataConfig.s3InputDataConfig' failed to satisfy constraint: Member must not be null"
    )
  } else {
    if (typeof input.s3Uri !== "string" || !BatchLimits.isS3Uri(input.s3Uri)) {
      failures.push(patternFailure(input.s3Uri, "inputDataConfig.s3InputDataConfig.s3Uri", BatchLimits.s3UriPattern))
    }
    if (input.s3InputFormat !== undefined && input.s3InputFormat !== "JSONL") {
      failures.push(
        `Value '${
          shown(input.s3InputFormat)
        }' at 'inputDataConfig.s3InputDataConfig.s3InputFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSONL]`
      )
    }
    if (
      input.s3BucketOwner !== undefined &&
      !(typeof input.s3BucketOwner === "string" && ACCOUNT_ID.test(input.s3BucketOwner))
    ) {
      failures.push(patternFailure(input.s3BucketOwner, "inputDataConfig.s3InputDataConfig.s3BucketOwner", "[0-9]{12}"))
    }
  }
  if (!isObject(output)) {
    failures.push(
      "Value null at 'outputDataConfig.s3OutputDataConfig' failed to satisfy constraint: Member must not be null"
    )
  } else {
    if (typeof output.s3Uri !== "string" || !BatchLimits.isS3Uri(output.s3Uri)) {
      failures.push(patternFailure(output.s3Uri, "outputDataConfig.s3OutputDataConfig.s3Uri", BatchLimits.s3UriPattern))
    }
    const key = output.s3EncryptionKeyId
    if (key !== undefined && !(typeof key === "string" && key.length <= 2048 && KMS_KEY.test(key))) {
      failures.push(
        patternFailure(key, "outputDataConfig.s3OutputDataConfig.s3EncryptionKeyId", "KMS key id, ARN or alias")
      )
    }
    if (
      output.s3BucketOwner !== undefined &&
      !(typeof output.s3BucketOwner === "string" && ACCOUNT_ID.test(output.s3BucketOwner))
    ) {
      failures.push(
        patternFailure(output.s3BucketOwner, "outputDataConfig.s3OutputDataConfig.s3BucketOwner", "[0-9]{12}")
      )
    }
  }

  const timeout = body.timeoutDurationInHours
  const { max, min } = BatchLimits.timeoutHours
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < min || timeout > max)
  ) {
    failures.push(
      typeof timeout === "number" && timeout < min
        ? `Value '${
          shown(timeout)
        }' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value greater than or equal to ${min}`
        : `Value '${
          shown(timeout)
        }' at 'timeoutDurationInHours' failed to satisfy constraint: Member must have value less than or equal to ${max}`
    )
  }
  const invocationType = body.modelInvocationType
  if (invocationType !== undefined && invocationType !== "InvokeModel" && invocationType !== "Converse") {
    failures.push(
      `Value '${
        shown(invocationType)
      }' at 'modelInvocationType' failed to satisfy constraint: Member must satisfy enum value set: [InvokeModel, Converse]`
    )
  }

  const tags: Array<{ key: string; value: string }> = []
  if (body.tags !== undefined) {
    const list = asArray(body.tags)
    if (list.length > BatchLimits.maxTags) {
      failures.push(
        `Value '[...]' at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${BatchLimits.maxTags}`
      )
    }
    list.forEach((tag, i) => {
      if (
        isObject(tag) && typeof tag.key === "string" && typeof tag.value === "string" &&
        BatchLimits.isTag(tag.key, tag.value)
      ) {
        tags.push({ key: tag.key, value: tag.value })
      } else {
        failures.push(patternFailure(isObject(tag) ? tag.key : tag, `tags.${i + 1}.member.key`, BatchLimits.tagPattern))
      }
    })
  }
  const vpc = body.vpcConfig
  if (vpc !== undefined) {
    const ids = (u: unknown, lo: number, hi: number) => {
      const list = asArray(u)
      return list.length >= lo && list.length <= hi &&
        list.every((id) => typeof id === "string" && id.length <= 32 && VPC_ID.test(id))
    }
    if (!isObject(vpc) || !ids(vpc.subnetIds, 1, 16) || !ids(vpc.securityGroupIds, 1, 5)) {
      failures.push(
        "Value at 'vpcConfig' failed to satisfy constraint: subnetIds (1 to 16) and securityGroupIds (1 to 5) must be ids of [-0-9a-zA-Z]+"
      )
    }
  }
  if (failures.length > 0) return { ok: false, message: constraintMessage(failures) }

  const id = modelId as string
  const refusal = allowAnyModelId ? undefined : modelIds.refusal(id)
  if (refusal !== undefined) return { ok: false, message: refusal }
  const inputConfig = input as Json
  const outputConfig = output as Json
  return {
    ok: true,
    request: {
      jobName: jobName as string,
      roleArn: roleArn as string,
      modelId: id,
      clientRequestToken: token as string | undefined,
      inputS3Uri: inputConfig.s3Uri as string,
      inputFormat: inputConfig.s3InputFormat as string | undefined,
      inputBucketOwner: inputConfig.s3BucketOwner as string | undefined,
      outputS3Uri: outputConfig.s3Uri as string,
      outputKmsKeyId: outputConfig.s3EncryptionKeyId as string | undefined,
      outputBucketOwner: outputConfig.s3BucketOwner as string | undefined,
      timeoutDurationInHours: typeof timeout === "number" ? timeout : BatchLimits.timeoutHours.default,
      invocationType: invocationType === "Converse" ? "Converse" : "InvokeModel",
      vpcConfig: isObject(vpc) ? vpc : undefined,
      tags
    }
  }
}

/**
 * A job identifier in a path, checked like Bedrock: a message when it is not a job ARN or id.
 *
 * @internal
 */
export const checkJobIdentifier = (identifier: string): string | undefined =>
  BatchLimits.isJobIdentifier(identifier)
    ? undefined
    : constraintMessage([patternFailure(identifier, "jobIdentifier", BatchLimits.jobIdentifierPattern)])
