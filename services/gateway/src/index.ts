/** @dicomesh/gateway: the DICOM listener in front of the backends. */
export { type Backends, type BackendTargets, connectBackends } from './backends.js';
export { type CallingAePolicy, callingAePolicy } from './calling-ae-policy.js';
export { type Gateway, type GatewayOptions, startGateway } from './gateway.js';
export { type GatewayAccess, openGatewayAccess } from './gateway-access.js';
export { type GatewayMetrics, gatewayMetrics } from './gateway-metrics.js';
export { GATEWAY_HEALTH_SERVICE, type HealthServer, startHealthServer } from './health-server.js';
export { presentationPolicy, UNCOMPRESSED_TRANSFER_SYNTAXES } from './presentation-policy.js';
export { runGateway } from './run-gateway.js';
export { tlsListenerConfig } from './tls-listener-config.js';
