export {
  type AssociationEvents,
  type AssociationEventsOptions,
  associationEventMsgId,
  associationEventPublisher,
} from './association-events.js';
export {
  type DurableConsumer,
  type DurableConsumerOptions,
  durableConsumer,
  type ReceivedEvent,
} from './durable-consumer.js';
export * from './events-api.js';
export {
  EventPublishError,
  JetStreamSetupError,
  NatsCredentialsError,
  SubjectError,
} from './events-errors.js';
export {
  type BusHandler,
  type BusMessage,
  InProcessBus,
  type InProcessBusOptions,
} from './in-process-bus.js';
export {
  connectJetStream,
  type JetStreamConnection,
  type JetStreamConnectOptions,
  RECONNECT_WAIT_MS,
  streamConfig,
} from './jetstream-connection.js';
export {
  DEFAULT_PUBLISH_TIMEOUT_MS,
  JetStreamPublisher,
  type JetStreamPublisherOptions,
} from './jetstream-publisher.js';
export {
  type NatsClientAuth,
  type NatsCredentialSettings,
  type NatsTlsFiles,
  natsAuthOptions,
  natsClientAuth,
  natsClientAuthOrExit,
} from './nats-client-auth.js';
export { type NatsServers, NatsUrlError, natsServers } from './nats-servers.js';
export { OutboxRelay, type OutboxRelayOptions, type OutboxRelayStats } from './outbox-relay.js';
export { ReconnectingPublisher, type ReconnectingPublisherOptions } from './reconnecting-publisher.js';
export { DUPLICATE_WINDOW_MS } from './stream-settings.js';
export { assertPublishSubject, type SubjectMatcher, subjectMatcher } from './subject-pattern.js';
export { contextFromHeaders, withTraceHeaders } from './trace-headers.js';
