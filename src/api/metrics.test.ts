import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MetricsRegistry } from './metrics.ts';

it('renders counters and gauges in the Prometheus text format', () => {
  const m = new MetricsRegistry();
  const c = m.counter('parley_things_total', 'Things');
  c.inc();
  c.inc({ kind: 'a"b' }, 2);
  assert.equal(m.counter('parley_things_total', 'Things'), c, 'same name, same counter');
  m.gauge('parley_rooms', 'Rooms open', () => 3);
  const g = m.gauge('parley_level', 'Level');
  g.set(5);
  g.dec();
  assert.equal(
    m.render(),
    [
      '# HELP parley_things_total Things',
      '# TYPE parley_things_total counter',
      'parley_things_total 1',
      'parley_things_total{kind="a\\"b"} 2',
      '# HELP parley_rooms Rooms open',
      '# TYPE parley_rooms gauge',
      'parley_rooms 3',
      '# HELP parley_level Level',
      '# TYPE parley_level gauge',
      'parley_level 4',
      '',
    ].join('\n'),
  );
  assert.throws(() => c.inc(undefined, -1));
  assert.throws(() => m.gauge('parley_things_total', 'x'));
  assert.throws(() => m.counter('bad name', 'x'));
});
