import { metrics, trace, type Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** One data point of a metric: its attributes and its value (a number, or a histogram's `{ count, sum, … }`). */
export interface Point {
  attributes: Attributes;
  value: number | { count: number; sum?: number };
}

/** An OpenTelemetry SDK installed globally with in-memory exporters, as an app would install one at startup. */
export interface InstalledOpenTelemetry {
  /** Every metric collected now (cumulative), by name. */
  collect(): Promise<Map<string, Point[]>>;
  /** The spans ended so far. */
  spans(): ReadableSpan[];
  /** Unregisters the SDK (the API is a no-op again). */
  uninstall(): Promise<void>;
}

/**
 * Installs the metrics and tracing SDKs (global providers) with in-memory exporters. Call before creating the app.
 * Metrics are exported every `exportIntervalMillis` (default: only when collected).
 */
export function installOpenTelemetry({ exportIntervalMillis = 3_600_000 } = {}): InstalledOpenTelemetry {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  metrics.setGlobalMeterProvider(meterProvider);
  trace.setGlobalTracerProvider(tracerProvider);
  return {
    async collect() {
      metricExporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, Point[]>();
      for (const resource of metricExporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            const points = metric.dataPoints.map((p) => ({
              attributes: p.attributes,
              value: p.value as Point['value'],
            }));
            // One stream per name: an instrument created twice with other options would export two.
            if (byName.has(metric.descriptor.name))
              throw new Error(`${metric.descriptor.name} exported twice`);
            byName.set(metric.descriptor.name, points);
          }
        }
      }
      return byName;
    },
    spans: () => spanExporter.getFinishedSpans(),
    async uninstall() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
      metrics.disable();
      trace.disable();
    },
  };
}

/** The value of the point whose attributes include `attributes` (0 when there is none). */
export function valueOf(points: Point[] | undefined, attributes: Attributes): number {
  const point = points?.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v));
  if (!point) return 0;
  return typeof point.value === 'number' ? point.value : point.value.count;
}
