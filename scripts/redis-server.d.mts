export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string
  readonly port: number
  readonly pid: number | undefined
  /** Ends the process (SIGTERM, then SIGKILL after 5 s). */
  readonly stop: () => Promise<void>
}

export declare function findRedisServer(): string | undefined

export declare function ensureRedisServer(
  options?: { readonly install?: boolean }
): { readonly path: string; readonly reason?: undefined } | { readonly path?: undefined; readonly reason: string }

export declare function startRedisServer(): Promise<RedisServer>
