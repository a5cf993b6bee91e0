import type { StreamedBody } from './body-stream';

/** HTTP headers as they travel: lower- or mixed-case names, one or several values. */
export type HeaderMap = Record<string, string | string[]>;

/** One call to a function, as the gateway or queue-worker sends it. */
export interface InvokeRequest {
  /** HTTP method. */
  method: string;
  /** Path below the function, starting with `/`. */
  path: string;
  /** Raw query string without `?`, empty when none. */
  query: string;
  /** Request headers to pass to the function (hop-by-hop and `Skiff-*` removed). */
  headers: HeaderMap;
  /** Raw body. */
  body: Uint8Array;
  /** A body still arriving (the HTTP request), served to the replica as it pulls; `body` is then ignored. */
  bodyStream?: StreamedBody;
}

/** A function's answer. */
export interface InvokeResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: HeaderMap;
  /** Raw body. */
  body: Uint8Array;
  /** Set when the platform (not the function) produced this answer: the component's name. */
  internal?: string;
}

/** A reply whose body may still be arriving. */
export interface InvokeStreamResponse extends InvokeResponse {
  /** The rest of the body when the replica streams it (`body` holds the first bytes); absent when `body` is all. */
  more?: AsyncIterable<Uint8Array>;
}
