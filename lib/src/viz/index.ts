/** Display in notebooks: plots, diagrams, tables, progress bars and recorded values. */
export { captureDisplay, type MimeBundle, FRONT_END_SESSION } from "./display";
export { record, RECORD_MIME, type RecordValue } from "./record";
export {
  plot, plotSetup, logTicks, lineChart, barChart, histogram, scatter, heatmap, type PlotlyDatum,
  type PlotlyValues, type PlotlyTrace, type PlotlyAxis, type PlotlyLayout, type PlotlyConfig,
  type PlotlyFigure, type PlotOptions, type ChartLabels, type LineSeries, type LineChartOptions,
  type BarChartOptions, type HistogramOptions, type ScatterOptions, type HeatmapOptions,
  type LivePlotOptions, LivePlot,
} from "./plot";
export {
  validateMermaid, mermaidSvg, mermaidSetup, mermaid, type MermaidSvgOptions, type MermaidOptions,
  MermaidUnavailableError,
} from "./mermaid";
export {
  toTableModel, formatCell, tableHtml, tableText, table, type DataFrameLike, type TensorLike,
  type TypedNumberArray, type TableData, type TableOptions, type TableModel,
} from "./table";
export {
  formatDuration, formatRate, progress, trackProgress, type ProgressMode, type ProgressOptions,
  type ProgressState,
} from "./progress";
export { taggedText, type TaggedTextRow, type TaggedTextOptions } from "./tagged-text";
export { embeddingMap, similarityHeatmap, type MapPoints, type MapProduct, type EmbeddingMapOptions } from "./embedding-map";
