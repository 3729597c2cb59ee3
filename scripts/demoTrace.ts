/**
 * `npm start -- --trace`: the demo's spans, exported by `@effect/opentelemetry` exactly as in an
 * application (NodeSdk, a span processor), into memory, then printed as a tree with every
 * attribute and event. docs/observability.md shows its output.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import type { HrTime } from "@opentelemetry/api"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Effect } from "effect"

const kinds = ["internal", "server", "client", "producer", "consumer"]

const millis = (time: HrTime) => time[0] * 1000 + time[1] / 1e6

const value = (v: unknown) => typeof v === "string" ? JSON.stringify(v) : String(v)

const render = (spans: ReadonlyArray<ReadableSpan>): string => {
  const ids = new Set(spans.map((span) => span.spanContext().spanId))
  const byStart = [...spans].sort((a, b) => millis(a.startTime) - millis(b.startTime))
  const children = (parent: ReadableSpan | undefined) =>
    byStart.filter((span) => {
      const parentId = span.parentSpanContext?.spanId
      return parent === undefined
        ? parentId === undefined || !ids.has(parentId)
        : parentId === parent.spanContext().spanId
    })
  const lines: Array<string> = []
  const visit = (span: ReadableSpan, indent: string, last: boolean, root: boolean) => {
    const branch = root ? "" : last ? "└─ " : "├─ "
    const inner = root ? "" : last ? "   " : "│  "
    const duration = millis(span.endTime) - millis(span.startTime)
    const status = span.status.code === 2 ? ` ERROR: ${span.status.message ?? ""}` : ""
    lines.push(`${indent}${branch}${span.name}  [${kinds[span.kind]}, ${duration.toFixed(1)} ms]${status}`)
    const kids = children(span)
    const detail = indent + inner + (kids.length > 0 ? "│    " : "     ")
    for (const [key, v] of Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`${detail}${key} = ${value(v)}`)
    }
    for (const event of span.events) {
      const at = millis(event.time) - millis(span.startTime)
      const attributes = Object.entries(event.attributes ?? {}).map(([k, v]) => `${k}=${value(v)}`).join(" ")
      lines.push(`${detail}event +${at.toFixed(1)} ms: ${event.name}${attributes ? ` {${attributes}}` : ""}`)
    }
    kids.forEach((kid, i) => visit(kid, indent + inner, i === kids.length - 1, false))
  }
  for (const root of children(undefined)) visit(root, "", true, true)
  return lines.join("\n")
}

export const make = () => {
  const exporter = new InMemorySpanExporter()
  const layer = NodeSdk.layer(() => ({
    resource: { serviceName: "effect-bedrock-demo" },
    spanProcessor: new SimpleSpanProcessor(exporter)
  }))
  const print = Effect.sync(() => process.stdout.write(`\ntrace:\n${render(exporter.getFinishedSpans())}\n`))
  return { layer, print }
}
