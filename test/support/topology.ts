/**
 * The multi-process topology on this machine, without containers: a real nats-server with JetStream, a
 * real PostgreSQL, and each service as its own `dicomesh <service>` process on free ports. Used by
 * `make run-services`, by the acceptance run against it, and by the fault tests (kill -9 a service,
 * stop NATS or PostgreSQL). Plain erasable TypeScript: Node 24 runs it directly, vitest too.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { NatsClientAuth } from '@dicomesh/events';
import { freePort } from './free-port.ts';
import { type NatsAuthMode, natsAuthSetup } from './nats-auth-setup.ts';
import { type NatsServer, startNats } from './nats-server.ts';
import { type PgBouncer, type PoolMode, startPgBouncer } from './pgbouncer.ts';
import { type PostgresServer, startPostgres } from './postgres.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const LAUNCHER = join(ROOT, 'services/dicomesh/dist/main.js');
const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 50;
/** USER_HZ of /proc/PID/stat times: 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

export type ServiceName = 'verification' | 'storage' | 'query' | 'retrieve' | 'gateway';

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly logFile: string;
  pid(): number | undefined;
  /** True while the process started last has not exited. */
  running(): boolean;
  /** Starts the process (again) and resolves when its port accepts connections. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill9(): Promise<void>;
  /** Peak resident memory of the running process in bytes (VmHWM), 0 when not running. */
  peakRssBytes(): number;
  /** CPU time (user + system) the running process has used, in seconds; 0 when not running. */
  cpuSeconds(): number;
}

export interface Topology {
  readonly dicomPort: number;
  readonly dataDir: string;
  readonly nats: NatsServer;
  /** What the services present to NATS (a .creds file, a client certificate), when the options asked for it. */
  readonly natsClientAuth: NatsClientAuth;
  readonly postgres: PostgresServer;
  /** The pooler the services reach PostgreSQL through, when the options asked for one. */
  readonly pgbouncer: PgBouncer | undefined;
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  /** DICOM port of the gateway (default: a free one). */
  readonly dicomPort?: number;
  /** Where blobs and logs go (default: a temp dir, removed by stop()). */
  readonly dataDir?: string;
  readonly aeFile?: string;
  /** Extra environment for every service. */
  readonly env?: Readonly<Record<string, string>>;
  /** Put PgBouncer in this mode between the services and PostgreSQL (DICOMESH_DATABASE_POOLED). */
  readonly pooler?: PoolMode;
  /**
   * How nats-server admits the services: in operator mode (DICOMESH_NATS_CREDS_FILE), by NKey
   * (DICOMESH_NATS_NKEY_FILE) or only with a client
   * certificate over TLS (DICOMESH_NATS_TLS_*). Default: anyone.
   */
  readonly natsAuth?: NatsAuthMode;
}

/** PgBouncer's server connections to PostgreSQL, fewer than the services' clients. */
const POOLER_SERVER_CONNECTIONS = 3;

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

