import { describe, expect, it } from '@jest/globals';
import { beginMarker, endMarker, renderReadme, tableRows } from './readme-table.ts';
import { modelWith, realModel } from '../tests/sources.ts';

const spec = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', description: 'Name | alias.', 'x-docs-example': 'demo' },
    policy: { type: 'string', enum: ['Stop', 'Continue'], default: 'Stop', description: 'Policy' },
  },
};

describe('tableRows', () => {
  it('has one row per value with path, type, default and description', async () => {
    const rows = tableRows(await realModel());
    expect(rows.find((r) => r.key === 'upgrade.maxUnavailable')).toEqual({
      key: 'upgrade.maxUnavailable',
      type: 'integer or string',
      default: '`"25%"`',
      description: expect.stringMatching(/^Upgrades start only while/) as unknown as string,
    });
    expect(rows.find((r) => r.key === 'onload.version')).toMatchObject({
      default: 'required',
      description: expect.stringContaining('Example: `"8.1.2.26"`.') as unknown as string,
    });
  });

  it('escapes table pipes and lists enum values', () => {
    const rows = tableRows(modelWith({ spec }));
    expect(rows).toEqual([
      {
        key: 'name',
        type: 'string',
        default: 'required',
        description: 'Name \\| alias. Example: `"demo"`.',
      },
      {
        key: 'policy',
        type: 'string',
        default: '`"Stop"`',
        description: 'Policy. One of `"Stop"`, `"Continue"`.',
      },
    ]);
  });
});

describe('renderReadme', () => {
  it('replaces only the region between the markers', () => {
    const readme = `# Title\n\nIntro.\n\n${beginMarker}\nold table\n${endMarker}\n\n## After\n`;
    const result = renderReadme(modelWith({ spec, readme }));
    expect(
      result.startsWith(
        '# Title\n\nIntro.\n\n<!-- BEGIN GENERATED VALUES TABLE -->\n<!-- Generated',
      ),
    ).toBe(true);
    expect(result.endsWith(`${endMarker}\n\n## After\n`)).toBe(true);
    expect(result).not.toContain('old table');
    expect(result).toContain(
      '| `policy` | string | `"Stop"` | Policy. One of `"Stop"`, `"Continue"`. |',
    );
  });

  it('is stable: rendering its own output again changes nothing', () => {
    const once = renderReadme(modelWith({ spec, readme: `${beginMarker}\n${endMarker}\n` }));
    expect(renderReadme(modelWith({ spec, readme: once }))).toBe(once);
  });

  it('creates a README with a title and the markers when there is none', () => {
    const result = renderReadme(modelWith({ spec }));
    expect(result).toMatch(/^# onload\n/);
    expect(result).toContain(beginMarker);
    expect(result).toContain(endMarker);
  });

  it('fails clearly when the markers are missing', () => {
    expect(() => renderReadme(modelWith({ spec, readme: '# Title\n' }))).toThrow(
      /must contain "<!-- BEGIN GENERATED VALUES TABLE -->"/,
    );
  });
});
