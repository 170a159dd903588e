/** The TLS listener's options from the gateway's configuration (the DICOMESH_TLS_* variables). */
import type { GatewayConfig } from '@dicomesh/config';
import type { TlsListenerOptions } from './tls-listener.js';

/** Undefined without DICOMESH_TLS_PORT; readGatewayConfig checked that a port comes with its certificate and key. */
export function tlsListenerConfig(config: GatewayConfig): TlsListenerOptions | undefined {
  if (config.tlsPort === undefined) return undefined;
  return {
    host: config.dicomHost,
    port: config.tlsPort,
    certFile: config.tlsCertFile ?? '',
    keyFile: config.tlsKeyFile ?? '',
    caFile: config.tlsCaFile,
    requireClientCert: config.tlsRequireClientCert,
  };
}
