/**
 * The archive's contracts: where object bytes live (BlobStore) and how they are found (the index).
 * The storage service writes through them; query and retrieve read through them.
 */

/** A validated blob key: `<StudyUID>/<SeriesUID>/<SOPInstanceUID>.<sha256-prefix>.dcm`, built only by `blobKeyFor`. */
export type BlobKey = string & { readonly __brand: 'BlobKey' };

export interface BlobWriteResult {
  readonly key: BlobKey;
  readonly size: number;
  /** Hex SHA-256 of every byte written (meta header included). */
  readonly sha256: string;
  /**
   * A blob was already under `key` (the same bytes, the key holding their digest): it was kept as it was
   * and this writer's copy dropped. Its owner (an indexed instance, or another store in flight) is not the
   * caller, so the caller must never remove it.
   */
  readonly existed: boolean;
}

/** One blob being written: bytes go to a temporary file; `commit` makes it durable under its key. */
export interface BlobWriter {
  /**
   * Resolves when the bytes are handed to the file (waits under backpressure). Several chunks given at once
   * (a header and the first data, say) go to the file in one write.
   */
  write(chunk: Uint8Array | readonly Uint8Array[]): Promise<void>;
  /** Bytes and SHA-256 so far (the key is usually derived from them). */
  readonly size: number;
  digest(): string;
  /**
   * Flush the file's data to disk, link it under `key` (never replacing a blob already there), fsync the
   * directory. After this resolves the blob survives a crash.
   */
  commit(key: BlobKey): Promise<BlobWriteResult>;
  /** Remove the temporary file; safe to call after a failure, and more than once. */
  abort(): Promise<void>;
}

export interface BlobStore {
  create(): Promise<BlobWriter>;
  /**
   * Stream a blob's bytes from `start` (to skip the Part 10 header) up to `end` (exclusive; default: the
   * end of the file). A known `end` lets the store read in buffers no larger than what is left.
   */
  read(key: BlobKey, start?: number, end?: number): AsyncIterable<Buffer>;
  /**
   * Read bytes [start, end) of a blob into `target` (at least end - start long): no buffer is allocated,
   * so a caller sending many objects one after another can reuse one. Rejects if the blob is shorter.
   */
  readInto(key: BlobKey, target: Buffer, start: number, end: number): Promise<void>;
  /**
   * readInto on the calling thread, blocking it until done: no thread-pool round trips (open, read and
   * close are three), for a caller that reads while it would otherwise wait and checks that reads stay fast.
   * Throws what readInto rejects with.
   */
  readIntoSync(key: BlobKey, target: Buffer, start: number, end: number): void;
  exists(key: BlobKey): Promise<boolean>;
  remove(key: BlobKey): Promise<void>;
  /** Remove temporary files left by a crash; run once at start-up. Returns how many were removed. */
  cleanTemporary(): Promise<number>;
}

/** What the index keeps of one stored instance. */
export interface InstanceRecord {
  readonly patientId: string;
  readonly patientName?: string;
  readonly patientBirthDate?: string;
  readonly patientSex?: string;
  readonly studyInstanceUid: string;
  readonly studyDate?: string;
  readonly studyTime?: string;
  readonly accessionNumber?: string;
  readonly studyId?: string;
  readonly studyDescription?: string;
  readonly referringPhysicianName?: string;
  readonly seriesInstanceUid: string;
  readonly modality?: string;
  readonly seriesNumber?: number;
  readonly seriesDescription?: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  readonly instanceNumber?: number;
  readonly transferSyntaxUid: string;
  readonly specificCharacterSet?: string;
  /** Every attribute of the data set but bulk data, as DICOM JSON (PS3.18 F.2), for any return key later. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly blobKey: BlobKey;
  readonly size: number;
  readonly sha256: string;
  /** Offset of the data set in the blob (after the Part 10 meta header). */
  readonly dataSetOffset: number;
  readonly sourceAeTitle: string;
}

/** An event written in the same transaction as the index change, relayed to NATS after commit. */
export interface OutboxEvent {
  readonly subject: string;
  /** De-duplication ID (NATS `Nats-Msg-Id`). */
  readonly msgId: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** W3C trace context and other headers to carry. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface OutboxRow extends OutboxEvent {
  readonly id: number;
}

export type StoreOutcome = 'stored' | 'duplicate' | 'replaced';

/** What `storeInstance` did. */
export type IndexStoreResult =
  | { readonly outcome: 'stored' }
  | { readonly outcome: 'replaced'; readonly replacedBlobKey?: BlobKey }
  | { readonly outcome: 'duplicate'; readonly storedBlobKey: BlobKey };

/** What storage asks of the index. */
export interface StorageIndex {
  /** The record of an instance already stored, if any. */
  findInstance(sopInstanceUid: string): Promise<{ blobKey: BlobKey; sha256: string } | undefined>;
  /**
   * In ONE transaction: upsert patient, study, series, insert the instance and the outbox event.
   * An instance already there: 'duplicate' (nothing changes, no event; `storedBlobKey` is the blob the
   * index keeps) unless `overwrite`, then 'replaced' (the old blob key is returned, when it differs from
   * the record's, so the caller can remove it after commit).
   */
  storeInstance(
    record: InstanceRecord,
    event: OutboxEvent,
    options: { overwrite: boolean },
  ): Promise<IndexStoreResult>;
}

/** What the outbox relay asks of the index. */
export interface OutboxStore {
  /** Oldest unpublished events first. */
  pending(limit: number): Promise<readonly OutboxRow[]>;
  markPublished(ids: readonly number[]): Promise<void>;
}
