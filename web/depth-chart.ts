/**
 * The depth chart: cumulative size of the best levels per side against price, drawn with uPlot (served by the
 * server from the `uplot` package as a classic script that defines the global `uPlot`).
 */
import type UPlotType from 'uplot';
import { depthSeries, type LocalBook } from './book.js';

type UPlotCtor = typeof UPlotType;

export const DEPTH_LEVELS = 100;

export class DepthChart {
  private readonly plot: UPlotType;

  constructor(root: HTMLElement) {
    const UPlot = (globalThis as unknown as { uPlot: UPlotCtor }).uPlot;
    const stepped = UPlot.paths.stepped;
    const axis = { stroke: '#8a94a6', grid: { stroke: 'rgba(138,148,166,0.12)' }, ticks: { stroke: 'rgba(138,148,166,0.2)' } };
    const opts: UPlotType.Options = {
      width: Math.max(200, root.clientWidth),
      height: Math.max(160, root.clientHeight),
      legend: { show: false },
      cursor: { show: true, points: { show: false } },
      scales: { x: { time: false } },
      axes: [
        { ...axis, values: (_u, ticks) => ticks.map((t) => t.toLocaleString('en-US', { maximumFractionDigits: 6 })) },
        { ...axis, size: 60, values: (_u, ticks) => ticks.map((t) => t.toLocaleString('en-US', { maximumFractionDigits: 3 })) },
      ],
      series: [
        {},
        { label: 'bids', stroke: '#26a69a', fill: 'rgba(38,166,154,0.18)', width: 1.5, ...(stepped ? { paths: stepped({ align: -1 }) } : {}) },
        { label: 'asks', stroke: '#ef5350', fill: 'rgba(239,83,80,0.18)', width: 1.5, ...(stepped ? { paths: stepped({ align: 1 }) } : {}) },
      ],
    };
    this.plot = new UPlot(opts, [[], [], []], root);
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(200, root.clientWidth), height: Math.max(160, root.clientHeight) })).observe(root);
  }

  render(book: LocalBook): void {
    this.plot.setData(depthSeries(book, DEPTH_LEVELS));
  }
}
