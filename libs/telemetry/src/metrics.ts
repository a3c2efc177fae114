import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

export type { Counter, Histogram } from '@opentelemetry/api';

export interface ServiceMetricsOptions {
  readonly service: string;
  readonly tier: string;
  readonly version?: string;
}

/** A gauge that has not answered by then is left out of the scrape (Prometheus waits 10 s by default). */
const READ_DEADLINE_MS = 2000;

/** What `trackPool` reads of a pg `Pool`. */
export interface PoolLike {
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/** One observation of an observable gauge: its value and labels. */
export interface Observation {
  readonly value: number;
  readonly attributes?: Attributes;
}

/**
 * A service's metrics (OpenTelemetry), read by Prometheus at `GET /metrics`. One per service
 * instance, not the global meter provider: tests run several services in one process, and each
 * must show its own figures. Every series carries `service` and `tier` labels (Prometheus also
 * adds its own `job`/`instance`), so that a dashboard can compare the tiers.
 *
 * Code that owns a figure registers it here: counters and histograms it updates as things
 * happen, and observable gauges (`observe`) that are read at scrape time, such as a backlog that a
 * query counts. A gauge whose source does not answer (NATS down) reports nothing for that scrape
 * rather than failing the scrape.
 */
export class ServiceMetrics {
  readonly meter: Meter;
  private readonly provider: MeterProvider;
  private readonly reader: PrometheusExporter;
  private readonly serializer = new PrometheusSerializer(undefined, false, undefined, true, true);
  private readonly common: Attributes;

  constructor(opts: ServiceMetricsOptions) {
    this.reader = new PrometheusExporter({ preventServerStart: true });
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.service, [ATTR_SERVICE_VERSION]: opts.version ?? '0.0.0' }),
      readers: [this.reader],
    });
    this.meter = this.provider.getMeter('gm');
    this.common = { service: opts.service, tier: opts.tier };
  }

  /** The labels every series of this service carries, merged into `attributes`. */
  labels(attributes: Attributes = {}): Attributes {
    return { ...this.common, ...attributes };
  }

  /**
   * A gauge read at scrape time. `read` returns the observations, or undefined when its source
   * cannot say now (then the series is absent from this scrape). Errors are swallowed the same way.
   */
  observe(name: string, description: string, unit: string, read: () => Promise<readonly Observation[] | undefined> | readonly Observation[] | undefined): void {
    const gauge = this.meter.createObservableGauge(name, { description, unit });
    gauge.addCallback(async (result: ObservableResult) => {
      let values: readonly Observation[] | undefined;
      try {
        values = await Promise.race([read(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), READ_DEADLINE_MS).unref())]);
      } catch {
        values = undefined;
      }
      for (const v of values ?? []) result.observe(v.value, this.labels(v.attributes));
    });
  }

  private readonly pools = new Map<string, Set<PoolLike>>();

  /**
   * Counts a connection pool's connections in `gm_db_pool_connections{pool, state}` (state: in use,
   * idle, waiting: callers queued for a connection). Pools of one kind (several modules may each
   * have one) are summed.
   */
  trackPool(kind: string, pool: PoolLike): void {
    if (this.pools.size === 0) {
      this.observe('gm.db.pool.connections', 'Database connections of the service, by pool and state (in_use, idle, waiting callers)', '{connection}', () =>
        [...this.pools].flatMap(([name, set]) => {
          const sum = (f: (p: PoolLike) => number) => [...set].reduce((n, p) => n + f(p), 0);
          return [
            { value: sum((p) => p.totalCount - p.idleCount), attributes: { pool: name, state: 'in_use' } },
            { value: sum((p) => p.idleCount), attributes: { pool: name, state: 'idle' } },
            { value: sum((p) => p.waitingCount), attributes: { pool: name, state: 'waiting' } },
          ];
        }),
      );
    }
    const set = this.pools.get(kind) ?? new Set<PoolLike>();
    set.add(pool);
    this.pools.set(kind, set);
  }

  /** The Prometheus text exposition of every series, as collected now. */
  async scrape(): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    return this.serializer.serialize(resourceMetrics);
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }
}

/**
 * `read` once for all the gauges of one scrape that share it (their callbacks run together): the
 * first caller starts it, the others get the same promise until it settles.
 */
export function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => (inFlight ??= read().finally(() => (inFlight = undefined)));
}

/** The content type of the Prometheus text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
