/** What a handler returns; the server writes it (or a fault middleware replaces or drops it). */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  /** A JSON value (serialized by the server) or nothing. */
  body?: unknown;
  /** A JSON body the handler serialized itself (a hot path's answer written as text); wins over `body`. */
  json?: string;
  /** Bytes sent as they are (file contents), with the content-type the handler put in `headers`. */
  raw?: Buffer;
  /** The HTTP reason phrase; the service puts an error's message there ("409 The specified pool already exists."). */
  statusMessage?: string;
}
