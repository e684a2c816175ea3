// The plugin's version: the chart version the bundle was built from (esbuild defines it).
declare const ONLOAD_CLI_VERSION: string | undefined;

export const cliVersion = typeof ONLOAD_CLI_VERSION === 'string' ? ONLOAD_CLI_VERSION : 'dev';
