import { context, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, getNumberFromEnv, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceAttributesEnvDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_DB_QUERY_TEXT, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { DbErrorStatusScrubber } from './db-status';
import { withoutLiterals } from './query-text';

export interface TelemetryOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** More resource attributes of every span (the services set `gm.tier`: both tiers of a compose run share service names). */
  readonly attributes?: Readonly<Record<string, string>>;
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
  const processors: SpanProcessor[] = [new DbErrorStatusScrubber()];
  if (opts.exporter) processors.push(new SimpleSpanProcessor({ exporter: opts.exporter }));
  if (opts.otlpEndpoint) {
    const url = `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), ...batchSettings() }));
  }
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName,
      [ATTR_SERVICE_VERSION]: opts.serviceVersion ?? '0.0.0',
      ...opts.attributes,
    }),
    // Only what the operator declares (OTEL_RESOURCE_ATTRIBUTES, e.g. `gm.tier=350206`): host and
    // process detectors would add noise (and the host's name) to every span.
    autoDetectResources: true,
    resourceDetectors: [resourceAttributesEnvDetector],
    spanProcessors: processors,
    metricReaders: [],
    logRecordProcessors: [],
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: defaultPropagator(),
    instrumentations: opts.instrumentLibraries && processors.length > 1 ? [pgInstrumentation()] : [],
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

/**
 * Spans of PostgreSQL queries without the values: neither the parameters (enhanced reporting off)
 * nor the literals of statements that carry their values inline (MikroORM's), which would put
 * personal data into the tracing backend.
 */
function pgInstrumentation(): PgInstrumentation {
  return new PgInstrumentation({
    enhancedDatabaseReporting: false,
    requestHook: (span, info) => span.setAttribute(ATTR_DB_QUERY_TEXT, withoutLiterals(info.query.text)),
  });
}

/**
 * The standard OTEL_BSP_* settings (the export delay, 5 s by default, above all). The SDK reads them
 * only for a batch processor it builds itself, which it does not when given its processors.
 */
function batchSettings(): { scheduledDelayMillis?: number; exportTimeoutMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number } {
  const positive = (name: string) => {
    const v = getNumberFromEnv(name);
    return v !== undefined && v > 0 ? v : undefined;
  };
  const settings = {
    scheduledDelayMillis: positive('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: positive('OTEL_BSP_EXPORT_TIMEOUT'),
    maxQueueSize: positive('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: positive('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

function defaultPropagator(): TextMapPropagator {
  return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
}
