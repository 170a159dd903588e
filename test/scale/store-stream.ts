/**
 * A stream of C-STOREs as several modalities would send them: `workers` concurrent senders, each opening
 * associations through one port (haproxy) and storing `perAssociation` small generated objects on each,
 * every object of a worker in that worker's own study and series. Each object is sent once; its outcome
 * (the final status, or the error that ended its association) is recorded with the data set's SHA-256.
 * A sender whose association fails opens a new one, as a modality retrying would.
 */
import { generateUid } from '@dicomesh/dicom';
import type { DimseClient } from '@dicomesh/dimse';
import {
  connectGateway,
  datasetSha256,
  type GeneratedObject,
  smallObject,
  storeGenerated,
} from '../support/scu.ts';

/** A modality does not hammer a port that just refused it: the pause before it connects again. */
const RECONNECT_PAUSE_MS = 100;
const SUCCESS = 0x0000;

export interface StoreOutcome {
  readonly worker: number;
  readonly object: GeneratedObject;
  /** SHA-256 (hex) of the data set as sent. */
  readonly sha256: string;
  /** The final response's status, when one came. */
  readonly status?: number;
  /** What ended the attempt without a response (an aborted association, a refused connection). */
  readonly error?: string;
  /** When the outcome was known (ms since the epoch). */
  readonly at: number;
}

export interface WorkerSeries {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
}

export interface StoreStream {
  readonly series: readonly WorkerSeries[];
  readonly outcomes: readonly StoreOutcome[];
  /** Associations that could not be opened. */
  readonly connectFailures: readonly string[];
  /** Asks the senders to stop after their current association; resolves when they have. */
  stop(): Promise<void>;
}

export interface StoreStreamOptions {
  readonly port: number;
  readonly workers: number;
  readonly perAssociation: number;
}

export const isSuccess = (o: StoreOutcome): boolean => o.status === SUCCESS;

export function startStoreStream(options: StoreStreamOptions): StoreStream {
  const outcomes: StoreOutcome[] = [];
  const connectFailures: string[] = [];
  const series: WorkerSeries[] = Array.from({ length: options.workers }, () => ({
    studyInstanceUid: generateUid(),
    seriesInstanceUid: generateUid(),
  }));
  let stopping = false;

  async function association(worker: number, client: DimseClient): Promise<void> {
    for (let i = 0; i < options.perAssociation && !stopping; i++) {
      const object = smallObject(series[worker]);
      const sha256 = await datasetSha256(object);
      try {
        const response = await storeGenerated(client, object);
        outcomes.push({ worker, object, sha256, status: response.status, at: Date.now() });
      } catch (error) {
        outcomes.push({ worker, object, sha256, error: String(error), at: Date.now() });
        return;
      }
    }
    await client.association.release().catch(() => undefined);
  }

  async function sender(worker: number): Promise<void> {
    while (!stopping) {
      let client: DimseClient;
      try {
        client = await connectGateway(options.port);
      } catch (error) {
        connectFailures.push(String(error));
        await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_MS));
        continue;
      }
      try {
        await association(worker, client);
      } finally {
        if (!client.association.ended) client.association.abort();
      }
    }
  }

  const running = Promise.all(series.map((_, worker) => sender(worker)));
  return {
    series,
    outcomes,
    connectFailures,
    async stop() {
      stopping = true;
      await running;
    },
  };
}
