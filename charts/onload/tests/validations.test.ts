// templates/validations.yaml: each cross-field rule refuses to render with an actionable message,
// and all broken rules are reported at once.
import { describe, expect, it } from '@jest/globals';
import { helmMajors, render, renderError } from './lib/render.ts';

describe.each(helmMajors)('validations, Helm %i', (helmMajor) => {
  const refuse = (overrides: Record<string, unknown>, namespace?: string): Promise<string> =>
    renderError({ variant: 'minimal', helmMajor, overrides, ...(namespace ? { namespace } : {}) });

  it('refuses machineConfig together with the KMM sfc Module', async () => {
    const error = await refuse({ machineConfig: { enabled: true } });
    expect(error).toContain('machineConfig.enabled and sfc.enabled are both true');
    expect(error).toContain('set sfc.enabled=false');
  });

  it('refuses sfptpd without a configuration', async () => {
    const error = await refuse({ sfptpd: { image: 'registry.example.com/sfptpd:1' } });
    expect(error).toContain('sfptpd.image is set but sfptpd has no configuration');
    expect(error).toContain('sfptpd.existingConfigMap');
  });

  it("refuses a hook deadline shorter than one node's worst case", async () => {
    const error = await refuse({
      hooks: { timeoutSeconds: 1000 },
      upgrade: {
        timeouts: {
          devicePluginStopSeconds: 100,
          evictionSeconds: 200,
          driverReloadSeconds: 400,
          validationSeconds: 301,
          installSeconds: 60,
        },
      },
    });
    expect(error).toContain(
      "hooks.timeoutSeconds (1000) is shorter than one node's worst case, 1001 s",
    );
    expect(error).toContain('raise hooks.timeoutSeconds to at least 1001');
  });

  it('accepts a hook deadline equal to the worst case of a node', async () => {
    await expect(
      render({
        variant: 'minimal',
        helmMajor,
        overrides: {
          hooks: { timeoutSeconds: 1001 },
          upgrade: {
            timeouts: {
              devicePluginStopSeconds: 100,
              evictionSeconds: 200,
              driverReloadSeconds: 400,
              validationSeconds: 301,
              installSeconds: 60,
            },
          },
        },
      }),
    ).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'Job' })]));
  });

  it('refuses a hook deadline shorter than the install wait', async () => {
    const error = await refuse({
      hooks: { timeoutSeconds: 1600 },
      upgrade: { timeouts: { installSeconds: 2000 } },
    });
    expect(error).toContain(
      'hooks.timeoutSeconds (1600) is shorter than upgrade.timeouts.installSeconds (2000)',
    );
  });

  it('refuses a canary node listed twice', async () => {
    const error = await refuse({ upgrade: { canary: { nodeNames: ['n1', 'n2', 'n1'] } } });
    expect(error).toContain('upgrade.canary.nodeNames lists node "n1" more than once');
  });

  it("refuses a build that names one of the chart's Dockerfile ConfigMaps without creating it", async () => {
    const error = await refuse({
      onload: {
        kernelMappings: [
          {
            regexp: '^.*$',
            kernelModuleImage: 'registry.example.com/m:${KERNEL_FULL_VERSION}',
            build: { dockerfileConfigMap: { name: 'onload-module-dockerfile-ubuntu' } },
          },
        ],
      },
    });
    expect(error).toContain(
      'onload.kernelMappings[0].build.dockerfileConfigMap.name is onload-module-dockerfile-ubuntu',
    );
    expect(error).toContain('moduleBuild.dockerfiles contains "ubuntu"');
  });

  it('refuses a kernel-module image without a tag or digest, naming the mapping and the fix', async () => {
    const error = await refuse({
      onload: {
        kernelMappings: [
          { regexp: '^a$', kernelModuleImage: 'registry.example.com/m:8-${KERNEL_FULL_VERSION}' },
          { regexp: '^b$', kernelModuleImage: 'registry.example.com:5000/onload/onload-module' },
        ],
      },
    });
    expect(error).toContain(
      'onload.kernelMappings[1].kernelModuleImage "registry.example.com:5000/onload/onload-module" has no tag or digest, which KMM refuses',
    );
    expect(error).toContain(
      'e.g. registry.example.com:5000/onload/onload-module:8.1.2.26-${KERNEL_FULL_VERSION} or registry.example.com:5000/onload/onload-module@sha256:<digest>',
    );
    expect(error).not.toContain('kernelMappings[0]');
  });

  it('accepts kernel-module images with a tag or a digest', async () => {
    await expect(
      render({
        variant: 'minimal',
        helmMajor,
        overrides: {
          onload: {
            kernelMappings: [
              { regexp: '^a$', kernelModuleImage: 'localhost:5000/m:${KERNEL_FULL_VERSION}' },
              {
                regexp: '^b$',
                kernelModuleImage: `registry.example.com/m@sha256:${'0'.repeat(64)}`,
              },
            ],
          },
        },
      }),
    ).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'Module' })]));
  });

  it('reports every broken rule at once', async () => {
    const error = await refuse(
      { machineConfig: { enabled: true }, upgrade: { canary: { nodeNames: ['a', 'a'] } } },
      'n'.repeat(35),
    );
    expect(error).toContain('The onload chart cannot be rendered with these values:');
    expect(error).toContain('at most 34 characters');
    expect(error).toContain('machineConfig.enabled and sfc.enabled');
    expect(error).toContain('upgrade.canary.nodeNames');
  });
});
