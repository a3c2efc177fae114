import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * Database spans that failed keep the fact and PostgreSQL's error code, not the server's message:
 * the pg instrumentation puts `error.message` into the span status, and PostgreSQL's messages may
 * quote the input (`invalid input syntax for type uuid: "<what was sent>"`, a duplicate key's
 * value), which could be personal data. Runs while the span is ending, before any exporter sees it.
 */
export class DbErrorStatusScrubber implements SpanProcessor {
  onStart(): void {}

  onEnding(span: Span): void {
    const system = span.attributes['db.system.name'] ?? span.attributes['db.system'];
    if (system === undefined || span.status.code !== SpanStatusCode.ERROR || span.status.message === undefined) return;
    const code = span.attributes['error.type'];
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${String(system)} error${code !== undefined ? ` ${String(code)}` : ''} (message withheld: it may quote the input)` });
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
