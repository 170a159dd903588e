/** DICOMESH_NATS_URL read into nats.js's options: the server list split, credentials moved out of the URLs. */
import { describe, expect, it } from 'vitest';
import { NatsUrlError, natsServers } from '../src/index.js';

describe('natsServers', () => {
  it('splits a comma-separated list and keeps URLs without credentials as they are', () => {
    expect(natsServers('nats://a.svc:4222, nats://b.svc:4222,')).toEqual({
      servers: ['nats://a.svc:4222', 'nats://b.svc:4222'],
    });
    expect(natsServers(['tls://a:4222', 'nats://b:4222,nats://c:4222']).servers).toEqual([
      'tls://a:4222',
      'nats://b:4222',
      'nats://c:4222',
    ]);
  });

  it('reads a server without a scheme as nats://', () => {
    expect(natsServers('10.0.0.7:4222').servers).toEqual(['nats://10.0.0.7:4222']);
  });

  it('moves user and password out of the URLs, percent-decoded, shared by the servers without any', () => {
    expect(natsServers('nats://al%40ice:p%3As%2Cs@a:4222,nats://b:4222')).toEqual({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'al@ice',
      pass: 'p:s,s',
    });
  });

  it('reads a lone user name as a token', () => {
    expect(natsServers('nats://s3cr3t-token@a:4222')).toEqual({
      servers: ['nats://a:4222'],
      token: 's3cr3t-token',
    });
  });

  it('refuses servers with different credentials, an empty list and a server that is not a URL', () => {
    expect(() => natsServers('nats://u:one@a:4222,nats://u:two@b:4222')).toThrow(NatsUrlError);
    expect(() => natsServers(' , ')).toThrow(NatsUrlError);
    expect(() => natsServers('nats://u:pw@[bad')).toThrow(NatsUrlError);
    expect(() => natsServers('nats://u:p%zz@a:4222')).toThrow(NatsUrlError);
  });

  it('never puts a password in its error message', () => {
    try {
      natsServers('nats://u:hunter2@[bad');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
