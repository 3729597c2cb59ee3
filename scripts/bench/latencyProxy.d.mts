export interface LatencyProxy {
  readonly port: number
  readonly close: () => Promise<void>
}

export declare function startLatencyProxy(options: {
  readonly host: string
  readonly port: number
  readonly rttMs: number
}): Promise<LatencyProxy>
