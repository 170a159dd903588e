/** The `dicomesh.v1.Retrieve` service implementation: Move and Get, each in a traced server span. */
import { type RetrieveServer, RetrieveServiceDefinition, tracedBidiStream } from '@dicomesh/rpc';
import { createLogger } from '@dicomesh/telemetry';
import { trace } from '@opentelemetry/api';
import { getHandler } from './get-handler.js';
import { moveHandler } from './move-handler.js';
import type { RetrieveServiceOptions } from './retrieve-options.js';

const MOVE_METHOD = RetrieveServiceDefinition.move.path.slice(1);
const GET_METHOD = RetrieveServiceDefinition.get.path.slice(1);

export function createRetrieveService(options: RetrieveServiceOptions): RetrieveServer {
  const logger = options.logger ?? createLogger('retrieve');
  const tracer = options.tracer ?? trace.getTracer('@dicomesh/retrieve');
  return {
    move: tracedBidiStream(MOVE_METHOD, moveHandler(options, tracer, logger), { tracer }),
    get: tracedBidiStream(GET_METHOD, getHandler(options, logger), { tracer }),
  };
}
