import { type Server, type ServerWritableStream, status } from '@grpc/grpc-js';
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus,
  type HealthServer,
  HealthService as HealthServiceDefinition,
} from './generated/grpc/health/v1/health.js';

/** Statuses a service sets for itself (grpc.health.v1). */
export const ServingStatus = {
  Serving: 'SERVING',
  NotServing: 'NOT_SERVING',
} as const;
export type ServingStatus = (typeof ServingStatus)[keyof typeof ServingStatus];

const wire: Readonly<Record<ServingStatus, HealthCheckResponse_ServingStatus>> = {
  SERVING: HealthCheckResponse_ServingStatus.SERVING,
  NOT_SERVING: HealthCheckResponse_ServingStatus.NOT_SERVING,
};

/** The server as a whole: the empty service name of the health protocol. */
export const OVERALL_HEALTH = '';

type Watcher = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;

/**
 * The standard `grpc.health.v1.Health` service (Check, List, Watch) over statuses the owner sets.
 * Kubernetes gRPC probes and `grpc_health_probe` call Check with service `""` or a service name.
 * A service absent from the table is NOT_FOUND for Check and SERVICE_UNKNOWN for Watch.
 */
export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Map<string, Set<Watcher>>();

  /** grpc-js handlers of the Health service. */
  readonly implementation: HealthServer = {
    check: (call, callback) => {
      const current = this.statuses.get(call.request.service);
      if (current === undefined) {
        callback({
          code: status.NOT_FOUND,
          details: `unknown service ${JSON.stringify(call.request.service)}`,
        });
      } else {
        callback(null, { status: wire[current] });
      }
    },
    list: (_call, callback) => {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [service, current] of this.statuses) statuses[service] = { status: wire[current] };
      callback(null, { statuses });
    },
    watch: (call) => {
      const service = call.request.service;
      let set = this.watchers.get(service);
      if (set === undefined) {
        set = new Set();
        this.watchers.set(service, set);
      }
      set.add(call);
      const forget = () => {
        set.delete(call);
        if (set.size === 0 && this.watchers.get(service) === set) this.watchers.delete(service);
      };
      call.on('cancelled', forget);
      call.on('close', forget);
      const current = this.statuses.get(service);
      call.write({
        status: current === undefined ? HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN : wire[current],
      });
    },
  };

  /** Sets the status of `service` (`OVERALL_HEALTH` for the whole server) and tells its watchers when it changes. */
  setStatus(service: string, servingStatus: ServingStatus): void {
    const previous = this.statuses.get(service);
    this.statuses.set(service, servingStatus);
    if (previous === servingStatus) return;
    for (const watcher of this.watchers.get(service) ?? []) watcher.write({ status: wire[servingStatus] });
  }

  getStatus(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every known service NOT_SERVING (on SIGTERM, before draining). */
  setAllNotServing(): void {
    for (const service of this.statuses.keys()) this.setStatus(service, ServingStatus.NotServing);
  }

  /** Ends the open Watch calls (before the server shuts down, which otherwise waits for them). */
  closeWatchers(): void {
    for (const set of this.watchers.values()) for (const watcher of set) watcher.end();
    this.watchers.clear();
  }

  /** Registers the Health service on `server`. */
  addTo(server: Server): void {
    server.addService(HealthServiceDefinition, this.implementation);
  }
}
