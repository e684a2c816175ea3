import { describe, expect, it } from '@jest/globals';
import { helmComplaints } from './release.ts';

// The line Helm 4.1 printed in CI after `upgrade --install --wait=legacy` succeeded.
const watchStopped =
  'I1130 13:09:51.709187    6640 reflector.go:664] "Warning: watch ended with error" reflector="k8s.io/client-go@v0.36.1/tools/cache/reflector.go:343" type="*unstructured.Unstructured" err="an error on the server (\\"unable to decode an event from the watch stream: context canceled\\") has prevented the request from succeeding"';

describe('helmComplaints', () => {
  it('drops the notice that a watch ended because Helm stopped waiting', () => {
    expect(helmComplaints(`${watchStopped}\n`)).toEqual([]);
  });

  it('keeps every other line, including a watch that ended for another reason', () => {
    const otherWatchError = watchStopped.replace('context canceled', 'connection refused');
    const stderr = `${watchStopped}\nError: UPGRADE FAILED: timed out\n${otherWatchError}\n`;
    expect(helmComplaints(stderr)).toEqual(['Error: UPGRADE FAILED: timed out', otherWatchError]);
  });
});
