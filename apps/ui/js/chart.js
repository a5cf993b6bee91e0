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
 * A chart that follows its container's width. `series`: [{ label, scale, colour?, dash?, stepped? }];
 * `axes`: { [scale]: label } (the first scale is drawn left, the second right).
 * Returns { element, setData(data), destroy() } where data is [times, ...values] (uPlot's layout).
 */
export function liveChart({ series, axes, height = 220 }) {
  const element = h('div', { class: 'chart' });
  const scales = Object.keys(axes);
  const opts = {
    width: 600,
    height,
    scales: {
      x: {
        time: true,
        range: (_u, min, max) =>
          min == null || max == null ? [Date.now() / 1000 - MIN_WINDOW_S, Date.now() / 1000] : [Math.min(min, max - MIN_WINDOW_S), max],
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
        points: { show: false },
        // Replica counts change in steps; rates are drawn as lines between samples.
        paths: s.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined,
      })),
    ],
    axes: [{}, ...scales.map((scale, i) => ({ scale, label: axes[scale], side: i === 0 ? 3 : 1, grid: { show: i === 0 }, size: 60 }))],
    legend: { live: true },
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
