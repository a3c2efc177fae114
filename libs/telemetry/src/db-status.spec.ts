import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { DbErrorStatusScrubber } from './db-status';

describe('DbErrorStatusScrubber: failed database spans keep the error code, not the message', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new DbErrorStatusScrubber(), new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('test');
  afterEach(() => exporter.reset());

  it('replaces the message of a failed PostgreSQL span', () => {
    const span = tracer.startSpan('pg.query:INSERT', { attributes: { 'db.system.name': 'postgresql', 'error.type': '22P02' } });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'invalid input syntax for type uuid: "13812345678"' });
    span.end();
    const [done] = exporter.getFinishedSpans();
    expect(done!.status.code).toBe(SpanStatusCode.ERROR);
    expect(done!.status.message).toBe('postgresql error 22P02 (message withheld: it may quote the input)');
    expect(JSON.stringify(done!.status)).not.toContain('13812345678');
  });

  it('leaves other spans, and successful database spans, as they are', () => {
    const http = tracer.startSpan('POST /api/v1/reports');
    http.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timeout' });
    http.end();
    const ok = tracer.startSpan('pg.query:SELECT', { attributes: { 'db.system.name': 'postgresql' } });
    ok.end();
    const [a, b] = exporter.getFinishedSpans();
    expect(a!.status.message).toBe('upstream timeout');
    expect(b!.status.code).toBe(SpanStatusCode.UNSET);
  });
});
