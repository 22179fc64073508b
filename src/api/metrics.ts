/**
 * A tiny Prometheus metrics registry: counters and gauges with labels, rendered in the text exposition
 * format (https://prometheus.io/docs/instrumenting/exposition_formats/). Any part of Parley can add its
 * own: `metrics.counter('parley_sip_requests_total', 'SIP requests received', ['method']).inc({ method })`.
 */
export type Labels = Record<string, string | number>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels);
  if (!keys.length) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(String(labels[k]))}"`).join(',')}}`;
}

abstract class Metric {
  readonly name: string;
  readonly help: string;
  protected readonly values = new Map<string, number>();
  abstract readonly type: 'counter' | 'gauge';

  constructor(name: string, help: string) {
    if (!NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
    this.name = name;
    this.help = help;
  }

  get(labels?: Labels): number {
    return this.values.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines = [
      `# HELP ${this.name} ${this.help.replace(/\n/g, ' ')}`,
      `# TYPE ${this.name} ${this.type}`,
    ];
    this.collect();
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [labels, v] of this.values) lines.push(`${this.name}${labels} ${v}`);
    return lines.join('\n');
  }

  protected collect(): void {}
}

export class Counter extends Metric {
  readonly type = 'counter' as const;
  inc(labels?: Labels, by = 1): void {
    if (by < 0) throw new Error('a counter only goes up');
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge' as const;
  private readonly collector?: () => number | Array<[Labels, number]>;

  constructor(name: string, help: string, collect?: () => number | Array<[Labels, number]>) {
    super(name, help);
    this.collector = collect;
  }

  set(value: number, labels?: Labels): void {
    this.values.set(labelText(labels), value);
  }

  inc(labels?: Labels, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }

  protected override collect(): void {
    if (!this.collector) return;
    const v = this.collector();
    if (typeof v === 'number') this.values.set('', v);
    else {
      this.values.clear();
      for (const [labels, n] of v) this.values.set(labelText(labels), n);
    }
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();

  /** Returns the counter of that name, creating it on first use. */
  counter(name: string, help: string): Counter {
    const m = this.metrics.get(name);
    if (m instanceof Counter) return m;
    if (m) throw new Error(`metric ${name} is already a ${m.type}`);
    const c = new Counter(name, help);
    this.metrics.set(name, c);
    return c;
  }

  /** Returns the gauge of that name; `collect` computes its value at each scrape instead of `set`. */
  gauge(name: string, help: string, collect?: () => number | Array<[Labels, number]>): Gauge {
    const m = this.metrics.get(name);
    if (m instanceof Gauge) return m;
    if (m) throw new Error(`metric ${name} is already a ${m.type}`);
    const g = new Gauge(name, help, collect);
    this.metrics.set(name, g);
    return g;
  }

  /** The text exposition format, version 0.0.4. */
  render(): string {
    return `${[...this.metrics.values()].map((m) => m.render()).join('\n')}\n`;
  }
}
