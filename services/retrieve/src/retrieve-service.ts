/** The `dicomesh.v1.Retrieve` service implementation: Move and Get, each in a traced server span. */
import { type RetrieveServer, RetrieveServiceDefinition, tracedBidiStream } from '@dicomesh/rpc';
import { createLogger } from '@dicomesh/telemetry';
import { trace } from '@opentelemetry/api';
import { getHandler } from './get-handler.js';
import { moveHandler } from './move-handler.js';
import type { RetrieveServiceOptions } from './retrieve-options.js';
import { SYNC_READ_COOLDOWN_MS, SyncReadGate } from './sync-read-gate.js';

const MOVE_METHOD = RetrieveServiceDefinition.move.path.slice(1);
const GET_METHOD = RetrieveServiceDefinition.get.path.slice(1);

export function createRetrieveService(options: RetrieveServiceOptions): RetrieveServer {
  const logger = options.logger ?? createLogger('retrieve');
  const tracer = options.tracer ?? trace.getTracer('@dicomesh/retrieve');
  // One per process: slow reads shut it for every move and get.
  const syncReads = new SyncReadGate({
    onShut: (smoothedMs) =>
      logger.info(
        'blob reads ahead were slow: C-MOVE and C-GET reads go through the thread pool for a while',
        {
          smoothedReadMs: Math.round(smoothedMs * 10) / 10,
          cooldownMs: SYNC_READ_COOLDOWN_MS,
        },
      ),
  });
  return {
    move: tracedBidiStream(MOVE_METHOD, moveHandler(options, tracer, logger, syncReads), { tracer }),
    get: tracedBidiStream(GET_METHOD, getHandler(options, logger, syncReads), { tracer }),
  };
}
