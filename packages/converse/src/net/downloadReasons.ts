/**
 * Why a file given by URL was not downloaded: the one list, shared by the URL guard and core's
 * `FileDownload.Reason` Schema. A module of its own (no `ipaddr.js`, no `node:net`) so that core can
 * name the reasons when it is imported without loading the download code, which stays lazy.
 *
 * @since 0.1.0
 */

/**
 * The reasons, in the order core documents them (see `FileDownload.Reason` in core for each).
 *
 * @since 0.1.0
 * @category Models
 */
export const reasons = [
  "Disabled",
  "InvalidUrl",
  "UnsupportedScheme",
  "YouTube",
  "ForbiddenAddress",
  "TooManyRedirects",
  "TooLarge",
  "Timeout",
  "HttpStatus",
  "ConnectionFailed"
] as const

/**
 * @since 0.1.0
 * @category Models
 */
export type Reason = (typeof reasons)[number]
