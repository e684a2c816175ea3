// Readiness probes of the test bed's processes: a GET that answers 200 within 2 s, over HTTP or
// over HTTPS with a client certificate.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request } from 'node:https';

export function httpGetOk(
  url: string,
  tls?: { ca: Buffer; cert: Buffer; key: Buffer },
): Promise<boolean> {
  return new Promise((resolve) => {
    const onResponse = (res: IncomingMessage): void => {
      res.resume();
      resolve(res.statusCode === 200);
    };
    const req = tls
      ? request(url, { ...tls, timeout: 2000 }, onResponse)
      : httpRequest(url, { timeout: 2000 }, onResponse);
    req.on('error', () => {
      resolve(false);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}
