import type { EncodingProblem } from "../manifests/index.js";
import type { Problem, ResourceKind } from "../runtime/ports.js";

/** One document of a manifest file, identified even when its spec is invalid. */
export interface ParsedDocument {
  readonly kind: ResourceKind;
  readonly namespace: string;
  readonly name: string;
  /** The validated spec; undefined when the document failed validation (see problems). */
  readonly spec: unknown;
  readonly valid: boolean;
  /** A content-derived generation; without it the source counts spec changes from 1. */
  readonly generation?: number;
  /** A job's spec.poolRef.name and its line, for the missing-pool check across files. */
  readonly poolRef?: { readonly name: string; readonly line: number };
  /** A pool's or job's spec.accountRef.name and its line, for the missing-account check across files. */
  readonly accountRef?: { readonly name: string; readonly line: number };
  /** The document's first line, and the lines of the paths a cross-resource rule may name (batch-id-unique, container-settings-pool). */
  readonly line?: number;
  readonly lines?: Readonly<Record<string, number>>;
}

/**
 * What parsing one file yields. `readable: false` means the file as a whole could not be read
 * as YAML (half-written, syntax error): none of its documents can be trusted, so the directory
 * source keeps the last good version of the file's resources.
 */
export interface FileParseResult {
  readonly readable: boolean;
  readonly documents: readonly ParsedDocument[];
  /** Problems found in the file; `file` is filled in by the source. */
  readonly problems: readonly Problem[];
}

/**
 * Parses one manifest file's text; `file` is the path relative to the watched directory; `encoding`
 * is the byte-level problem found decoding it (NUL byte, invalid UTF-8), if any.
 */
export type ManifestParser = (file: string, text: string, encoding?: EncodingProblem) => FileParseResult;
