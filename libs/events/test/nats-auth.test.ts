/**
 * Credentials written in DICOMESH_NATS_URL reach a real nats-server that requires them, and a server list
 * connects whichever of its servers is down: nats.js alone ignored both (nats-servers.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port.js';
import { type NatsServer, startNats } from '../../../test/support/nats-server.js';
import { publishOnce as publishTo } from './support/events-support.js';

const USER = 'dicomesh';
/** Characters a URL must percent-encode. */
const PASSWORD = 'p@ss:w/rd,1';
const TOKEN = 'tok3n-for-dicomesh';

let withPassword: NatsServer;
let withToken: NatsServer;

beforeAll(async () => {
  [withPassword, withToken] = await Promise.all([
    startNats({ args: ['--user', USER, '--pass', PASSWORD] }),
    startNats({ args: ['--auth', TOKEN] }),
  ]);
});

afterAll(async () => {
  await Promise.all([withPassword?.dispose(), withToken?.dispose()]);
});

/** `nats://host:port` with `userinfo` put in front of the host. */
function withCredentials(url: string, userinfo: string): string {
  return url.replace('nats://', `nats://${userinfo}@`);
}

/** One event through a fresh connection to `url`. */
const publishOnce = (url: string) => publishTo(url, { name: 'events-test-auth', connectTimeoutMs: 2_000 });

describe('NATS credentials in the URL', () => {
  it('user and password: refused without them, connected and published with them', async () => {
    await expect(publishOnce(withPassword.url)).rejects.toThrow(/Authorization Violation/i);
    const userinfo = `${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}`;
    await publishOnce(withCredentials(withPassword.url, userinfo));
  });

  it('a token: refused without it, connected and published with it', async () => {
    await expect(publishOnce(withToken.url)).rejects.toThrow(/Authorization Violation/i);
    await publishOnce(withCredentials(withToken.url, TOKEN));
  });
});

describe('a list of NATS servers', () => {
  it('connects to the one that is up, whichever place the down one has', async () => {
    const down = `nats://127.0.0.1:${await freePort()}`;
    const up = withCredentials(withToken.url, TOKEN);
    await publishOnce(`${down},${up}`);
    await publishOnce(`${up},${down}`);
  });
});
