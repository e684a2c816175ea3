import { describe, expect, it } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { helmSecret } from './fixtures.ts';
import { decodeReleaseData, HelmDecodeError, helmRevision } from './helm-release.ts';
import { redacted } from './redact.ts';

describe('Helm release records', () => {
  it('decodes a gzip release (and a plain one) from the Secret data', () => {
    const release = decodeReleaseData(helmSecret('onload', 2).data.release) as { version: number };
    expect(release.version).toBe(2);
    const plain = decodeReleaseData(helmSecret('onload', 3, { gzip: false }).data.release);
    expect((plain as { version: number }).version).toBe(3);
  });

  it('summarises a revision with the user values redacted, without the manifest or chart defaults', () => {
    const secret = helmSecret('onload', 2, {
      status: 'superseded',
      config: { onload: { version: '9.0.2' }, registry: { password: 'hunter2' } },
    });
    const revision = helmRevision(secret);
    expect(revision).toEqual({
      release: 'onload',
      namespace: 'onload',
      revision: 2,
      status: 'superseded',
      chart: 'onload',
      chartVersion: '0.1.0',
      appVersion: '9.0.1',
      firstDeployed: '2025-01-01T10:00:00Z',
      lastDeployed: '2025-01-02T10:00:00Z',
      description: 'Upgrade complete',
      values: { onload: { version: '9.0.2' }, registry: { password: redacted } },
    });
    expect(JSON.stringify(revision)).not.toContain('c2VjcmV0');
  });

  it('says what is wrong with a record it cannot read', () => {
    const secret = helmSecret('onload', 1);
    expect(() => helmRevision({ ...secret, data: {} })).toThrow(/has no data.release/);
    const notJson = Buffer.from(gzipSync('{nope').toString('base64')).toString('base64');
    expect(() => decodeReleaseData(notJson)).toThrow(HelmDecodeError);
    const badGzip = Buffer.from(Buffer.from([0x1f, 0x8b, 1, 2, 3]).toString('base64')).toString(
      'base64',
    );
    expect(() => decodeReleaseData(badGzip)).toThrow(/not gzip/);
  });
});
