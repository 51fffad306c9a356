/** The parser's bounds, each refused with its own status (RFC 9112 §3, RFC 6585 §5). */
export interface H1Limits {
  /** Request or status line, in bytes; longer → 414. Default 8 KiB. */
  readonly maxStartLineBytes: number;
  /** The whole header (or trailer) section, in bytes; larger → 431. Default 64 KiB. */
  readonly maxHeaderBytes: number;
  /** Header (or trailer) fields; more → 431. Default 100. */
  readonly maxFields: number;
  /** A declared Content-Length or the sum of chunks past this → 413. Default: unbounded (a proxy streams). */
  readonly maxBodyBytes: number;
  /** Bytes of chunk extensions per chunk line; more → 400 (extension abuse). Default 1 KiB. */
  readonly maxChunkExtensionBytes: number;
}

export const DEFAULT_H1_LIMITS: H1Limits = {
  maxStartLineBytes: 8 * 1024,
  maxHeaderBytes: 64 * 1024,
  maxFields: 100,
  maxBodyBytes: Number.MAX_SAFE_INTEGER,
  maxChunkExtensionBytes: 1024,
};
