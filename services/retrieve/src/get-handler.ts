/**
 * `dicomesh.v1.Retrieve/Get`: resolves the identifier to instances and streams each one to the gateway
 * (header, data set chunks straight from the blob store, end), which sends it as a C-STORE sub-operation
 * on the requestor's association and answers with its status. An instance whose SOP class and syntax no
 * storage context of the requestor can carry, or whose blob cannot be opened (it vanished), fails without
 * being sent, and the get goes on. Counts go out after each sub-operation (paced in a large get:
 * ProgressPace) and at least every second; a RetrieveCancel ends the get after the object in flight (FE00).
 * The next instance is streamed before the last one's result is back (SENT_AHEAD).
 */
import {
  chunkCopied,
  type GetHeader,
  type GetRequest,
  type GetResponse,
  type RetrieveFinal,
  RpcError,
  type ServerDuplexStream,
  startStreamedBytes,
} from '@dicomesh/rpc';
import type { Logger } from '@dicomesh/telemetry';
import { trace } from '@opentelemetry/api';
import { CallInbox, type InboxMessage } from './call-inbox.js';
import { dataSetSource } from './data-set-source.js';
import { RetrieveFailedError } from './errors.js';
import { openSource } from './opened-source.js';
import { ProgressPace, startTicker, writeMessage } from './progress-stream.js';
import { ReadAhead, upcomingAfter } from './read-ahead.js';
import { resolveInstances } from './resolve-instances.js';
import { modelOf, parseRetrieveKeys } from './retrieve-keys.js';
import type { RetrieveServiceOptions } from './retrieve-options.js';
import { finalOfError, RetrieveCommand, recordOutcome } from './retrieve-outcome.js';
import { RetrieveStatus } from './retrieve-status.js';
import { SubOperationTally } from './sub-operation-tally.js';
import type { SyncReadGate } from './sync-read-gate.js';
import { chooseSyntax } from './syntax-choice.js';

function classifyGet(message: GetRequest): InboxMessage<GetHeader> | undefined {
  const part = message.part;
  if (part?.$case === 'header') return { kind: 'header', header: part.value };
  if (part?.$case === 'result') {
    return { kind: 'result', result: { status: part.value.status, skipped: part.value.skipped } };
  }
  if (part?.$case === 'cancel') return { kind: 'cancel' };
  return undefined;
}

/**
 * Instances streamed to the gateway beyond the one whose C-STORE is in flight: the gateway holds the next
 * object when the requestor answers, and sends it at once instead of a round trip to this service later
 * (services topology, 400 CT images to getscu: 1.03-1.13 s -> 0.85-0.87 s). gRPC flow control bounds what
 * the gateway holds. After a C-CANCEL the gateway skips what was sent ahead, which stays remaining.
 */
const SENT_AHEAD = 1;

