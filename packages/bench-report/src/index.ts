export { renderReport, type RenderOptions } from './render.js';
export { screenshotReport, pngSize, type ScreenshotOptions } from './screenshot.js';
export { renderPlot, percentileToX, percentileToDecades, decadeLabel, niceCeil, type Series } from './plot.js';
export * from './schema.js';
