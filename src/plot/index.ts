/**
 * src/plot — standalone SVG figures for experiment READMEs: line plots (series, error bands, log y, legend, reference
 * lines), histograms with density overlays, and multi-panel figures. No dependencies, no fonts or scripts embedded.
 */
export {
  type LineSeries, type LinePlotOptions, type ReferenceLine, linePlot,
} from './line.js';
export {
  type Histogram, type HistogramOptions, type HistogramSeries, type HistogramPlotOptions, type DensityCurve,
  histogram, histogramPlot,
} from './histogram.js';
export { type FigureOptions, composeFigure } from './figure.js';
export { type LegendPosition, PALETTE, escapeXml, niceTicks, logTicks, writeSvg } from './svg.js';
