// OpenTelemetry in memory, through @effect/opentelemetry exactly as a user sets it up: spans go to
// an InMemorySpanExporter, metrics are read on demand from a MetricReader, logs are captured by an
// Effect Logger.
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import type { HrTime } from "@opentelemetry/api"
import { type DataPoint, type Histogram, MetricReader } from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect, HashMap, Layer, Logger, LogLevel } from "effect"

class OnDemandReader extends MetricReader {
  protected onForceFlush() {
    return Promise.resolve()
  }
  protected onShutdown() {
    return Promise.resolve()
  }
}

export interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

export const makeOtel = () => {
  const exporter = new InMemorySpanExporter()
  const reader = new OnDemandReader()
  const logLines: Array<LogLine> = []
  const logger = Logger.make(({ annotations, logLevel, message }) => {
    logLines.push({
      level: logLevel.label,
      message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
      annotations: Object.fromEntries(HashMap.toEntries(annotations))
    })
  })
  const layer = Layer.mergeAll(
    NodeSdk.layer(() => ({
      resource: { serviceName: "effect-bedrock-test" },
      spanProcessor: new SimpleSpanProcessor(exporter),
      metricReader: reader
    })),
    Logger.replace(Logger.defaultLogger, logger)
  )
  const spans = () => exporter.getFinishedSpans()
  const span = (name: string): ReadableSpan => {
    const found = spans().filter((s) => s.name === name)
    if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${names()}`)
    return found[0]!
  }
  const names = () => spans().map((s) => s.name).join(", ")
  const childrenOf = (parent: ReadableSpan) =>
    spans().filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)
  const metric = (name: string) =>
    Effect.promise(() => reader.collect()).pipe(
      Effect.map(({ resourceMetrics }) => {
        const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).filter((m) =>
          m.descriptor.name === name
        )
        return {
          unit: found[0]?.descriptor.unit,
          points: found.flatMap((m) => m.dataPoints as Array<DataPoint<Histogram>>)
        }
      })
    )
  const reset = Effect.sync(() => {
    exporter.reset()
    logLines.length = 0
  })
  return { layer, spans, span, childrenOf, metric, logLines, reset }
}

/** Runs an effect with debug logs on (the default level, Info, hides them). */
export const withDebugLogs = Logger.withMinimumLogLevel(LogLevel.Debug)

export const millis = (time: HrTime) => time[0] * 1000 + time[1] / 1e6
