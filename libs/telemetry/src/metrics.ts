/** A tiny Prometheus registry: counters, gauges and histograms with labels, rendered in text format 0.0.4. */

export type LabelValues<L extends string> = Readonly<Record<L, string | number>>;

export const MetricType = { Counter: 'counter', Gauge: 'gauge', Histogram: 'histogram' } as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

export class MetricsError extends Error {
  override readonly name = 'MetricsError';
  constructor(
    message: string,
    readonly metric: string,
    options?: ErrorOptions,
  ) {
    super(`metric ${metric}: ${message}`, options);
  }
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Default histogram buckets in seconds, from 1 ms to 10 s. */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface MetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  readonly buckets?: readonly number[];
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

abstract class Metric<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  abstract readonly type: MetricType;

  constructor(options: MetricOptions<L>) {
    if (!metricName.test(options.name)) throw new MetricsError('invalid metric name', options.name);
    for (const label of options.labelNames ?? []) {
      if (!labelName.test(label) || label.startsWith('__')) {
        throw new MetricsError(`invalid label name ${JSON.stringify(label)}`, options.name);
      }
    }
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  /** The label pairs in declared order, and the key of that series. */
  protected series(labels: LabelValues<L> | undefined): {
    key: string;
    pairs: Array<readonly [string, string]>;
  } {
    const given = (labels ?? {}) as Record<string, string | number>;
    for (const key of Object.keys(given)) {
      if (!(this.labelNames as readonly string[]).includes(key)) {
        throw new MetricsError(`unknown label ${JSON.stringify(key)}`, this.name);
      }
    }
    const pairs = this.labelNames.map((label) => {
      const value = given[label];
      if (value === undefined) throw new MetricsError(`missing label ${JSON.stringify(label)}`, this.name);
      return [label, String(value)] as const;
    });
    return { key: JSON.stringify(pairs.map(([, v]) => v)), pairs };
  }

  protected header(): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
  }

  abstract render(): string[];
}

interface Sample {
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  value: number;
}

export class Counter<L extends string = never> extends Metric<L> {
  readonly type = MetricType.Counter;
  private readonly samples = new Map<string, Sample>();

  /** Adds `value` (default 1, never negative) to the series of these labels. */
  inc(labels?: LabelValues<L>, value = 1): void {
    if (!(value >= 0)) throw new MetricsError(`counter increment must be >= 0, got ${value}`, this.name);
    const { key, pairs } = this.series(labels);
    const sample = this.samples.get(key);
    if (sample === undefined) this.samples.set(key, { pairs, value });
    else sample.value += value;
  }

  get(labels?: LabelValues<L>): number {
    return this.samples.get(this.series(labels).key)?.value ?? 0;
  }

  render(): string[] {
    const lines = this.header();
    for (const s of this.samples.values())
      lines.push(`${this.name}${formatLabels(s.pairs)} ${formatValue(s.value)}`);
    return lines;
  }
}

export class Gauge<L extends string = never> extends Metric<L> {
  readonly type = MetricType.Gauge;
  private readonly samples = new Map<string, Sample>();

  set(labels: LabelValues<L> | undefined, value: number): void {
    const { key, pairs } = this.series(labels);
    const sample = this.samples.get(key);
    if (sample === undefined) this.samples.set(key, { pairs, value });
    else sample.value = value;
  }

  inc(labels?: LabelValues<L>, value = 1): void {
    this.set(labels, this.get(labels) + value);
  }

  dec(labels?: LabelValues<L>, value = 1): void {
    this.set(labels, this.get(labels) - value);
  }

  get(labels?: LabelValues<L>): number {
    return this.samples.get(this.series(labels).key)?.value ?? 0;
  }

  render(): string[] {
    const lines = this.header();
    for (const s of this.samples.values())
      lines.push(`${this.name}${formatLabels(s.pairs)} ${formatValue(s.value)}`);
    return lines;
  }
}

interface HistogramSample {
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  /** Count per bucket (not cumulative), same order as the buckets. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Histogram<L extends string = never> extends Metric<L> {
  readonly type = MetricType.Histogram;
  readonly buckets: readonly number[];
  private readonly samples = new Map<string, HistogramSample>();

  constructor(options: HistogramOptions<L>) {
    super(options);
    if ((options.labelNames as readonly string[] | undefined)?.includes('le')) {
      throw new MetricsError('label "le" is reserved for histograms', options.name);
    }
    const buckets = [...(options.buckets ?? DEFAULT_BUCKETS)];
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!))
        throw new MetricsError('buckets must increase strictly', options.name);
    }
    this.buckets = buckets;
  }

  observe(labels: LabelValues<L> | undefined, value: number): void {
    const { key, pairs } = this.series(labels);
    let sample = this.samples.get(key);
    if (sample === undefined) {
      sample = { pairs, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.samples.set(key, sample);
    }
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) sample.counts[index]! += 1;
    sample.sum += value;
    sample.count += 1;
  }

  /** Starts a timer; calling the returned function observes the elapsed seconds. */
  startTimer(labels?: LabelValues<L>): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe(labels, seconds);
      return seconds;
    };
  }

  render(): string[] {
    const lines = this.header();
    for (const s of this.samples.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += s.counts[i]!;
        lines.push(
          `${this.name}_bucket${formatLabels([...s.pairs, ['le', formatValue(bound)]])} ${cumulative}`,
        );
      });
      lines.push(`${this.name}_bucket${formatLabels([...s.pairs, ['le', '+Inf']])} ${s.count}`);
      lines.push(`${this.name}_sum${formatLabels(s.pairs)} ${formatValue(s.sum)}`);
      lines.push(`${this.name}_count${formatLabels(s.pairs)} ${s.count}`);
    }
    return lines;
  }
}

/** Holds metrics by name and renders them all. */
export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric<string>>();

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.register(options.name, MetricType.Counter, () => new Counter<L>(options));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.register(options.name, MetricType.Gauge, () => new Gauge<L>(options));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.register(options.name, MetricType.Histogram, () => new Histogram<L>(options));
  }

  /** Text exposition format 0.0.4, ending in a newline. */
  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics.values()) lines.push(...metric.render());
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  /** Registering the same name again returns the existing metric when it is of the same type. */
  private register<M extends Metric<string>>(name: string, type: MetricType, create: () => M): M {
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (existing.type !== type) {
        throw new MetricsError(`already registered as a ${existing.type}, not a ${type}`, name);
      }
      return existing as M;
    }
    const metric = create();
    this.metrics.set(name, metric);
    return metric;
  }
}

/** The process-wide registry that services register their metrics in and `serveMetrics` exposes by default. */
export const defaultRegistry = new MetricsRegistry();
