/**
 * DICOMESH_NATS_URL as nats.js takes it. The setting is one server or several, comma-separated
 * (`nats://a:4222,nats://b:4222`), and credentials may be written in them (`nats://user:password@host:4222`,
 * `nats://token@host:4222`), as NATS's other clients read them. nats.js does neither: it took a comma list for
 * one URL (which connected or not depending on the order), and it ignores credentials in a server URL (the
 * server answered "Authorization Violation"). Here the list is split, and the credentials move from the URLs
 * to nats.js's user/pass or token options; the servers it is given (and may log) carry none.
 */

/** DICOMESH_NATS_URL that cannot be used: no server, a server that is not a URL, or mixed credentials. */
export class NatsUrlError extends Error {
  override readonly name = 'NatsUrlError';
}

export interface NatsServers {
  /** The servers, without credentials. */
  readonly servers: string[];
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
}

/** A server without a scheme (`host:4222`) is a nats:// one, as nats.js reads it. */
const DEFAULT_SCHEME = 'nats://';

interface Credentials {
  readonly user: string;
  readonly pass: string;
}

function parseServer(server: string): { url: string; credentials: Credentials | undefined } {
  let url: URL;
  try {
    url = new URL(server.includes('://') ? server : `${DEFAULT_SCHEME}${server}`);
  } catch (error) {
    // The text may hold a password: only its position is told.
    throw new NatsUrlError('a NATS server is not a URL', { cause: error });
  }
  if (url.hostname === '') throw new NatsUrlError('a NATS server has no host');
  let credentials: Credentials | undefined;
  try {
    credentials =
      url.username === '' && url.password === ''
        ? undefined
        : { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) };
  } catch (error) {
    throw new NatsUrlError('a NATS server has credentials that are not percent-encoded right', {
      cause: error,
    });
  }
  url.username = '';
  url.password = '';
  return { url: url.toString(), credentials };
}

/**
 * The servers of `url` (a setting's text, comma-separated, or a list of them) and the credentials they carry:
 * user and password, or a lone user name as a token. Servers without credentials share those of the others;
 * servers with different ones are refused (one connection has one identity).
 */
export function natsServers(url: string | readonly string[]): NatsServers {
  const texts = (typeof url === 'string' ? [url] : url)
    .flatMap((text) => text.split(','))
    .map((text) => text.trim())
    .filter((text) => text !== '');
  if (texts.length === 0) throw new NatsUrlError('no NATS server given');
  const parsed = texts.map(parseServer);
  const distinct = new Map<string, Credentials>();
  for (const { credentials } of parsed) {
    if (credentials !== undefined) distinct.set(JSON.stringify(credentials), credentials);
  }
  if (distinct.size > 1) throw new NatsUrlError('the NATS servers carry different credentials');
  const servers = parsed.map((p) => p.url);
  const [credentials] = distinct.values();
  if (credentials === undefined) return { servers };
  if (credentials.pass === '') return { servers, token: credentials.user };
  return { servers, user: credentials.user, pass: credentials.pass };
}
