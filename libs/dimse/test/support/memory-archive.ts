/**
 * Test support: a small in-memory archive built from the library's SCP handlers. C-STORE keeps the bytes
 * by SOP Instance UID (as received, with their transfer syntax); C-FIND answers from it; C-MOVE sends to
 * a known destination with our SCU; C-GET sends back on the association.
 */
import { connectScu, type DimseHandlers, type SubOperationCounts } from '../../src/index.js';
import { identifier, knownVr, readIdentifier, Tag } from './flat-identifier.js';
import { readTopLevel, stringValue } from './minimal-dataset.js';

export interface StoredInstance {
  readonly sopClassUid: string;
  readonly sopInstanceUid: string;
  readonly transferSyntaxUid: string;
  readonly bytes: Buffer;
  readonly attributes: Record<number, string>;
}

const LEVEL_KEY: Record<string, number> = {
  PATIENT: Tag.PatientId,
  STUDY: Tag.StudyInstanceUid,
  SERIES: Tag.SeriesInstanceUid,
  IMAGE: Tag.SopInstanceUid,
};
const INDEXED = [
  Tag.PatientId,
  Tag.PatientName,
  Tag.StudyInstanceUid,
  Tag.SeriesInstanceUid,
  Tag.SopInstanceUid,
  Tag.SopClassUid,
  Tag.StudyDate,
  Tag.AccessionNumber,
  Tag.Modality,
  Tag.StudyId,
];

function matches(value: string | undefined, key: string): boolean {
  if (key === '' || key === '*') return true;
  if (value === undefined) return false;
  if (key.includes('\\')) return key.split('\\').includes(value);
  if (key.includes('*') || key.includes('?')) {
    const re = new RegExp(
      `^${key
        .replace(/[.+^${}()|[\]]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    return re.test(value);
  }
  return value === key;
}

export class MemoryArchive {
  readonly instances = new Map<string, StoredInstance>();
  readonly destinations = new Map<string, { host: string; port: number }>();
  readonly errors: Error[] = [];
  constructor(readonly aeTitle: string) {}

  add(instance: Omit<StoredInstance, 'attributes'>): void {
    const els = readTopLevel(instance.bytes, instance.transferSyntaxUid);
    const attributes: Record<number, string> = {};
    for (const tag of INDEXED) {
      const v = stringValue(els, tag);
      if (v !== undefined) attributes[tag] = v;
    }
    this.instances.set(instance.sopInstanceUid, { ...instance, attributes });
  }

  query(keys: Record<number, string>): StoredInstance[] {
    return [...this.instances.values()].filter((i) =>
      Object.entries(keys).every(([tag, key]) => {
        const t = Number(tag);
        if (t === Tag.QueryRetrieveLevel || t === Tag.SpecificCharacterSet || !INDEXED.includes(t as never)) {
          return true;
        }
        return matches(i.attributes[t], key);
      }),
    );
  }

  handlers(): DimseHandlers {
    const self = this;
    return {
      cEcho: () => ({ status: 0 }),
      cStore: async (rq) => {
        const parts: Buffer[] = [];
        for await (const c of rq.dataset) parts.push(c as Buffer);
        this.add({
          sopClassUid: rq.affectedSopClassUid,
          sopInstanceUid: rq.affectedSopInstanceUid,
          transferSyntaxUid: rq.transferSyntaxUid,
          bytes: Buffer.concat(parts),
        });
        return { status: 0 };
      },
      cFind: async function* (rq) {
        const keys = readIdentifier(rq.identifier, rq.transferSyntaxUid);
        const level = keys[Tag.QueryRetrieveLevel] ?? 'STUDY';
        const unique = LEVEL_KEY[level];
        if (unique === undefined) return { status: 0xa900, errorComment: `level ${level}` };
        const seen = new Set<string>();
        for (const i of self.query(keys)) {
          const id = i.attributes[unique] ?? '';
          if (seen.has(id)) continue;
          seen.add(id);
          const out: Record<number, string> = { [Tag.QueryRetrieveLevel]: level };
          for (const tag of Object.keys(keys).map(Number)) {
            if (tag === Tag.QueryRetrieveLevel || !knownVr(tag)) continue;
            out[tag] = i.attributes[tag] ?? '';
          }
          yield { identifier: identifier(out, rq.transferSyntaxUid) };
        }
        return undefined;
      },
      cMove: async function* (rq) {
        const dest = self.destinations.get(rq.moveDestination);
        if (!dest) return { status: 0xa801 };
        const found = self.query(readIdentifier(rq.identifier, rq.transferSyntaxUid));
        const pairs = [...new Set(found.map((i) => `${i.sopClassUid}|${i.transferSyntaxUid}`))];
        const client = await connectScu({
          host: dest.host,
          port: dest.port,
          callingAeTitle: self.aeTitle,
          calledAeTitle: rq.moveDestination,
          contexts: pairs.map((p) => {
            const [abstractSyntax, ts] = p.split('|') as [string, string];
            return { abstractSyntax, transferSyntaxes: [ts] };
          }),
        });
        const counts = { remaining: found.length, completed: 0, failed: 0, warning: 0 };
        const failed: string[] = [];
        try {
          for (const i of found) {
            const r = await client
              .store(i.sopClassUid, i.sopInstanceUid, i.transferSyntaxUid, i.bytes, {
                moveOriginator: { aeTitle: 'MOVESCU', messageId: rq.messageId },
              })
              .catch(() => ({ status: 0xa700 }));
            counts.remaining--;
            if (r.status === 0) counts.completed++;
            else if ((r.status & 0xf000) === 0xb000) counts.warning++;
            else {
              counts.failed++;
              failed.push(i.sopInstanceUid);
            }
            yield { ...counts } satisfies SubOperationCounts;
          }
        } finally {
          await client.association.release().catch(() => {});
        }
        return { counts, failedSopInstanceUids: failed };
      },
      cGet: async function* (rq, ctx) {
        const found = self.query(readIdentifier(rq.identifier, rq.transferSyntaxUid));
        const counts = { remaining: found.length, completed: 0, failed: 0, warning: 0 };
        const failed: string[] = [];
        for (const i of found) {
          const status = await ctx
            .store(i.sopClassUid, i.sopInstanceUid, i.transferSyntaxUid, i.bytes)
            .catch((e: unknown) => {
              self.errors.push(e as Error);
              return 0xa702;
            });
          counts.remaining--;
          if (status === 0) counts.completed++;
          else if ((status & 0xf000) === 0xb000) counts.warning++;
          else {
            counts.failed++;
            failed.push(i.sopInstanceUid);
          }
          yield { ...counts };
        }
        return { counts, failedSopInstanceUids: failed };
      },
    };
  }
}
