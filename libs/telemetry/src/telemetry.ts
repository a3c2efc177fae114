import { context, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** OTLP/HTTP endpoint (e.g. http://jaeger:4318). Without it and without `exporter`, spans are created for context but not exported. */
  readonly otlpEndpoint?: string | undefined;
  /** An exporter of the caller's (tests pass an InMemorySpanExporter). Exported synchronously. */
  readonly exporter?: SpanExporter;
  /** Auto-instrument pg. Off in tests: Jest's module registry bypasses require hooks anyway. */
  readonly instrumentLibraries?: boolean;
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK. Call it first thing in `main.ts`, before the app's modules
 * are loaded, so that library instrumentations can patch them. Registers the W3C trace-context
 * propagator and an AsyncLocalStorage context manager, which the HTTP and NATS tracing rely on.
 */
export function startTelemetry(opts: TelemetryOptions): Telemetry {
  const processors: SpanProcessor[] = [];
  if (opts.exporter) processors.push(new SimpleSpanProcessor({ exporter: opts.exporter }));
  if (opts.otlpEndpoint) {
    const url = `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      [ATTR_SERVICE_VERSION]: opts.serviceVersion ?? '0.0.0',
    }),
    autoDetectResources: false,
    spanProcessors: processors,
    metricReaders: [],
    logRecordProcessors: [],
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: defaultPropagator(),
    instrumentations: opts.instrumentLibraries && processors.length > 0 ? [new PgInstrumentation({ enhancedDatabaseReporting: false })] : [],
  });
  sdk.start();
  return {
    async shutdown() {
      await sdk.shutdown();
      // Let a later start (another app in the same test process) register afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function defaultPropagator(): TextMapPropagator {
  return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
}
