/** Header names used on NATS messages and HTTP requests. Written here once. */
export const Headers = {
  /** W3C Trace Context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** The caller's bearer token, forwarded on NATS requests so that every entry verifies it. */
  authorization: 'authorization',
  /** JetStream de-duplication. */
  natsMsgId: 'Nats-Msg-Id',
  /** CloudEvents binary-mode hints, for consumers that only read headers. */
  ceType: 'Ce-Type',
  ceId: 'Ce-Id',
  ceSource: 'Ce-Source',
  /**
   * When a report accepted earlier (store-and-forward) is delivered late: the time the caller's
   * token was checked. The callee verifies the token as of that time, within a bounded window.
   */
  acceptedAt: 'gm-accepted-at',
  /** Set on a reply that repeats an earlier answer for the same idempotency key. */
  idempotentReplayed: 'Idempotent-Replayed',
} as const;
