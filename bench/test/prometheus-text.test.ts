import { histogramQuantile, parseMetrics, since, sumOf } from '../prometheus-text';
import { barChart } from '../svg';

const text = `# HELP x help
# TYPE lat histogram
lat_bucket{le="0.1",stage="a"} 50
lat_bucket{le="0.2",stage="a"} 90
lat_bucket{le="+Inf",stage="a"} 100
lat_bucket{le="0.1",stage="b"} 0
lat_bucket{le="+Inf",stage="b"} 0
events_total{topic="x.conv.classified",outcome="ok"} 7
events_total{topic="x.conv.classified",outcome="retry"} 2
`;

describe('prometheus text', () => {
  const samples = parseMetrics(text);

  it('parses samples with labels', () => {
    expect(samples[0]).toEqual({ name: 'lat_bucket', labels: { le: '0.1', stage: 'a' }, value: 50 });
    expect(sumOf(samples, 'events_total', (l) => l.outcome === 'ok')).toBe(7);
  });

  it('interpolates quantiles within buckets like histogram_quantile', () => {
    expect(histogramQuantile(samples, 'lat', 0.5, { stage: 'a' })).toBeCloseTo(0.1);
    expect(histogramQuantile(samples, 'lat', 0.7, { stage: 'a' })).toBeCloseTo(0.15);
    expect(histogramQuantile(samples, 'lat', 0.99, { stage: 'a' })).toBeCloseTo(0.2);
    expect(histogramQuantile(samples, 'lat', 0.5, { stage: 'b' })).toBeNaN();
  });

  it('takes the observations made between two scrapes, series by series', () => {
    const later = parseMetrics(`lat_bucket{stage="a",le="0.1"} 50
lat_bucket{stage="a",le="0.2"} 190
lat_bucket{stage="a",le="+Inf"} 200
lat_bucket{le="+Inf",stage="c"} 4
`);
    const between = since(later, samples);
    // 100 more, all within 0.1–0.2: the median of those is 0.15, where the whole run's is lower.
    expect(histogramQuantile(between, 'lat', 0.5, { stage: 'a' })).toBeCloseTo(0.15);
    expect(sumOf(between, 'lat_bucket', (l) => l.stage === 'a' && l.le === '+Inf')).toBe(100);
    expect(sumOf(between, 'lat_bucket', (l) => l.stage === 'c')).toBe(4);
  });

  it('draws an SVG with escaped labels', () => {
    const svg = barChart({ title: 'a <b>', groups: ['p50'], series: [{ name: 'x', values: [3] }] });
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg.startsWith('<svg')).toBe(true);
  });
});
