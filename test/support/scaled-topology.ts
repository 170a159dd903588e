/**
 * The scaled topology on this machine, as a cluster with two replicas of everything would run it: one real
 * nats-server, one real PostgreSQL, two processes of each backend (`dicomesh verification|storage|query|
 * retrieve`), two gateways whose gRPC targets list both replicas of each backend (`ipv4:a:p,b:p`, balanced
 * round_robin by grpc-js as a `dns:///` headless Service would be), and haproxy in TCP mode balancing
 * round-robin over the two gateways on one DICOM port (the LoadBalancer Service).
 *
 * Both storage replicas share one DICOMESH_DATA_DIR, as pods share a ReadWriteMany volume. Each runs in its
 * own UTS namespace (`unshare --uts`) with its own host name, as each pod has its own: the fs blob store tags
 * its temporary files with the host name, and a restarted replica removes only its own tag's leftovers.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port.ts';
import { type NatsServer, startNats } from './nats-server.ts';
import { type PostgresServer, startPostgres } from './postgres.ts';
import type { ServiceName } from './topology.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const LAUNCHER = join(ROOT, 'services/dicomesh/dist/main.js');
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
/** Debian's haproxy, in /usr/sbin (not on a user's PATH there). */
const HAPROXY = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
/** Replicas of each service. */
export const REPLICAS = 2;
export const BACKENDS = ['verification', 'storage', 'query', 'retrieve'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** How often haproxy checks that a gateway accepts connections, and after how many failures it is down. */
const HAPROXY_CHECK_INTERVAL_MS = 500;
/** haproxy's client/server inactivity timeout: longer than any DIMSE exchange of the tests. */
const HAPROXY_IDLE_TIMEOUT_S = 600;

/** One process of a service: `storage-1` is the second storage replica. */
export interface ReplicaProcess {
  readonly service: ServiceName;
  /** `<service>-<index>`, also its host name (storage) and its log file's name. */
  readonly name: string;
  /** gRPC port of a backend, DICOM port of a gateway. */
  readonly port: number;
  readonly logFile: string;
  pid(): number | undefined;
  running(): boolean;
  /** Starts the process (again) and resolves when its port accepts connections. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: a crashed pod. */
  kill9(): Promise<void>;
  /** The log's lines so far. */
  logLines(): string[];
}

export interface Haproxy {
  readonly port: number;
  readonly configFile: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export interface ScaledTopology {
  /** The one DICOM port the modalities use: haproxy's. */
  readonly dicomPort: number;
  readonly dataDir: string;
  readonly nats: NatsServer;
  readonly postgres: PostgresServer;
  readonly haproxy: Haproxy;
  readonly gateways: readonly ReplicaProcess[];
  readonly backends: Readonly<Record<BackendName, readonly ReplicaProcess[]>>;
  /**
   * True when every replica runs under its own host name (its `name`), as pods do; false when this process
   * may not create UTS namespaces (not root), and all share this machine's name.
   */
  readonly ownHostNames: boolean;
  stop(): Promise<void>;
}

export interface ScaledTopologyOptions {
  readonly aeFile?: string;
  /** Extra environment for every service. */
  readonly env?: Readonly<Record<string, string>>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

const alive = (c: ChildProcess | undefined): c is ChildProcess =>
  c !== undefined && c.exitCode === null && c.signalCode === null;

async function waitForPort(what: string, child: ChildProcess, port: number, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await accepts(port))) {
    if (!alive(child))
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}; see ${logFile}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** True when this process may create a UTS namespace (root, or CAP_SYS_ADMIN). */
function canUnshareUts(): boolean {
  return spawnSync('unshare', ['--uts', 'true'], { stdio: 'ignore' }).status === 0;
}

/**
 * The command of a replica: with `hostName`, the launcher runs in a new UTS namespace under that host name
 * (`unshare` execs, so the pid is the service's own and SIGKILL reaches it).
 */
function replicaCommand(service: ServiceName, hostName: string | undefined): [string, string[]] {
  if (hostName === undefined) return [process.execPath, [LAUNCHER, service]];
  return [
    'unshare',
    [
      '--uts',
      'sh',
      '-c',
      'hostname "$0" && exec "$1" "$2" "$3"',
      hostName,
      process.execPath,
      LAUNCHER,
      service,
    ],
  ];
}

function replicaProcess(
  service: ServiceName,
  index: number,
  port: number,
  logDir: string,
  env: Readonly<Record<string, string>>,
  ownHostName: boolean,
): ReplicaProcess {
  const name = `${service}-${index}`;
  const logFile = join(logDir, `${name}.log`);
  let child: ChildProcess | undefined;
  return {
    service,
    name,
    port,
    logFile,
    pid: () => child?.pid,
    running: () => alive(child),
    async start() {
      if (alive(child)) throw new Error(`${name} is already running (pid ${child.pid})`);
      const log = createWriteStream(logFile, { flags: 'a' });
      const [command, args] = replicaCommand(service, ownHostName ? name : undefined);
      const proc = spawn(command, args, {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      proc.stdout?.pipe(log);
      proc.stderr?.pipe(log);
      await waitForPort(name, proc, port, logFile);
    },
    async stop() {
      if (!alive(child)) return;
      child.kill('SIGTERM');
      await exited(child);
    },
    async kill9() {
      if (!alive(child)) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    logLines() {
      try {
        return readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((line) => line.length > 0);
      } catch {
        return [];
      }
    },
  };
}

/** haproxy's configuration: TCP round-robin over the gateways, a dead one taken out by its check. */
function haproxyConfig(port: number, gatewayPorts: readonly number[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    `  timeout client ${HAPROXY_IDLE_TIMEOUT_S}s`,
    `  timeout server ${HAPROXY_IDLE_TIMEOUT_S}s`,
    // A connection refused by a dead gateway (before its check notices) goes to the other one.
    '  retries 3',
    '  option redispatch 1',
    'listen dicom',
    `  bind 127.0.0.1:${port}`,
    '  balance roundrobin',
    `  default-server check inter ${HAPROXY_CHECK_INTERVAL_MS}ms fall 1 rise 2`,
    ...gatewayPorts.map((p, i) => `  server gateway-${i} 127.0.0.1:${p}`),
    '',
  ].join('\n');
}

/** haproxy in the foreground (`-db`, no daemon), its config in `dir`; resolves once it accepts. */
export async function startHaproxy(dir: string, gatewayPorts: readonly number[]): Promise<Haproxy> {
  const port = await freePort();
  const configFile = join(dir, 'haproxy.cfg');
  const logFile = join(dir, 'logs', 'haproxy.log');
  await writeFile(configFile, haproxyConfig(port, gatewayPorts));
  const check = spawnSync(HAPROXY, ['-c', '-q', '-f', configFile], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy rejects ${configFile}: ${check.stderr}${check.stdout}`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(HAPROXY, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  await waitForPort('haproxy', proc, port, logFile);
  return {
    port,
    configFile,
    logFile,
    async stop() {
      if (!alive(proc)) return;
      proc.kill('SIGTERM');
      await exited(proc);
    },
  };
}

/** A gRPC target of every replica's address: grpc-js balances it round_robin (libs/rpc createClient). */
function targetOf(replicas: readonly ReplicaProcess[]): string {
  return `ipv4:${replicas.map((r) => `127.0.0.1:${r.port}`).join(',')}`;
}

export async function startScaledTopology(options: ScaledTopologyOptions = {}): Promise<ScaledTopology> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dicomesh-scaled-'));
  const logDir = join(dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const [nats, postgres] = await Promise.all([startNats(), startPostgres()]);
  const common: Record<string, string> = {
    DICOMESH_METRICS_PORT: '0',
    DICOMESH_DATA_DIR: dataDir,
    DICOMESH_DATABASE_URL: postgres.url,
    DICOMESH_NATS_URL: nats.url,
    DICOMESH_GRPC_HOST: '127.0.0.1',
    ...(options.aeFile ? { DICOMESH_AE_FILE: options.aeFile } : {}),
    ...options.env,
  };
  const ownHostNames = canUnshareUts();
  const backends = {} as Record<BackendName, ReplicaProcess[]>;
  for (const service of BACKENDS) {
    backends[service] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const port = await freePort();
      backends[service].push(
        replicaProcess(
          service,
          i,
          port,
          logDir,
          { ...common, DICOMESH_GRPC_PORT: String(port) },
          ownHostNames,
        ),
      );
    }
  }
  const gateways: ReplicaProcess[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    const dicomPort = await freePort();
    gateways.push(
      replicaProcess(
        'gateway',
        i,
        dicomPort,
        logDir,
        {
          ...common,
          DICOMESH_DICOM_PORT: String(dicomPort),
          DICOMESH_DICOM_HOST: '127.0.0.1',
          DICOMESH_GRPC_PORT: String(await freePort()),
          DICOMESH_VERIFICATION_URL: targetOf(backends.verification),
          DICOMESH_STORAGE_URL: targetOf(backends.storage),
          DICOMESH_QUERY_URL: targetOf(backends.query),
          DICOMESH_RETRIEVE_URL: targetOf(backends.retrieve),
        },
        ownHostNames,
      ),
    );
  }
  const everything = [...Object.values(backends).flat(), ...gateways];
  let haproxy: Haproxy | undefined;
  const stop = async () => {
    await haproxy?.stop();
    await Promise.all(everything.map((r) => r.stop()));
    await Promise.all([nats.dispose(), postgres.dispose()]);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // Storage migrates the index before it listens (replicas serialize on an advisory lock); the others read it.
    await Promise.all([...backends.storage, ...backends.verification].map((r) => r.start()));
    await Promise.all([...backends.query, ...backends.retrieve].map((r) => r.start()));
    await Promise.all(gateways.map((g) => g.start()));
    haproxy = await startHaproxy(
      dataDir,
      gateways.map((g) => g.port),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dicomPort: haproxy.port,
    dataDir,
    nats,
    postgres,
    haproxy,
    gateways,
    backends,
    ownHostNames,
    stop,
  };
}
