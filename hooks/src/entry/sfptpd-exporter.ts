import { sfptpdExporterMain } from '../metrics/main.ts';

await sfptpdExporterMain();
