import { exporterMain } from '../metrics/main.ts';

await exporterMain();
