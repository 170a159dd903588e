/**
 * A fake Kubernetes API server at the HTTP level for the ApplicationEntity collection of one namespace: list
 * (with the collection's resourceVersion), watch from a resourceVersion (history replayed, then a chunked
 * stream of JSON events, one a line), 410 Gone after compaction (as an ERROR event or an HTTP 410), dropped
 * connections, failing lists, bearer token checks, and TLS.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    generation: number;
  };
  spec: unknown;
}

interface HistoryEntry {
  readonly resourceVersion: number;
  readonly type: WatchEventType;
  readonly object: FakeObject;
}

/** How a watch from a compacted resourceVersion is refused. */
export type GoneMode = 'event' | 'http';

export interface WatchRequest {
  readonly resourceVersion: string | null;
  readonly answer: 'stream' | 'gone-event' | 'gone-http' | 'unauthorized';
}

export interface FakeApiServerOptions {
  readonly namespace: string;
  /** Required `Authorization: Bearer <token>` (unset: no check). */
  readonly token?: string;
  /** Serve HTTPS with this key and certificate. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

const GROUP_VERSION = 'dicomesh.io/v1alpha1';
const PLURAL = 'applicationentities';

export class FakeApiServer {
  readonly namespace: string;
  /** Every list request (after authentication). */
  listRequests = 0;
  readonly watchRequests: WatchRequest[] = [];
  goneMode: GoneMode = 'event';

  private readonly server: Server;
  private readonly objects = new Map<string, FakeObject>();
  private history: HistoryEntry[] = [];
  private resourceVersion = 100;
  private compactedBelow = 0;
  private readonly watchers = new Set<ServerResponse>();
  private failingLists = 0;
  private uidCounter = 0;
  private clock = Date.parse('2025-01-01T00:00:00Z');

  private constructor(private readonly options: FakeApiServerOptions) {
    this.namespace = options.namespace;
    const handler = (request: IncomingMessage, response: ServerResponse): void =>
      this.handle(request, response);
    this.server = options.tls ? createHttpsServer(options.tls, handler) : createHttpServer(handler);
  }

  static async start(options: FakeApiServerOptions): Promise<FakeApiServer> {
    const fake = new FakeApiServer(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  get currentResourceVersion(): string {
    return String(this.resourceVersion);
  }

  /**
   * Creates or replaces the resource `name`. A `silent` change bumps the resourceVersion but is neither sent
   * to watchers nor kept in the history (as if its event were lost to compaction).
   */
  put(name: string, spec: unknown, { silent = false }: { silent?: boolean } = {}): FakeObject {
    const previous = this.objects.get(name);
    this.resourceVersion += 1;
    this.clock += 1_000;
    const object: FakeObject = {
      apiVersion: GROUP_VERSION,
      kind: 'ApplicationEntity',
      metadata: {
        name,
        namespace: this.namespace,
        uid: previous?.metadata.uid ?? `uid-${++this.uidCounter}`,
        resourceVersion: String(this.resourceVersion),
        creationTimestamp: previous?.metadata.creationTimestamp ?? new Date(this.clock).toISOString(),
        generation: (previous?.metadata.generation ?? 0) + 1,
      },
      spec,
    };
    this.objects.set(name, object);
    if (!silent) this.record(previous === undefined ? 'ADDED' : 'MODIFIED', object);
    return object;
  }

  /** Deletes the resource `name` (see `put` for `silent`). */
  remove(name: string, { silent = false }: { silent?: boolean } = {}): void {
    const previous = this.objects.get(name);
    if (previous === undefined) throw new Error(`no resource ${name}`);
    this.objects.delete(name);
    this.resourceVersion += 1;
    const object = {
      ...previous,
      metadata: { ...previous.metadata, resourceVersion: String(this.resourceVersion) },
    };
    if (!silent) this.record('DELETED', object);
  }

  /** Forgets the history: a watch from an older resourceVersion than the current one gets 410 Gone. */
  compact(): void {
    this.compactedBelow = this.resourceVersion;
    this.history = [];
  }

  /** Sends an ERROR event with code 410 on every open watch and ends it (as the API server does). */
  expireOpenWatches(): void {
    for (const response of this.watchers) {
      response.end(`${JSON.stringify({ type: 'ERROR', object: goneStatus() })}\n`);
    }
    this.watchers.clear();
  }

  /** Cuts every open watch connection in the middle of an event line (no clean end of the chunked stream). */
  dropWatches(): void {
    for (const response of this.watchers) {
      response.write('{"type":"MODIFIED","object":{"kind":"Applicat');
      response.socket?.destroy();
    }
    this.watchers.clear();
  }

  /** The next `count` list requests answer HTTP 500. */
  failLists(count: number): void {
    this.failingLists = count;
  }

  async close(): Promise<void> {
    for (const response of this.watchers) response.socket?.destroy();
    this.watchers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(type: WatchEventType, object: FakeObject): void {
    this.history.push({ resourceVersion: Number(object.metadata.resourceVersion), type, object });
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const response of this.watchers) response.write(line);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const collection = `/apis/${GROUP_VERSION}/namespaces/${this.namespace}/${PLURAL}`;
    const watching = url.searchParams.get('watch') === 'true';
    if (
      this.options.token !== undefined &&
      request.headers.authorization !== `Bearer ${this.options.token}`
    ) {
      if (watching)
        this.watchRequests.push({
          resourceVersion: url.searchParams.get('resourceVersion'),
          answer: 'unauthorized',
        });
      sendStatus(response, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    if (request.method !== 'GET' || url.pathname !== collection) {
      sendStatus(
        response,
        404,
        'NotFound',
        `the server could not find the requested resource ${url.pathname}`,
      );
      return;
    }
    if (watching) this.watch(url.searchParams.get('resourceVersion'), response);
    else this.list(response);
  }

  private list(response: ServerResponse): void {
    this.listRequests += 1;
    if (this.failingLists > 0) {
      this.failingLists -= 1;
      sendStatus(response, 500, 'InternalError', 'etcdserver: request timed out');
      return;
    }
    sendJson(response, 200, {
      apiVersion: GROUP_VERSION,
      kind: 'ApplicationEntityList',
      metadata: { resourceVersion: String(this.resourceVersion) },
      items: [...this.objects.values()],
    });
  }

  private watch(resourceVersion: string | null, response: ServerResponse): void {
    const from =
      resourceVersion === null || resourceVersion === '' ? this.resourceVersion : Number(resourceVersion);
    if (from < this.compactedBelow) {
      const gone = goneStatus(from);
      if (this.goneMode === 'http') {
        this.watchRequests.push({ resourceVersion, answer: 'gone-http' });
        sendJson(response, 410, gone);
      } else {
        this.watchRequests.push({ resourceVersion, answer: 'gone-event' });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      }
      return;
    }
    this.watchRequests.push({ resourceVersion, answer: 'stream' });
    response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // As the API server does: the client sees the watch established before the first event.
    response.flushHeaders();
    for (const entry of this.history) {
      if (entry.resourceVersion > from)
        response.write(`${JSON.stringify({ type: entry.type, object: entry.object })}\n`);
    }
    this.watchers.add(response);
    response.on('close', () => this.watchers.delete(response));
  }
}

function goneStatus(from?: number): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: from === undefined ? 'too old resource version' : `too old resource version: ${from}`,
    reason: 'Expired',
    code: 410,
  };
}

function sendStatus(response: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(response, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

function sendJson(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
