/**
 * `dicomesh.v1.Storage/Store`: reads the header, then hands the chunks to the store pipeline as they
 * arrive (iterating the call is the backpressure: grpc-js stops reading while a write waits). This is the
 * one place where failures become DIMSE statuses in the response.
 */

import type { BlobStore, StorageIndex } from '@dicomesh/archive';
import { Status } from '@dicomesh/dimse';
import {
  RpcError,
  type ServerReadableStream,
  type StorageServer,
  StorageServiceDefinition,
  type StoreHeader,
  type StoreRequest,
  type StoreResponse,
  startStreamedBytes,
  tracedClientStream,
} from '@dicomesh/rpc';
import { createLogger, type Logger } from '@dicomesh/telemetry';
import { type Tracer, trace } from '@opentelemetry/api';
import { toErrorComment } from './error-comment.js';
import { StoreCancelledError, StoreFailedError } from './errors.js';
import { nextOrCancelled } from './next-or-cancelled.js';
import { StoreOutcomeLabel, storeLatency, storeOutcomes } from './store-metrics.js';
import { type OutboxNotifier, type StorePipelineOptions, storeObject } from './store-pipeline.js';

export interface StorageServiceOptions {
  readonly blobStore: BlobStore;
  readonly index: StorageIndex;
  readonly relay?: OutboxNotifier;
  readonly overwrite?: boolean;
  readonly acceptUnknownSopClasses?: boolean;
  readonly tracer?: Tracer;
  readonly logger?: Logger;
}

const STORE_METHOD = StorageServiceDefinition.store.path.slice(1);

/** Errors of the index's driver that mean "the database is not there" (IndexUnavailableError of @dicomesh/archive). */
function isIndexUnavailable(error: unknown): boolean {
  return error instanceof Error && error.name === 'IndexUnavailableError';
}

function isStorageFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** The DIMSE answer for a failure, or undefined for one that is a gRPC error (a bug, a cancelled call). */
export function failureResponse(error: unknown): StoreResponse | undefined {
  if (error instanceof StoreFailedError) {
    return { status: error.status, errorComment: toErrorComment(error.comment), duplicate: false };
  }
  if (isIndexUnavailable(error)) {
    return { status: Status.OutOfResources, errorComment: 'index unavailable', duplicate: false };
  }
  if (isStorageFull(error)) {
    return { status: Status.OutOfResources, errorComment: 'blob store full', duplicate: false };
  }
  return undefined;
}

/**
 * Yields the chunks after the header and returns at the call's end, once its byte count matches. Throws
 * StoreCancelledError when the caller cancels the call, and when the call closes before its end: the data
 * set is complete only when the caller says so.
 */
async function* chunksOf(
  requests: AsyncIterator<StoreRequest>,
  call: ServerReadableStream<StoreRequest, StoreResponse>,
  header: StoreHeader,
): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  const cancelled = () => new StoreCancelledError(header.sopInstanceUid, bytes);
  const streamed = startStreamedBytes();
  try {
    for (;;) {
      const next = await nextOrCancelled(requests, call, cancelled);
      if (call.cancelled) throw cancelled();
      if (next.done) throw new StoreCancelledError(header.sopInstanceUid, bytes, 'closed without its end');
      const part = next.value.part;
      if (part?.$case === 'end') {
        if (part.value.bytes !== bytes) {
          throw RpcError.of(
            'invalid',
            `StoreEnd counts ${part.value.bytes} bytes of data set, ${bytes} were received`,
          );
        }
        return;
      }
      if (part?.$case !== 'chunk')
        throw RpcError.of('invalid', 'StoreRequest after the header must be a chunk or the end');
      bytes += part.value.length;
      streamed.note(part.value.length);
      if (part.value.length > 0) yield part.value;
    }
  } finally {
    streamed.end();
  }
}

export function createStorageService(options: StorageServiceOptions): StorageServer {
  const logger = options.logger ?? createLogger('storage');
  const tracer = options.tracer ?? trace.getTracer('@dicomesh/storage');
  const pipeline: StorePipelineOptions = {
    blobStore: options.blobStore,
    index: options.index,
    ...(options.relay === undefined ? {} : { relay: options.relay }),
    overwrite: options.overwrite ?? false,
    acceptUnknownSopClasses: options.acceptUnknownSopClasses ?? false,
    tracer,
    logger,
  };

  async function store(call: ServerReadableStream<StoreRequest, StoreResponse>): Promise<StoreResponse> {
    const started = performance.now();
    let outcome: StoreOutcomeLabel = StoreOutcomeLabel.Error;
    let status = -1;
    // A cancelled call's readable may never end: destroying it ends the iteration below.
    const onCancel = () => call.destroy();
    call.once('cancelled', onCancel);
    const requests = call[Symbol.asyncIterator]();
    try {
      const first = await nextOrCancelled(requests, call, () => new StoreCancelledError('', 0)).catch(
        (error: unknown) => {
          if (!(error instanceof StoreCancelledError)) throw error;
          outcome = StoreOutcomeLabel.Cancelled;
          throw RpcError.of('cancelled', 'Storage.Store cancelled by the caller before its header', error);
        },
      );
      if (first.done || first.value.part?.$case !== 'header') {
        throw RpcError.of('invalid', 'the first StoreRequest must be the header');
      }
      const header = first.value.part.value;
      const span = trace.getActiveSpan();
      span?.setAttributes({
        'dicom.association_id': header.context?.associationId ?? '',
        'dicom.calling_ae': header.context?.callingAeTitle ?? '',
        'dicom.message_id': header.context?.messageId ?? 0,
        'dicom.sop_class_uid': header.sopClassUid,
        'dicom.transfer_syntax': header.transferSyntaxUid,
      });
      const fields = {
        associationId: header.context?.associationId,
        callingAe: header.context?.callingAeTitle,
        messageId: header.context?.messageId,
        sopClassUid: header.sopClassUid,
        sopInstanceUid: header.sopInstanceUid,
        transferSyntaxUid: header.transferSyntaxUid,
      };
      try {
        const result = await storeObject(header, chunksOf(requests, call, header), pipeline);
        outcome = result.outcome;
        status = result.status;
        span?.setAttribute('dicom.status', result.status);
        logger.info('C-STORE stored', {
          ...fields,
          outcome: result.outcome,
          blobKey: result.blobKey,
          size: result.size,
        });
        return { status: result.status, errorComment: '', duplicate: result.duplicate };
      } catch (error) {
        if (call.cancelled || error instanceof StoreCancelledError) {
          outcome = StoreOutcomeLabel.Cancelled;
          logger.info('C-STORE cancelled', fields);
          throw RpcError.of('cancelled', 'Storage.Store cancelled by the caller', error);
        }
        const response = failureResponse(error);
        if (response === undefined) {
          logger.error('C-STORE failed', {
            ...fields,
            error: error instanceof Error ? error.message : String(error),
          });
          throw error;
        }
        outcome =
          response.status === Status.SopClassNotSupported
            ? StoreOutcomeLabel.Refused
            : StoreOutcomeLabel.Failed;
        status = response.status;
        span?.setAttribute('dicom.status', response.status);
        logger.warn('C-STORE failed', {
          ...fields,
          status: response.status,
          errorComment: response.errorComment,
        });
        return response;
      }
    } finally {
      call.off('cancelled', onCancel);
      storeLatency.observe({ outcome }, (performance.now() - started) / 1000);
      storeOutcomes.inc({ outcome, status: status < 0 ? '' : `0x${status.toString(16).padStart(4, '0')}` });
    }
  }

  return { store: tracedClientStream(STORE_METHOD, store, { tracer }) };
}
