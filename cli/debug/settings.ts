// What the debug pods need from the chart: the ConfigMap `<fullname>-troubleshooting`
// (charts/onload/templates/troubleshooting.yaml) holds it as strings; read here without judgement
// beyond saying which key is wrong.
import type { V1ResourceRequirements } from '@kubernetes/client-node';
import type { DebugMode, DebugPodOptions } from './pod.ts';
import type { ReportKind } from './scripts.ts';

/** The ConfigMap's name for a release's `<fullname>`. */
export const settingsConfigMapName = (fullname: string): string => `${fullname}-troubleshooting`;

export interface DebugSettings {
  readonly namespace: string;
  readonly release: string;
  readonly serviceAccount: string;
  readonly hostOnloadPath: string;
  /** The Onload report's and the shells' image. */
  readonly image: string;
  /** diagnostics.sfc.image; undefined: the sfc report runs the host's sfreport in `image`. */
  readonly sfcImage?: string;
  readonly imagePullPolicy?: string;
  readonly imagePullSecrets: readonly string[];
  readonly commandTimeoutSeconds: number;
  readonly reportDeadlineSeconds: number;
  readonly shellSeconds: number;
  readonly resources?: V1ResourceRequirements;
}

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

function seconds(data: Readonly<Record<string, string>>, key: string): number {
  const n = Number(data[key]);
  if (!Number.isInteger(n) || n < 1)
    throw new SettingsError(`key ${key}: "${data[key] ?? ''}" is not a number of seconds`);
  return n;
}

function text(data: Readonly<Record<string, string>>, key: string): string {
  const value = data[key];
  if (value === undefined || value === '') throw new SettingsError(`key ${key} is missing`);
  return value;
}

/** The settings from the ConfigMap's data (in `namespace`). */
export function debugSettingsFromConfigMap(
  namespace: string,
  data: Readonly<Record<string, string>>,
): DebugSettings {
  let resources: V1ResourceRequirements | undefined;
  if (data.resources) {
    try {
      resources = JSON.parse(data.resources) as V1ResourceRequirements;
    } catch {
      throw new SettingsError('key resources is not JSON');
    }
  }
  return {
    namespace,
    release: text(data, 'release'),
    serviceAccount: text(data, 'serviceAccount'),
    hostOnloadPath: text(data, 'hostOnloadPath'),
    image: text(data, 'image'),
    ...(data.sfcImage ? { sfcImage: data.sfcImage } : {}),
    ...(data.imagePullPolicy ? { imagePullPolicy: data.imagePullPolicy } : {}),
    imagePullSecrets: (data.imagePullSecrets ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    commandTimeoutSeconds: seconds(data, 'commandTimeoutSeconds'),
    reportDeadlineSeconds: seconds(data, 'reportDeadlineSeconds'),
    shellSeconds: seconds(data, 'shellSeconds'),
    ...(resources ? { resources } : {}),
  };
}

/** The pod options for one node from the settings. */
export function podOptions(
  settings: DebugSettings,
  node: string,
  kind: ReportKind,
  mode: DebugMode,
): DebugPodOptions {
  const sfcFromImage = kind === 'sfc' && settings.sfcImage !== undefined;
  return {
    node,
    kind,
    mode,
    image: sfcFromImage && settings.sfcImage ? settings.sfcImage : settings.image,
    namespace: settings.namespace,
    release: settings.release,
    hostOnloadPath: settings.hostOnloadPath,
    serviceAccount: settings.serviceAccount,
    sfreportFrom: sfcFromImage ? 'image' : 'host',
    imagePullSecrets: settings.imagePullSecrets,
    commandTimeoutSeconds: settings.commandTimeoutSeconds,
    deadlineSeconds: mode === 'report' ? settings.reportDeadlineSeconds : settings.shellSeconds,
    ...(settings.imagePullPolicy ? { imagePullPolicy: settings.imagePullPolicy } : {}),
    ...(settings.resources ? { resources: settings.resources } : {}),
  };
}
