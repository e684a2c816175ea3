import { describe, expect, it } from '@jest/globals';
import { redactPem, redactValues, redacted } from './redact.ts';

const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('redactValues (Helm values)', () => {
  it('hides values under secret-looking keys at any depth, in lists, whatever their case', () => {
    const values = {
      onload: { version: '9.0.1', registryPassword: 'hunter2' },
      signing: { keySecret: { name: 'onload-signing-key' }, CertSecret: 'c' },
      list: [{ apiToken: 'abc', keep: 'x' }, { nested: { Credentials: ['a', 'b'] } }],
      AUTH: true,
      basicAuth: { user: 'u', pass: 'p' },
    };
    expect(redactValues(values)).toEqual({
      onload: { version: '9.0.1', registryPassword: redacted },
      signing: { keySecret: redacted, CertSecret: redacted },
      list: [{ apiToken: redacted, keep: 'x' }, { nested: { Credentials: redacted } }],
      AUTH: redacted,
      basicAuth: redacted,
    });
  });

  it('hides PEM blocks under any key and in lists', () => {
    expect(redactValues({ ca: pem, bundle: ['plain', `junk ${pem}`] })).toEqual({
      ca: redacted,
      bundle: ['plain', redacted],
    });
  });

  it('changes nothing else, keeps empty secrets (nothing to hide) and leaves its input alone', () => {
    const values = {
      selector: { 'feature.node.kubernetes.io/pci-1924.present': 'true' },
      upgrade: { maxParallelUpgrades: 2, paused: false, list: [1, 'two', null] },
      password: '',
      token: null,
      note: 'BEGIN CERTIFICATE without the dashes',
    };
    const copy = structuredClone(values);
    expect(redactValues(values)).toEqual(copy);
    const withSecret = { nested: { secret: 's' } };
    redactValues(withSecret);
    expect(withSecret).toEqual({ nested: { secret: 's' } });
  });
});

describe('redactPem (cluster objects)', () => {
  it('hides PEM values only, not secret-looking keys', () => {
    const pod = {
      metadata: { annotations: { 'example.com/cert': pem, 'example.com/token-name': 't' } },
      spec: { tolerations: [{ key: 'node-role.kubernetes.io/control-plane' }] },
    };
    expect(redactPem(pod)).toEqual({
      metadata: { annotations: { 'example.com/cert': redacted, 'example.com/token-name': 't' } },
      spec: { tolerations: [{ key: 'node-role.kubernetes.io/control-plane' }] },
    });
  });
});
