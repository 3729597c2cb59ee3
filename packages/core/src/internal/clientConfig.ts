/**
 * `Config` helpers for `BedrockClient.layerConfig`: optional values and timeouts.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as OptionsValidation from "./optionsValidation.js"

/** @internal */
export const optionalConfig = <A>(config: Config.Config<A>): Config.Config<A | undefined> =>
  Config.option(config).pipe(Config.map(Option.getOrUndefined))

/** @internal */
export const durationConfig = (name: string): Config.Config<Duration.Duration | undefined> =>
  optionalConfig(OptionsValidation.positiveDurationConfig(name))

/**
 * Ours (`"30 seconds"` or milliseconds), else pydantic-ai's / botocore's name (seconds).
 *
 * @internal
 */
export const timeoutConfig = (ours: string, aws: string): Config.Config<Duration.Duration | undefined> =>
  Config.zipWith(
    durationConfig(ours),
    optionalConfig(
      Config.duration(aws).pipe(
        Config.orElse(() => Config.number(aws).pipe(Config.map(Duration.seconds))),
        // `Duration.seconds` turns a negative or NaN number into zero.
        Config.validate({ message: "Expected a positive duration", validation: (d) => !Duration.isZero(d) })
      )
    ),
    (first, second) => first ?? second
  )
