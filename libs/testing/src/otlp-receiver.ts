import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type ReceivedSpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** One span as a collector received it, with its resource's and scope's names flattened in. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: ReceivedSpanKind;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The exporting process's resource (`service.name`, and whatever else it declares). */
  readonly resource: Readonly<Record<string, unknown>>;
  /** The instrumentation scope (tracer name). */
  readonly scope: string;
  readonly events: readonly { readonly name: string; readonly attributes: Readonly<Record<string, unknown>> }[];
  readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly status: { readonly code: number; readonly message?: string };
}

/** A request the receiver could not take (wrong path, an encoding it does not read): the test should fail on it. */
export interface RejectedExport {
  readonly path: string;
  readonly contentType: string;
  readonly reason: string;
}

// OTLP's Span.SpanKind, by number (as the JSON encoding sends it).
const KINDS: readonly ReceivedSpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/**
 * A collector's OTLP/HTTP trace endpoint for tests: services started with
 * `OTEL_EXPORTER_OTLP_ENDPOINT=<receiver.endpoint>` export their spans to it, over real HTTP,
 * through the same exporter and batch processor as in production. It reads the JSON encoding
 * (what `@opentelemetry/exporter-trace-otlp-http` sends), gzipped or not; protobuf is refused
 * with 415 and recorded in `rejected`, so that a change of encoding fails loudly instead of
 * looking like missing spans.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly rejected: RejectedExport[] = [];
  /** Export requests accepted. */
  requests = 0;
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();

  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends `/v1/traces`). */
  get endpoint(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('the OTLP receiver is not listening');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0]!;
        const contentType = String(req.headers['content-type'] ?? '');
        const reject = (status: number, reason: string) => {
          this.rejected.push({ path, contentType, reason });
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: reason }));
        };
        if (req.method !== 'POST' || !path.endsWith('/v1/traces')) return reject(404, `${req.method} ${path}: only POST …/v1/traces is served`);
        if (!contentType.startsWith('application/json')) return reject(415, `content type ${contentType || 'none'}: only the OTLP JSON encoding is read`);
        let request: ExportTraceServiceRequest;
        try {
          const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
          request = JSON.parse(body.toString('utf8')) as ExportTraceServiceRequest;
        } catch (err) {
          return reject(400, `unreadable export: ${(err as Error).message}`);
        }
        this.requests++;
        this.spans.push(...spansOf(request));
        // An empty partial success: everything was accepted.
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this;
  }

  /** The spans of one trace, in the order received. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Starts an OTLP/HTTP receiver on a free loopback port. */
export function startOtlpReceiver(): Promise<OtlpReceiver> {
  return new OtlpReceiver().start();
}

// The parts of the OTLP JSON encoding read here (opentelemetry-proto, trace/v1 and common/v1).
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: KeyValue[];
  events?: { name: string; attributes?: KeyValue[] }[];
  links?: { traceId: string; spanId: string }[];
  status?: { code?: number; message?: string };
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
}

function spansOf(request: ExportTraceServiceRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: KINDS[s.kind ?? 0] ?? 'unspecified',
          attributes: attributesOf(s.attributes),
          resource,
          scope: ss.scope?.name ?? '',
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          status: { code: s.status?.code ?? 0, ...(s.status?.message && { message: s.status.message }) },
        });
      }
    }
  }
  return out;
}

function attributesOf(kvs: readonly KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

function valueOf(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  if (v.kvlistValue) return attributesOf(v.kvlistValue.values);
  return undefined;
}
