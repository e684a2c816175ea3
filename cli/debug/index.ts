// Troubleshooting pods (`kubectl onload debug`): the report scripts, the pod, running it.
export { debugPod, debugPodName, defaultDeadlineSeconds, labels, reportEnv } from './pod.ts';
export type { DebugMode, DebugPodOptions } from './pod.ts';
export { onloadReportScript, reportScript, sfcReportScript } from './scripts.ts';
export type { ReportKind } from './scripts.ts';
export {
  debugSettingsFromConfigMap,
  podOptions,
  settingsConfigMapName,
  SettingsError,
} from './settings.ts';
export type { DebugSettings } from './settings.ts';
export { runReports, withShell } from './run.ts';
export type {
  Interrupts,
  NodeOutcome,
  NodeReport,
  RunReportsOptions,
  ShellOptions,
  ShellSession,
} from './run.ts';
export { ClientNodeDebugPods } from './client-node-port.ts';
export type { DebugPodPort, PodView } from './port.ts';