export function getHandler(options: RetrieveServiceOptions, logger: Logger, syncReads?: SyncReadGate) {
  return async function get(call: ServerDuplexStream<GetRequest, GetResponse>) {
    const controller = new AbortController();
    const onCancelled = () => controller.abort();
    call.on('cancelled', onCancelled);
    const inbox = new CallInbox<GetRequest, GetHeader>(call, classifyGet);
    const span = trace.getActiveSpan();
    const send = (message: GetResponse) => writeMessage(call, message, controller.signal);
    const header = await inbox.header;
    if (header === undefined) throw RpcError.of('invalid', 'Retrieve.Get: no header');
    const query = header.query;
    let level = query?.queryRetrieveLevel || 'unknown';
    const finish = async (final: RetrieveFinal) => {
      recordOutcome(
        { command: RetrieveCommand.Get, context: query?.context, level, final },
        span,
        logger,
        options.publisher,
      );
      await send({ part: { $case: 'final', value: final } });
    };
    try {
      if (query === undefined) throw new RetrieveFailedError(RetrieveStatus.UnableToProcess, 'no query');
      const keys = parseRetrieveKeys(
        query.identifier,
        query.transferSyntaxUid,
        modelOf(query.sopClassUid, query.informationModel),
      );
      level = keys.level;
      span?.setAttribute('dicom.query_level', level);
      const instances = await resolveInstances(options.sql, keys);
      const tally = new SubOperationTally(instances.length);
      const accepted = header.storageContexts.map((c) => ({
        sopClassUid: c.sopClassUid,
        transferSyntaxUid: c.transferSyntaxUid,
      }));
      const stopTicker = startTicker(() => {
        void send({ part: { $case: 'progress', value: tally.counts() } });
      });
      let lastError = '';
      const pace = new ProgressPace(instances.length);
      // Whole objects are read ahead into reused buffers, as for C-MOVE: a fresh buffer per object made the
      // garbage collector run a mark-compact every few objects.
      const readAhead = new ReadAhead(options.blobStore, syncReads);
      try {
        // The syntax each object goes in (undefined: no storage context of the requestor can carry it).
        const plan = instances.map((instance) => ({
          instance,
          transferSyntaxUid: chooseSyntax(instance, accepted),
        }));
        // Instances streamed whose result has not come back, oldest first (results come in this order).
        const awaiting: string[] = [];
        // A finished sub-operation counted, and the counts sent when they are due.
        const counted = async (sopInstanceUid: string, status: number) => {
          tally.record(sopInstanceUid, status);
          if (pace.due()) await send({ part: { $case: 'progress', value: tally.counts() } });
        };
        const collect = async () => {
          const sopInstanceUid = awaiting.shift() as string;
          const result = await inbox.nextResult();
          if (result.skipped) return;
          if (result.status !== 0)
            lastError = `C-STORE status ${result.status.toString(16).padStart(4, '0')}`;
          await counted(sopInstanceUid, result.status);
        };
        const notSent = async (sopInstanceUid: string, why: string) => {
          lastError = why;
          await counted(sopInstanceUid, RetrieveStatus.SubOperationNotSent);
        };
        // The read-ahead buffer sent last goes back to the reads at the next take(): gRPC must have copied it
        // into its message by then, which a returned write does not promise (an earlier message may hold the
        // stream, under HTTP/2 flow control); an object read over it meanwhile would go out in its place.
        let lastCopied: Promise<void> | undefined;
        const cancelled = new Promise<void>((resolve) =>
          controller.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        for (const [index, { instance, transferSyntaxUid: syntax }] of plan.entries()) {
          while (awaiting.length > SENT_AHEAD) await collect();
          if (inbox.cancelled || controller.signal.aborted) break;
          if (syntax === undefined) {
            await notSent(instance.sopInstanceUid, `no accepted context for ${instance.sopClassUid}`);
            continue;
          }
          let chunks: Iterable<Buffer> | AsyncIterable<Buffer>;
          try {
            if (lastCopied !== undefined) await Promise.race([lastCopied, cancelled]);
            if (controller.signal.aborted) break;
            const whole = await readAhead.take(instance, syntax);
            lastCopied = whole === undefined ? undefined : chunkCopied(whole);
            readAhead.prefetch(upcomingAfter(plan, index));
            chunks = whole
              ? [whole]
              : (await openSource(dataSetSource(options.blobStore, instance, syntax))).chunks;
          } catch (error) {
            logger.warn('C-GET sub-operation not sent: its object cannot be read', {
              sopInstanceUid: instance.sopInstanceUid,
              error: (error as Error).message,
            });
            await notSent(instance.sopInstanceUid, `${instance.sopInstanceUid}: ${(error as Error).message}`);
            continue;
          }
          await send({
            part: {
              $case: 'instance',
              value: {
                sopClassUid: instance.sopClassUid,
                sopInstanceUid: instance.sopInstanceUid,
                transferSyntaxUid: syntax,
              },
            },
          });
          // The chunks die young: scavenged while in flight rather than left to a mark-compact.
          const streamed = startStreamedBytes();
          try {
            for await (const chunk of chunks) {
              if (controller.signal.aborted) break;
              streamed.note(chunk.length);
              await send({ part: { $case: 'chunk', value: chunk } });
            }
          } finally {
            streamed.end();
          }
          await send({ part: { $case: 'instanceEnd', value: {} } });
          awaiting.push(instance.sopInstanceUid);
        }
        while (awaiting.length > 0 && !controller.signal.aborted) await collect();
      } finally {
        stopTicker();
      }
      if (controller.signal.aborted) throw RpcError.of('cancelled', 'Retrieve.Get cancelled by the caller');
      await finish(tally.final(inbox.cancelled, lastError));
    } catch (error) {
      if (controller.signal.aborted) {
        logger.info('C-GET cancelled', { level });
        throw RpcError.of('cancelled', 'Retrieve.Get cancelled by the caller', error);
      }
      const final = finalOfError(error);
      if (final === undefined) {
        logger.error('C-GET failed', {
          level,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
      await finish(final);
    } finally {
      call.off('cancelled', onCancelled);
    }
  };
}