function serviceProcess(
  name: ServiceName,
  port: number,
  logFile: string,
  env: Readonly<Record<string, string>>,
): ServiceProcess {
  let child: ChildProcess | undefined;
  const alive = (c: ChildProcess | undefined): c is ChildProcess =>
    c !== undefined && c.exitCode === null && c.signalCode === null;
  return {
    name,
    port,
    logFile,
    pid: () => child?.pid,
    running: () => alive(child),
    async start() {
      if (alive(child)) throw new Error(`${name} is already running (pid ${child.pid})`);
      const log = createWriteStream(logFile, { flags: 'a' });
      const proc = spawn(process.execPath, [LAUNCHER, name], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      proc.stdout?.pipe(log);
      proc.stderr?.pipe(log);
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (!(await accepts(port))) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}); see ${logFile}`);
        }
        if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port}; see ${logFile}`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
    async stop() {
      if (!child) return;
      child.kill('SIGTERM');
      await exited(child);
    },
    async kill9() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    peakRssBytes() {
      if (!alive(child) || child.pid === undefined) return 0;
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      return kb === undefined ? 0 : Number(kb) * 1024;
    },
    cpuSeconds() {
      if (!alive(child) || child.pid === undefined) return 0;
      // /proc/PID/stat: fields after the parenthesised command; utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    },
  };
}

export async function startTopology(options: TopologyOptions = {}): Promise<Topology> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'dicomesh-topology-')));
  await mkdir(join(dataDir, 'logs'), { recursive: true });
  const natsAuth =
    options.natsAuth === undefined ? undefined : await natsAuthSetup(options.natsAuth, dataDir);
  const [nats, postgres] = await Promise.all([
    startNats({ args: natsAuth?.serverArgs ?? [] }),
    startPostgres(),
  ]);
  const disposeServers = async () => {
    await Promise.all([nats.dispose(), postgres.dispose()]);
  };
  let pgbouncer: PgBouncer | undefined;
  try {
    pgbouncer =
      options.pooler === undefined
        ? undefined
        : await startPgBouncer(postgres, { poolMode: options.pooler, poolSize: POOLER_SERVER_CONNECTIONS });
  } catch (error) {
    await disposeServers();
    throw error;
  }
  const dicomPort = options.dicomPort ?? (await freePort());
  const ports = {
    verification: await freePort(),
    storage: await freePort(),
    query: await freePort(),
    retrieve: await freePort(),
    gateway: await freePort(),
  };
  const common: Record<string, string> = {
    DICOMESH_METRICS_PORT: '0',
    DICOMESH_DATA_DIR: dataDir,
    DICOMESH_DATABASE_URL: pgbouncer?.url ?? postgres.url,
    ...(pgbouncer ? { DICOMESH_DATABASE_POOLED: 'true' } : {}),
    ...natsAuth?.env,
    DICOMESH_NATS_URL: nats.url,
    DICOMESH_GRPC_HOST: '127.0.0.1',
    ...(options.aeFile ? { DICOMESH_AE_FILE: options.aeFile } : {}),
    ...options.env,
  };
  const log = (name: string) => join(dataDir, 'logs', `${name}.log`);
  const services: Record<ServiceName, ServiceProcess> = {
    verification: serviceProcess('verification', ports.verification, log('verification'), {
      ...common,
      DICOMESH_GRPC_PORT: String(ports.verification),
    }),
    storage: serviceProcess('storage', ports.storage, log('storage'), {
      ...common,
      DICOMESH_GRPC_PORT: String(ports.storage),
    }),
    query: serviceProcess('query', ports.query, log('query'), {
      ...common,
      DICOMESH_GRPC_PORT: String(ports.query),
    }),
    retrieve: serviceProcess('retrieve', ports.retrieve, log('retrieve'), {
      ...common,
      DICOMESH_GRPC_PORT: String(ports.retrieve),
    }),
    gateway: serviceProcess('gateway', dicomPort, log('gateway'), {
      ...common,
      DICOMESH_DICOM_PORT: String(dicomPort),
      DICOMESH_DICOM_HOST: '127.0.0.1',
      DICOMESH_GRPC_PORT: String(ports.gateway),
      DICOMESH_VERIFICATION_URL: `127.0.0.1:${ports.verification}`,
      DICOMESH_STORAGE_URL: `127.0.0.1:${ports.storage}`,
      DICOMESH_QUERY_URL: `127.0.0.1:${ports.query}`,
      DICOMESH_RETRIEVE_URL: `127.0.0.1:${ports.retrieve}`,
    }),
  };
  const stopProcesses = async () => {
    await Promise.all(Object.values(services).map((s) => s.stop()));
    await pgbouncer?.dispose();
    await disposeServers();
  };
  try {
    await Promise.all([services.verification.start(), services.storage.start()]);
    // Storage has migrated the index by the time it listens; query reads those tables.
    await Promise.all([services.query.start(), services.retrieve.start()]);
    await services.gateway.start();
  } catch (error) {
    // Nothing outlives a failed start; the data dir stays, with the logs the error points to.
    await stopProcesses().catch(() => undefined);
    throw error;
  }
  return {
    dicomPort,
    dataDir,
    nats,
    natsClientAuth: natsAuth?.client ?? {},
    postgres,
    pgbouncer,
    services,
    async stop() {
      await stopProcesses();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
