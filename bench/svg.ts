// A grouped bar chart as a self-contained SVG, for benchmark results. Pure: data in, SVG text out.

export interface Chart {
  title: string;
  groups: string[];
  series: { name: string; values: number[] }[];
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2'];
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChart({ title, groups, series }: Chart): string {
  const width = 720;
  const height = 360;
  const left = 60;
  const bottom = 300;
  const top = 50;
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter(Number.isFinite)));
  const groupWidth = (width - left - 20) / groups.length;
  const barWidth = (groupWidth * 0.8) / series.length;
  const y = (v: number) => bottom - ((bottom - top) * v) / max;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${width - 10}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
  ];
  for (let t = 0; t <= 4; t += 1) {
    const v = (max * t) / 4;
    parts.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(v < 10 ? 1 : 0)}</text>`);
  }
  groups.forEach((group, g) => {
    const x0 = left + g * groupWidth + groupWidth * 0.1;
    series.forEach((s, i) => {
      const v = Number.isFinite(s.values[g]) ? s.values[g] : 0;
      parts.push(
        `<rect x="${x0 + i * barWidth}" y="${y(v)}" width="${barWidth - 2}" height="${bottom - y(v)}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
      parts.push(
        `<text x="${x0 + i * barWidth + barWidth / 2}" y="${y(v) - 4}" text-anchor="middle" font-size="10">${v.toFixed(0)}</text>`,
      );
    });
    parts.push(
      `<text x="${x0 + (barWidth * series.length) / 2}" y="${bottom + 18}" text-anchor="middle">${escape(group)}</text>`,
    );
  });
  series.forEach((s, i) => {
    parts.push(
      `<rect x="${left + i * 220}" y="${height - 30}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`,
    );
    parts.push(`<text x="${left + i * 220 + 18}" y="${height - 20}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Each series a list of [x, y] points in x order; `dashed` for bounds (a floor) rather than measurements. */
  series: { name: string; points: [number, number][]; dashed?: boolean }[];
}

/** Lines over a shared x axis (time, say), as a self-contained SVG. */
export function lineChart({ title, xLabel, yLabel, series }: LineChart): string {
  const width = 720;
  const height = 400;
  const left = 70;
  const right = width - 20;
  const top = 50;
  const bottom = 320;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const maxX = Math.max(1, ...all.map(([x]) => x));
  const maxY = Math.max(1, ...all.map(([, y]) => y));
  const px = (x: number) => left + ((right - left) * x) / maxX;
  const py = (y: number) => bottom - ((bottom - top) * y) / maxY;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escape(title)}</text>`,
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`,
    `<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle">${escape(xLabel)}</text>`,
    `<text x="16" y="${(top + bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + bottom) / 2})">${escape(yLabel)}</text>`,
  ];
  for (let t = 0; t <= 4; t += 1) {
    const v = (maxY * t) / 4;
    const x = (maxX * t) / 4;
    parts.push(`<text x="${left - 6}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`);
    parts.push(`<text x="${px(x)}" y="${bottom + 16}" text-anchor="middle">${x.toFixed(x < 10 ? 1 : 0)}</text>`);
  }
  series.forEach((s, i) => {
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const color = COLORS[i % COLORS.length];
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${points
        .map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`)
        .join(' ')}"/>`,
    );
    const lx = left + (i % 2) * 330;
    const ly = height - 36 + Math.floor(i / 2) * 16;
    parts.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 18}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    );
    parts.push(`<text x="${lx + 24}" y="${ly}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
