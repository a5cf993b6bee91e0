// Live line charts on uPlot (small, fast, no dependencies), fed from the sampler's history.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';

/** The time axis spans at least this much, so a fresh page does not zoom into milliseconds. */
const MIN_WINDOW_S = 60;

/** Distinct line colours, in order. */
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** A colour per series index. */
export const colour = (i) => PALETTE[i % PALETTE.length];

/**
 * A chart that follows its container's width. `series`: [{ label, scale, colour?, dash?, stepped?, bars? }];
 * `axes`: { [scale]: label } (the first scale is drawn left, the second right); `window()`, when
 * given, is the time span drawn ([from, to] in epoch seconds) whatever the data holds; `format`:
 * { [scale]: value → text } for the axis and the legend; `integer`: scales of counts (whole-number ticks).
 * Returns { element, setData(data), destroy() } where data is [times, ...values] (uPlot's layout).
 */
export function liveChart({ series, axes, height = 220, window, format = {}, integer = [] }) {
  const element = h('div', { class: 'chart' });
  const scales = Object.keys(axes);
  const opts = {
    width: 600,
    height,
    scales: {
      x: {
        time: true,
        range: (_u, min, max) =>
          window
            ? window()
            : min == null || max == null
              ? [Date.now() / 1000 - MIN_WINDOW_S, Date.now() / 1000]
              : [Math.min(min, max - MIN_WINDOW_S), max],
      },
      ...Object.fromEntries(scales.map((s) => [s, { range: (_u, min, max) => [0, Math.max(1, max ?? 1) * 1.1] }])),
    },
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        scale: s.scale,
        stroke: s.colour ?? colour(i),
        width: 2,
        dash: s.dash,
        spanGaps: false,
        points: { show: !!s.points, size: 7, fill: s.colour ?? colour(i) },
        // Replica counts change in steps; rates are drawn as lines between samples; counts per step as bars.
        paths: s.bars
          ? uPlot.paths.bars({ size: [0.6, 24] })
          : s.points
            ? () => null
            : s.stepped
              ? uPlot.paths.stepped({ align: 1 })
              : undefined,
        fill: s.bars ? `${s.colour ?? colour(i)}66` : undefined,
        value: format[s.scale] ? (_u, v) => (v == null ? '–' : format[s.scale](v)) : undefined,
      })),
    ],
    axes: [
      {},
      ...scales.map((scale, i) => ({
        scale,
        label: axes[scale],
        side: i === 0 ? 3 : 1,
        grid: { show: i === 0 },
        size: 60,
        values: format[scale] ? (_u, ticks) => ticks.map((v) => format[scale](v)) : undefined,
        // Counts: whole-number ticks only.
        incrs: integer.includes(scale) ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 1e5, 1e6] : undefined,
      })),
    ],
    legend: { live: true },
    // Sparse series (a step without calls has no latency): the legend shows the nearest point with a
    // value within two steps of the cursor, rather than a gap.
    cursor: {
      dataIdx: (u, seriesIdx, idx) => {
        const values = u.data[seriesIdx];
        if (values[idx] != null) return idx;
        for (let d = 1; d <= 2; d++) {
          if (values[idx - d] != null) return idx - d;
          if (values[idx + d] != null) return idx + d;
        }
        return idx;
      },
    },
  };
  const plot = new uPlot(opts, [[], ...series.map(() => [])], element);
  const resize = new ResizeObserver(() => {
    const width = Math.floor(element.clientWidth);
    if (width > 0 && width !== plot.width) plot.setSize({ width, height });
  });
  resize.observe(element);
  return {
    element,
    setData: (data) => plot.setData(data),
    destroy: () => {
      resize.disconnect();
      plot.destroy();
    },
  };
}
