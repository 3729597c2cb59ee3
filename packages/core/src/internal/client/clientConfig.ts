/**
 * `Config` helpers for `BedrockClient.layerConfig`: optional values and timeouts.
 *
 * @internal
 */
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as fs from "node:fs"
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

/**
 * The PEM certificates in the file named by `ours`, else by `aws` (botocore's name); a file that
 * cannot be read or holds no certificate is a `ConfigError` naming the variable.
 *
 * @internal
 */
export const caBundleConfig = (ours: string, aws: string): Config.Config<string | undefined> => {
  const read = (name: string) =>
    OptionsValidation.nonEmptyConfig(name).pipe(
      Config.mapOrFail((file) => {
        let text: string
        try {
          text = fs.readFileSync(file, "utf8")
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error)
          return Either.left(ConfigError.InvalidData([name], `Cannot read the CA bundle ${file}: ${reason}`))
        }
        const problem = OptionsValidation.checkCa(text, [name])
        return problem === undefined ? Either.right(text) : Either.left(problem)
      })
    )
  return optionalConfig(read(ours).pipe(Config.orElse(() => read(aws))))
}
