// The exporter bench's Markdown table. Pure.
import { markdownTable } from '../table.ts';
import type { ExporterCase, ScrapeFigures } from './measure.ts';

const ms = (n: number) => `${n < 10 ? n.toFixed(1) : n.toFixed(0)} ms`;
const mib = (n: number) => `${n.toFixed(0)} MiB`;
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const scrape = (f: ScrapeFigures) =>
  `${ms(f.latencyMsP50)} / ${ms(f.latencyMsP95)} · ${ms(f.cpuMsPerScrape)} CPU`;

export function exporterTable(cases: readonly ExporterCase[]): string[] {
  return markdownTable(
    [
      'stacks',
      'maxStacks',
      'orm_json',
      '/metrics',
      'series',
      'scrape of a new run p50 / p95 · CPU',
      'scrape again p50 / p95 · CPU',
      'exporter RSS (peak)',
      'runner CPU per run',
      'runner peak RSS',
    ],
    cases.map((c) => [
      String(c.stacks),
      String(c.maxStacks),
      kib(c.ormJsonBytes),
      kib(c.metricsBytes),
      String(c.series),
      scrape(c.fresh),
      scrape(c.cached),
      `${mib(c.exporterRssMiB)} (${mib(c.exporterPeakRssMiB)})`,
      ms(c.runnerCpuMsPerRun),
      mib(c.runnerPeakRssMiB),
    ]),
  );
}
