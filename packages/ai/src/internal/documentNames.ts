/**
 * Document names. `@effect-bedrock/core` names the documents of a request
 * `Document 1`, `Document 2`, ... in prompt order (Converse needs a unique
 * name per document). The names asked for through `@effect/ai` (a file part's
 * `fileName`, or `options.effectBedrock.documentName`) are put in place by the
 * `BedrockClient` the model is built on: the mapping puts the names of the
 * call in its context, and the client renames those documents in the
 * Converse input before sending it. Without names in context the client
 * passes every call straight through.
 *
 * @internal
 */
import * as BedrockClient from "@effect-bedrock/core/BedrockClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Streams from "./streams.js"

/**
 * The document names of the current call, by the number
 * `@effect-bedrock/core` gives each document.
 *
 * @internal
 */
export class DocumentNames extends Context.Tag("@effect-bedrock/ai/internal/DocumentNames")<
  DocumentNames,
  ReadonlyMap<number, string>
>() {}

// The SDK's types, through the client's signature (the SDK is a dependency of core, not of this package).
type ConverseCommandInput = Parameters<BedrockClient.Service["converse"]>[0]
type ContentBlock = NonNullable<NonNullable<ConverseCommandInput["messages"]>[number]["content"]>[number]

const DEFAULT_NAME = /^Document (\d+)$/

const renameBlocks = (content: Array<ContentBlock> | undefined, names: ReadonlyMap<number, string>): void => {
  if (content === undefined) return
  for (const block of content) {
    if (block.document !== undefined && block.document.name !== undefined) {
      const match = DEFAULT_NAME.exec(block.document.name)
      const name = match === null ? undefined : names.get(Number(match[1]))
      // The block was built for this request alone: renaming it in place touches nothing shared.
      if (name !== undefined) block.document.name = name
    }
    if (block.toolResult?.content !== undefined) renameBlocks(block.toolResult.content as Array<ContentBlock>, names)
  }
}

/**
 * The Converse input with the documents renamed.
 *
 * @internal
 */
export const rename = <I extends ConverseCommandInput>(input: I, names: ReadonlyMap<number, string>): I => {
  for (const message of input.messages ?? []) renameBlocks(message.content, names)
  return input
}

/**
 * A client that renames documents as the call's `DocumentNames` say.
 *
 * @internal
 */
export const wrapClient = (client: BedrockClient.Service): BedrockClient.Service =>
  BedrockClient.BedrockClient.of({
    converse: (input, options) =>
      Effect.flatMap(Effect.serviceOption(DocumentNames), (names) =>
        client.converse(Option.isNone(names) ? input : rename(input, names.value), options)),
    converseStream: (input, options) =>
      Streams.contextWith((context: Context.Context<never>) => {
        const names = Context.getOption(context as Context.Context<DocumentNames>, DocumentNames)
        return client.converseStream(Option.isNone(names) ? input : rename(input, names.value), options)
      }),
    countTokens: client.countTokens
  })
