// `moduleResolution: node10` (old CommonJS projects): subpaths resolve through `typesVersions`.
import { BedrockLanguageModel } from "@effect-bedrock/core"
import { TestLanguageModel } from "@effect-bedrock/core/testing"
import * as Toolkit from "@effect-bedrock/core/Toolkit"
import { LocalBedrock, LocalBedrockScript } from "@effect-bedrock/local"

export const modules = [
  BedrockLanguageModel.layer,
  TestLanguageModel.layerScripted,
  Toolkit.make,
  LocalBedrock.layer,
  LocalBedrockScript.failure
]
