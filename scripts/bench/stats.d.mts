export declare const SCENARIOS: ReadonlyArray<string>
export declare const SCENARIO_CLIENTS: Readonly<Record<string, ReadonlyArray<string>>>
export declare const CLIENTS: ReadonlyArray<string>
export declare const BASELINE: "aws-sdk"
export declare const TUNED: "aws-sdk-tuned"
export declare const OURS: "effect-bedrock"
export declare const OURS_AI: "effect-bedrock-ai"
export declare const EFFECT_AI_PEER: "effect-ai-bedrock"
export declare const OURS_EFFECT4: "effect-bedrock-effect4"

export interface Measurement {
  readonly value: number
  readonly unit: string
  readonly higherIsBetter: boolean
  readonly [key: string]: unknown
}

export interface Row {
  readonly scenario: string
  readonly client: string
  readonly value: number
  readonly unit: string
  readonly higherIsBetter: boolean
  readonly ratioToSdk: number
  readonly min: number
  readonly max: number
  readonly rounds: number
  readonly [key: string]: unknown
}

export interface Check {
  readonly scenario: string
  readonly target: string
  readonly actual: unknown
  readonly ok: boolean | undefined
}

export declare function quantile(values: ReadonlyArray<number>, q: number): number
export declare function median(values: ReadonlyArray<number>): number
export declare function summarize(values: ReadonlyArray<number>): {
  median: number
  min: number
  max: number
  q1: number
  q3: number
  n: number
}
export declare function rowsFor(
  scenario: string,
  rounds: Readonly<Record<string, ReadonlyArray<Measurement>>>
): Array<Row>
export declare function memoryIsFlat(row: Row): boolean | undefined
export declare function checkTargets(rows: ReadonlyArray<Row>): Array<Check>
export declare function validateDocument<A>(doc: A): A
