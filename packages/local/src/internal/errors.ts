/**
 * The modelled Bedrock Runtime exceptions and how they look on the wire.
 *
 * @internal
 */

/** @internal */
export const exceptionStatus = {
  AccessDeniedException: 403,
  InternalServerException: 500,
  ModelErrorException: 424,
  ModelNotReadyException: 429,
  ModelTimeoutException: 408,
  ResourceNotFoundException: 404,
  ServiceQuotaExceededException: 400,
  ServiceUnavailableException: 503,
  ThrottlingException: 429,
  ValidationException: 400
} as const

/** @internal */
export const defaultExceptionMessage: Record<keyof typeof exceptionStatus, string> = {
  AccessDeniedException: "You don't have access to the model with the specified model ID.",
  InternalServerException: "The server encountered an internal error while processing the request.",
  ModelErrorException: "The model encountered an error while processing the request.",
  ModelNotReadyException: "The model is not ready to serve inference requests. Try again later.",
  ModelTimeoutException: "The model took too long to respond. Try again.",
  ResourceNotFoundException: "The specified model ID doesn't exist.",
  ServiceQuotaExceededException: "Your request exceeds the service quota for your account.",
  ServiceUnavailableException: "The service isn't currently available. Try again later.",
  ThrottlingException: "Too many requests, please wait before trying again.",
  ValidationException: "The request is invalid."
}

/** @internal */
export const isExceptionName = (name: string): name is keyof typeof exceptionStatus =>
  Object.prototype.hasOwnProperty.call(exceptionStatus, name)

/** @internal */
export const errorTypeHeader = (name: string): string => `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`
