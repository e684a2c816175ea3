// The exporters' HTTP routes: the Onload exporter's /metrics and /orm.json each read the newest
// run first; the sfptpd exporter's /metrics reads sfptpd first.
import { metricsPaths } from '../contract.ts';
import { healthRoute, metricsRoute, type Route } from './http.ts';
import type { OnloadExporter } from './onload-exporter.ts';
import type { SfptpdExporter } from './sfptpd-exporter.ts';

export function exporterRoutes(exporter: OnloadExporter): Readonly<Record<string, Route>> {
  return {
    [metricsPaths.metrics]: metricsRoute(exporter.metrics.registry, () => exporter.refresh()),
    [metricsPaths.ormJson]: async () => {
      await exporter.refresh();
      return { ...exporter.ormJson(), contentType: 'application/json' };
    },
    [metricsPaths.health]: healthRoute,
  };
}

export function sfptpdExporterRoutes(exporter: SfptpdExporter): Readonly<Record<string, Route>> {
  return {
    [metricsPaths.metrics]: metricsRoute(exporter.metrics.registry, () => exporter.refresh()),
    [metricsPaths.health]: healthRoute,
  };
}
