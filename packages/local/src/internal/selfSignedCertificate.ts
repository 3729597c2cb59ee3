/**
 * A self-signed X.509 certificate for the HTTPS mode of the local server, made with `node:crypto`
 * alone: an EC P-256 key, the TBSCertificate written as DER by the small ASN.1 writer below,
 * signed with ECDSA-SHA256. The certificate names `127.0.0.1` and `localhost` (subjectAltName),
 * is valid for a short time, and is meant to be trusted by the client under test only (its `ca`).
 *
 * @internal
 */
import * as crypto from "node:crypto"

// =============================================================================
// DER writer
// =============================================================================

const length = (n: number): Buffer => {
  if (n < 0x80) return Buffer.from([n])
  const bytes: Array<number> = []
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

const tlv = (tag: number, content: Buffer): Buffer =>
  Buffer.concat([Buffer.from([tag]), length(content.length), content])

const sequence = (...items: ReadonlyArray<Buffer>): Buffer => tlv(0x30, Buffer.concat(items))

const set = (...items: ReadonlyArray<Buffer>): Buffer => tlv(0x31, Buffer.concat(items))

/** A non-negative INTEGER from big-endian bytes (a leading zero keeps it positive). */
const integer = (bytes: Buffer): Buffer => {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1]! & 0x80) === 0) start++
  const trimmed = bytes.subarray(start)
  return tlv(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed)
}

const oid = (dotted: string): Buffer => {
  const [first, second, ...rest] = dotted.split(".").map(Number)
  const bytes: Array<number> = [first! * 40 + second!]
  for (const arc of rest) {
    const group: Array<number> = [arc & 0x7f]
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      group.unshift(0x80 | (value & 0x7f))
    }
    for (const byte of group) bytes.push(byte)
  }
  return tlv(0x06, Buffer.from(bytes))
}

const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"))

const octetString = (content: Buffer): Buffer => tlv(0x04, content)

const bitString = (content: Buffer): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content]))

const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0]))

/** UTCTime (years 1950-2049) or GeneralizedTime, as RFC 5280 asks. */
const time = (date: Date): Buffer => {
  const iso = date.toISOString() // 2026-11-29T14:51:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") // 20261129145100
  const year = date.getUTCFullYear()
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, "latin1")) : tlv(0x18, Buffer.from(`${digits}Z`))
}

/** `[n] EXPLICIT` */
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content)

// =============================================================================
// Certificate
// =============================================================================

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2"
const COMMON_NAME = "2.5.4.3"
const SUBJECT_ALT_NAME = "2.5.29.17"
const BASIC_CONSTRAINTS = "2.5.29.19"
const KEY_USAGE = "2.5.29.15"
const EXT_KEY_USAGE = "2.5.29.37"
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1"

const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
  sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value))

/** A subjectAltName entry: an IP address (`[7]`, 4 or 16 bytes) or a DNS name (`[2]`). */
const generalName = (name: string): Buffer => {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(name)
  if (v4 !== null) return tlv(0x87, Buffer.from(v4.slice(1).map(Number)))
  if (name === "::1") return tlv(0x87, Buffer.from([...new Array<number>(15).fill(0), 1]))
  return tlv(0x82, Buffer.from(name, "latin1"))
}

/** @internal */
export interface SelfSignedCertificate {
  /** The certificate, PEM. */
  readonly certificate: string
  /** Its private key, PKCS#8 PEM. */
  readonly privateKey: string
  readonly notAfter: Date
}

/** @internal */
export interface CertificateOptions {
  /** subjectAltName entries (default `127.0.0.1`, `::1`, `localhost`). */
  readonly names?: ReadonlyArray<string> | undefined
  /** Validity from now, in milliseconds (default 7 days). */
  readonly validForMillis?: number | undefined
  readonly commonName?: string | undefined
  readonly now?: Date | undefined
}

/**
 * A fresh key and a self-signed certificate for it (about a millisecond).
 *
 * @internal
 */
export const make = (options: CertificateOptions = {}): SelfSignedCertificate => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
  const now = options.now ?? new Date()
  // A minute of slack for clocks a little behind.
  const notBefore = new Date(now.getTime() - 60_000)
  const notAfter = new Date(now.getTime() + (options.validForMillis ?? 7 * 24 * 60 * 60 * 1000))
  const name = sequence(set(sequence(oid(COMMON_NAME), utf8String(options.commonName ?? "effect-bedrock local"))))
  const algorithm = sequence(oid(ECDSA_WITH_SHA256))
  const names = options.names ?? ["127.0.0.1", "::1", "localhost"]
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(crypto.randomBytes(16)),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    explicit(
      3,
      sequence(
        extension(BASIC_CONSTRAINTS, true, sequence()),
        // digitalSignature (bit 0): the key signs the TLS handshake.
        extension(KEY_USAGE, true, tlv(0x03, Buffer.from([7, 0x80]))),
        extension(EXT_KEY_USAGE, false, sequence(oid(SERVER_AUTH))),
        extension(SUBJECT_ALT_NAME, false, sequence(...names.map(generalName)))
      )
    )
  )
  const signature = crypto.sign("sha256", tbs, privateKey)
  const der = sequence(tbs, algorithm, bitString(signature))
  const base64 = der.toString("base64").replace(/.{1,64}/g, "$&\n")
  return {
    certificate: `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    notAfter
  }
}
