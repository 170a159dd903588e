/**
 * One C-STORE, from the header and the data set's chunks to a durable, indexed object: the header's UIDs
 * are checked, the blob writer gets the Part 10 meta header and then every chunk as it comes (the caller's
 * stream waits while the file write does), the parser reads the same chunks, and at the end the object is
 * committed (data synced, linked under its key) and indexed with its outbox event in one transaction.
 */
import {
  type BlobKey,
  type BlobStore,
  type BlobWriter,
  blobKeyFor,
  type StorageIndex,
} from '@dicomesh/archive';
import { buildFileMetaHeader, isStorageSopClass, transferSyntax, validateUid } from '@dicomesh/dicom';
import { DICOMESH_IMPLEMENTATION_CLASS_UID, DICOMESH_IMPLEMENTATION_VERSION_NAME } from '@dicomesh/dicom-ul';
import { Status } from '@dicomesh/dimse';
import type { StoreHeader } from '@dicomesh/rpc';
import type { Logger } from '@dicomesh/telemetry';
import { context, propagation, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { toErrorComment } from './error-comment.js';
import { StoreFailedError } from './errors.js';
import { instanceRecord, instanceStoredEvent, type StoredObject } from './instance-record.js';
import { ObjectParser, type ParsedObject } from './object-parser.js';
import { storeBytesReceived } from './store-metrics.js';

/** What the outbox relay offers storage: a nudge to publish what was just committed. */
export interface OutboxNotifier {
  notify(): void;
}

export interface StorePipelineOptions {
  readonly blobStore: BlobStore;
  readonly index: StorageIndex;
  /** Told after each commit; without it, events wait for the relay's own polling. */
  readonly relay?: OutboxNotifier;
  /** Replace an instance already stored (else a second copy is answered Success and dropped). */
  readonly overwrite: boolean;
  /** Store SOP classes that are not standard storage SOP classes. */
  readonly acceptUnknownSopClasses: boolean;
  readonly tracer: Tracer;
  readonly logger: Logger;
}

export interface StoreResult {
  readonly status: number;
  readonly duplicate: boolean;
  /** `stored`, `duplicate` or `replaced`. */
  readonly outcome: 'stored' | 'duplicate' | 'replaced';
  readonly blobKey: BlobKey | undefined;
  readonly size: number;
}

function checkUid(value: string, field: string, status: number): string {
  const problem = validateUid(value);
  if (problem !== undefined)
    throw new StoreFailedError(status, toErrorComment(`${field}: ${problem.message}`));
  if (value.includes('\0')) throw new StoreFailedError(status, toErrorComment(`${field}: has NUL padding`));
  return value;
}

/** The header's checks, before any byte is written (0122 for a SOP class we do not store, C000 for bad UIDs). */
export function validateHeader(header: StoreHeader, acceptUnknownSopClasses: boolean): void {
  checkUid(header.sopClassUid, 'Affected SOP Class UID', Status.CannotUnderstand);
  checkUid(header.sopInstanceUid, 'Affected SOP Instance UID', Status.CannotUnderstand);
  checkUid(header.transferSyntaxUid, 'Transfer Syntax UID', Status.CannotUnderstand);
  if (!acceptUnknownSopClasses && !isStorageSopClass(header.sopClassUid)) {
    throw new StoreFailedError(Status.SopClassNotSupported, 'SOP Class not supported');
  }
  if (transferSyntax(header.transferSyntaxUid) === undefined) {
    throw new StoreFailedError(Status.CannotUnderstand, 'Transfer Syntax UID: not supported');
  }
}

/** The data set's own UIDs, checked against the request (A900 when they differ or are invalid). */
function checkDataSet(
  header: StoreHeader,
  parsed: ParsedObject,
): Omit<StoredObject, 'blob' | 'dataSetOffset' | 'sourceAeTitle' | 'parsed' | 'transferSyntaxUid'> {
  const mismatch = Status.DataSetDoesNotMatchSopClass;
  const required = (value: string | undefined, field: string): string => {
    if (value === undefined || value === '')
      throw new StoreFailedError(mismatch, `${field}: missing in the data set`);
    return checkUid(value, field, mismatch);
  };
  const sopInstanceUid = required(parsed.sopInstanceUid, 'SOP Instance UID');
  if (sopInstanceUid !== header.sopInstanceUid) {
    throw new StoreFailedError(mismatch, 'SOP Instance UID does not match the request');
  }
  const sopClassUid = required(parsed.sopClassUid, 'SOP Class UID');
  if (sopClassUid !== header.sopClassUid) {
    throw new StoreFailedError(mismatch, 'SOP Class UID does not match the request');
  }
  return {
    sopInstanceUid,
    sopClassUid,
    studyInstanceUid: required(parsed.studyInstanceUid, 'Study Instance UID'),
    seriesInstanceUid: required(parsed.seriesInstanceUid, 'Series Instance UID'),
  };
}

/** Runs `work` in a child span of the active one (the handler's server span). */
async function inSpan<T>(tracer: Tracer, name: string, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? error.message : String(error),
      });
      if (error instanceof Error) span.recordException(error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Stores one object. Resolves with Success (stored, duplicate or replaced); throws StoreFailedError for a
 * DIMSE failure, or whatever the blob store or index threw (the handler maps them). On any failure and
 * on cancellation (the `chunks` iterator throws) the temporary file is removed and nothing is indexed.
 */
export async function storeObject(
  header: StoreHeader,
  chunks: AsyncIterable<Uint8Array>,
  options: StorePipelineOptions,
): Promise<StoreResult> {
  validateHeader(header, options.acceptUnknownSopClasses);
  const sourceAeTitle = header.context?.callingAeTitle ?? '';
  const meta = buildFileMetaHeader({
    sopClassUid: header.sopClassUid,
    sopInstanceUid: header.sopInstanceUid,
    transferSyntaxUid: header.transferSyntaxUid,
    implementationClassUid: DICOMESH_IMPLEMENTATION_CLASS_UID,
    implementationVersionName: DICOMESH_IMPLEMENTATION_VERSION_NAME,
    ...(sourceAeTitle === '' ? {} : { sourceAeTitle }),
  });
  const parser = new ObjectParser(header.transferSyntaxUid);
  const { tracer } = options;

  let writer: BlobWriter | undefined;
  let committed: BlobKey | undefined;
  let keepCommitted = false;
  try {
    const received = await inSpan(tracer, 'blob write', async (span) => {
      const created = await options.blobStore.create();
      writer = created;
      // The meta header goes to the file with the first chunk, in one write. A chunk's write (on the thread
      // pool) runs while it is parsed; the next chunk waits for it, so one write at a time is in flight.
      let pendingMeta: Uint8Array | undefined = meta;
      let written: Promise<void> = Promise.resolve();
      let bytes = 0;
      for await (const chunk of chunks) {
        bytes += chunk.length;
        storeBytesReceived.inc(undefined, chunk.length);
        await written;
        written = created.write(pendingMeta === undefined ? chunk : [pendingMeta, chunk]);
        written.catch(() => undefined); // awaited with the next chunk or after the last
        pendingMeta = undefined;
        try {
          await parser.push(chunk);
        } catch (error) {
          throw new StoreFailedError(
            Status.CannotUnderstand,
            toErrorComment(`data set: ${describe(error)}`),
            {
              cause: error,
            },
          );
        }
      }
      await written;
      if (pendingMeta !== undefined) await created.write(pendingMeta);
      span.setAttribute('dicom.bytes', bytes);
      return bytes;
    });
    let parsed: ParsedObject;
    try {
      parsed = await parser.end();
    } catch (error) {
      throw new StoreFailedError(Status.CannotUnderstand, toErrorComment(`data set: ${describe(error)}`), {
        cause: error,
      });
    }
    const uids = checkDataSet(header, parsed);
    const w = writer!;

    // No look-up first: the index transaction decides (a duplicate's file is dropped after it).
    const key = blobKeyFor({ ...uids, sha256: w.digest() });
    const blob = await inSpan(tracer, 'blob commit', () => w.commit(key));
    committed = blob.key;
    // A blob already under this key (the same bytes) belongs to an indexed instance or another store in flight.
    keepCommitted = blob.existed;

    const object: StoredObject = {
      ...uids,
      parsed,
      transferSyntaxUid: header.transferSyntaxUid,
      blob,
      dataSetOffset: meta.length,
      sourceAeTitle,
    };
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    const result = await inSpan(tracer, 'index transaction', () =>
      options.index.storeInstance(instanceRecord(object), instanceStoredEvent(object, headers, new Date()), {
        overwrite: options.overwrite,
      }),
    );
    if (result.outcome === 'duplicate') {
      // Stored before (or by a concurrent call): keep the indexed copy, which may be this very file.
      if (result.storedBlobKey !== blob.key && !blob.existed) await removeQuietly(options, blob.key);
      committed = undefined;
      options.logger.info('C-STORE duplicate ignored', {
        sopInstanceUid: uids.sopInstanceUid,
        blobKey: result.storedBlobKey,
      });
      return {
        status: Status.Success,
        duplicate: true,
        outcome: 'duplicate',
        blobKey: result.storedBlobKey,
        size: received,
      };
    }
    committed = undefined;
    if (
      result.outcome === 'replaced' &&
      result.replacedBlobKey !== undefined &&
      result.replacedBlobKey !== blob.key
    ) {
      await removeQuietly(options, result.replacedBlobKey);
    }
    options.relay?.notify();
    trace.getActiveSpan()?.setAttribute('dicom.blob_size', blob.size);
    return {
      status: Status.Success,
      duplicate: false,
      outcome: result.outcome,
      blobKey: blob.key,
      size: received,
    };
  } catch (error) {
    await writer?.abort().catch(() => undefined);
    if (committed !== undefined && !keepCommitted) await removeQuietly(options, committed);
    throw error;
  }
}

async function removeQuietly(options: StorePipelineOptions, key: BlobKey): Promise<void> {
  try {
    await options.blobStore.remove(key);
  } catch (error) {
    options.logger.warn('could not remove a blob that is not indexed', {
      blobKey: key,
      error: describe(error),
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
