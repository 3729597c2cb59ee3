/**
 * Bedrock's control plane for model invocation jobs, on the local server's port, as
 * `@aws-sdk/client-bedrock` speaks it (REST-JSON): `POST /model-invocation-job`
 * (CreateModelInvocationJob), `GET /model-invocation-job/{jobIdentifier}` (GetModelInvocationJob),
 * `GET /model-invocation-jobs` (ListModelInvocationJobs: filters and pagination in the query) and
 * `POST /model-invocation-job/{jobIdentifier}/stop` (StopModelInvocationJob). Timestamps are ISO 8601
 * strings, errors Bedrock's `x-amzn-errortype` + `{"message"}`.
 *
 * @internal
 */
import type { BatchOperation } from "../../LocalBedrockServer.js"
import { type Exchange, replyError, replyJson } from "../exchange.js"
import type { BatchJobs, Job } from "./jobs.js"

/** @internal */
export interface Route {
  readonly operation: BatchOperation
  /** The decoded `{jobIdentifier}` of Get and Stop. */
  readonly identifier: string | undefined
}

const JOB = /^\/model-invocation-job\/([^/]+)$/
const STOP = /^\/model-invocation-job\/([^/]+)\/stop$/

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/**
 * The control-plane operation a request is for, or undefined when it is none of them.
 *
 * @internal
 */
export const route = (method: string, path: string): Route | undefined => {
  if (method === "POST" && path === "/model-invocation-job") {
    return { operation: "CreateModelInvocationJob", identifier: undefined }
  }
  if (method === "GET" && path === "/model-invocation-jobs") {
    return { operation: "ListModelInvocationJobs", identifier: undefined }
  }
  let m: RegExpExecArray | null
  if (method === "GET" && (m = JOB.exec(path)) !== null) {
    return { operation: "GetModelInvocationJob", identifier: decode(m[1]!) }
  }
  if (method === "POST" && (m = STOP.exec(path)) !== null) {
    return { operation: "StopModelInvocationJob", identifier: decode(m[1]!) }
  }
  return undefined
}

/** The region of a SigV4 credential scope (`Credential=AKID/20260101/us-west-2/bedrock/aws4_request`). */
const regionOf = (authorization: string | undefined): string => {
  const m = authorization === undefined ? null : /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization)
  return m?.[1] ?? "us-east-1"
}

/**
 * A job as GetModelInvocationJob and ListModelInvocationJobs report it.
 *
 * @internal
 */
export const describe = (job: Job): Record<string, unknown> => {
  const r = job.request
  const counted = job.status !== "Submitted" && job.status !== "Validating"
  return {
    jobArn: job.jobArn,
    jobName: r.jobName,
    modelId: r.modelId,
    ...(r.clientRequestToken === undefined ? {} : { clientRequestToken: r.clientRequestToken }),
    roleArn: r.roleArn,
    status: job.status,
    ...(job.message === undefined ? {} : { message: job.message }),
    submitTime: job.submitTime.toISOString(),
    lastModifiedTime: job.lastModifiedTime.toISOString(),
    ...(job.endTime === undefined ? {} : { endTime: job.endTime.toISOString() }),
    inputDataConfig: {
      s3InputDataConfig: {
        s3Uri: r.inputS3Uri,
        s3InputFormat: r.inputFormat ?? "JSONL",
        ...(r.inputBucketOwner === undefined ? {} : { s3BucketOwner: r.inputBucketOwner })
      }
    },
    outputDataConfig: {
      s3OutputDataConfig: {
        s3Uri: r.outputS3Uri,
        ...(r.outputKmsKeyId === undefined ? {} : { s3EncryptionKeyId: r.outputKmsKeyId }),
        ...(r.outputBucketOwner === undefined ? {} : { s3BucketOwner: r.outputBucketOwner })
      }
    },
    ...(r.vpcConfig === undefined ? {} : { vpcConfig: r.vpcConfig }),
    timeoutDurationInHours: r.timeoutDurationInHours,
    ...(job.jobExpirationTime === undefined ? {} : { jobExpirationTime: job.jobExpirationTime.toISOString() }),
    modelInvocationType: r.invocationType,
    // Bedrock reports 0 records until validation has counted them.
    totalRecordCount: counted ? job.totalRecordCount : 0,
    processedRecordCount: job.processedRecordCount,
    successRecordCount: job.successRecordCount,
    errorRecordCount: job.errorRecordCount
  }
}

/** @internal */
export interface Request {
  readonly ex: Exchange
  readonly requestId: string
  readonly route: Route
  readonly body: unknown
  /** The body was not JSON. */
  readonly malformed: boolean
  readonly query: URLSearchParams
  readonly authorization: string | undefined
}

/**
 * Answers a control-plane request (authorized already).
 *
 * @internal
 */
export const handle = (jobs: BatchJobs, request: Request): void => {
  const { ex, requestId, route: { identifier, operation } } = request
  const reply = (result: ReturnType<BatchJobs["find"]>, body: (job: Job) => unknown): void =>
    "_tag" in result
      ? replyError(ex, requestId, result.status, result.name, result.message)
      : replyJson(ex, requestId, 200, JSON.stringify(body(result)))
  switch (operation) {
    case "CreateModelInvocationJob": {
      if (request.malformed) {
        return replyError(
          ex,
          requestId,
          400,
          "ValidationException",
          "Malformed input request, please reformat your input and try again."
        )
      }
      const created = jobs.create(request.body, regionOf(request.authorization))
      return "_tag" in created
        ? replyError(ex, requestId, created.status, created.name, created.message)
        : replyJson(ex, requestId, 200, JSON.stringify({ jobArn: created.jobArn }))
    }
    case "GetModelInvocationJob":
      return reply(jobs.find(identifier!), describe)
    case "StopModelInvocationJob":
      return reply(jobs.stop(identifier!), () => ({}))
    case "ListModelInvocationJobs": {
      const listed = jobs.list(request.query)
      if ("_tag" in listed) return replyError(ex, requestId, listed.status, listed.name, listed.message)
      return replyJson(
        ex,
        requestId,
        200,
        JSON.stringify({
          invocationJobSummaries: listed.jobs.map(describe),
          ...(listed.nextToken === undefined ? {} : { nextToken: listed.nextToken })
        })
      )
    }
  }
}
