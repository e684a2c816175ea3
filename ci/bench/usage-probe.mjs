// Preloaded into a measured hook process (`node --import`): on exit, writes the process's own
// peak RSS and CPU time (getrusage) and the peaks of its V8 heap, sampled every 250 ms, to the
// file named by ONLOAD_BENCH_USAGE_FILE. Plain JavaScript on purpose: a .ts preload would load
// Node's type stripper into the measured process (~17 MiB of RSS).
import { writeFileSync } from 'node:fs';

const file = process.env.ONLOAD_BENCH_USAGE_FILE;
if (file) {
  const peak = { heapUsed: 0, heapTotal: 0, external: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
    peak.external = Math.max(peak.external, m.external);
  };
  setInterval(sample, 250).unref();
  process.on('exit', () => {
    sample();
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKb: usage.maxRSS,
        userCpuMs: usage.userCPUTime / 1000,
        systemCpuMs: usage.systemCPUTime / 1000,
        peakHeapUsedKb: peak.heapUsed / 1024,
        peakHeapTotalKb: peak.heapTotal / 1024,
        peakExternalKb: peak.external / 1024,
      }),
    );
  });
}
