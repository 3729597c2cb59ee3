/**
 * The modelled Bedrock Runtime exceptions, as data: each one's name on the wire, the HTTP status the
 * service model gives it, whether repeating the request may help, whether Bedrock sends it as an event
 * inside a ConverseStream (and under which event key), and whether a failure of that kind may be about the
 * model id. `@effect-bedrock/core` builds one error class per row (`BedrockError.exceptions`, same order).
 *
 * @since 0.1.0
 */

/**
 * What one modelled Bedrock exception is: its name on the wire, the HTTP status the service model gives it
 * (used when it arrives inside a stream, where there is no status), whether repeating the request may help,
 * and whether Bedrock sends it as an event inside a ConverseStream.
 *
 * @since 0.1.0
 * @category Models
 */
export interface ExceptionInfo {
  readonly name: string
  readonly status: number
  readonly retryable: boolean
  readonly inStream: boolean
  /** Failures about the model id get a `suggestion` with a likely correct id. */
  readonly suggestsModelId?: boolean | undefined
}

/**
 * Every modelled exception, once, in the order of `BedrockError.exceptions`.
 *
 * @since 0.1.0
 * @category Models
 */
export const exceptions = [
  { name: "ThrottlingException", status: 429, retryable: true, inStream: true },
  { name: "ValidationException", status: 400, retryable: false, inStream: true, suggestsModelId: true },
  { name: "AccessDeniedException", status: 403, retryable: false, inStream: false },
  { name: "ResourceNotFoundException", status: 404, retryable: false, inStream: false, suggestsModelId: true },
  { name: "ModelTimeoutException", status: 408, retryable: true, inStream: false },
  { name: "ModelNotReadyException", status: 429, retryable: true, inStream: false },
  // The model itself failed on this input: the same input usually fails the same way.
  { name: "ModelErrorException", status: 424, retryable: false, inStream: false },
  // Documented as "Retry your request"; a stream is only retried before its first event.
  { name: "ModelStreamErrorException", status: 424, retryable: true, inStream: true },
  // Waiting seconds does not raise a quota.
  { name: "ServiceQuotaExceededException", status: 400, retryable: false, inStream: false },
  { name: "ServiceUnavailableException", status: 503, retryable: true, inStream: true },
  { name: "InternalServerException", status: 500, retryable: true, inStream: true }
] as const satisfies ReadonlyArray<ExceptionInfo>

/**
 * The name of a modelled exception.
 *
 * @since 0.1.0
 * @category Models
 */
export type ExceptionName = (typeof exceptions)[number]["name"]

const byName: ReadonlyMap<string, ExceptionInfo> = new Map(exceptions.map((e) => [e.name, e]))

/**
 * The modelled exception of that name, if any.
 *
 * @since 0.1.0
 * @category Lookup
 */
export const exceptionInfo = (name: string): ExceptionInfo | undefined => byName.get(name)

/**
 * The key an exception has as a ConverseStream event: its name with a lower-case first letter
 * (`ThrottlingException` arrives as `{ throttlingException: { message } }`).
 *
 * @since 0.1.0
 * @category Lookup
 */
export const eventKey = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1)

/**
 * The exceptions Bedrock sends inside a stream, by their event key, in table order.
 *
 * @since 0.1.0
 * @category Models
 */
export const streamExceptions: ReadonlyArray<readonly [key: string, exception: ExceptionInfo]> = exceptions
  .filter((e) => e.inStream).map((e) => [eventKey(e.name), e] as const)
