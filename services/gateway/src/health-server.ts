/** The gateway's gRPC server: grpc.health.v1 only, SERVING while the DICOM listener accepts associations. */
import { createServer, HealthService, OVERALL_HEALTH, startServer, stopServer } from '@dicomesh/rpc';

/** The health service name a probe may ask about. */
export const GATEWAY_HEALTH_SERVICE = 'dicomesh.v1.Gateway';

export interface HealthServer {
  readonly port: number;
  setServing(serving: boolean): void;
  close(): Promise<void>;
}

export async function startHealthServer(host: string, port: number): Promise<HealthServer> {
  const server = createServer();
  const health = new HealthService();
  health.addTo(server);
  const setServing = (serving: boolean) => {
    const status = serving ? 'SERVING' : 'NOT_SERVING';
    health.setStatus(OVERALL_HEALTH, status);
    health.setStatus(GATEWAY_HEALTH_SERVICE, status);
  };
  setServing(false);
  const bound = await startServer(server, host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
  return {
    port: bound,
    setServing,
    async close() {
      health.setAllNotServing();
      health.closeWatchers();
      await stopServer(server, 1_000);
    },
  };
}
