import { describe, expect, it } from '@jest/globals';
import { parseOsRelease, sourcesFor } from './apt-sources.ts';

describe('host Debian sources for mmdebstrap', () => {
  it('reads the distribution and codename from os-release', () => {
    expect(
      parseOsRelease(
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n',
      ),
    ).toEqual({
      id: 'debian',
      codename: 'bookworm',
    });
    expect(parseOsRelease('ID="ubuntu"\n')).toEqual({ id: 'ubuntu', codename: '' });
  });

  it('keeps the Debian files serving the codename and drops third-party and commented ones', () => {
    const debian =
      'Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\n';
    const security = 'deb http://mirror.invalid/debian-security bookworm-security main\n';
    const other = 'deb https://vendor.invalid/apt cloud-sdk-bookworm main\n';
    const commented = '# deb http://mirror.invalid/debian bookworm main\n';
    const older = 'deb http://mirror.invalid/debian bullseye main\n';
    expect(sourcesFor([debian, other, commented, older, security], 'bookworm')).toBe(
      `${debian}\n\n${security}`,
    );
    expect(sourcesFor([older], 'bookworm')).toBe('');
  });
});
