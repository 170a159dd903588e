import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  CommandField,
  createDimseScp,
  DimseChannel,
  DimseClient,
  type DimseHandlers,
  QueryRetrieveSopClass,
  StorageSopClass,
  VerificationSopClass,
} from '../src/index.js';
import { identifier, readIdentifier, Tag } from './support/flat-identifier.js';
import { type MemoryContext, memoryAssociationPair, waitFor } from './support/memory-association.js';

const ELE = '1.2.840.10008.1.2.1';
const ILE = '1.2.840.10008.1.2';
const SC = StorageSopClass.SecondaryCaptureImage;

const contexts: MemoryContext[] = [
  { id: 1, abstractSyntax: VerificationSopClass, transferSyntax: ILE },
  { id: 3, abstractSyntax: SC, transferSyntax: ELE, requestorIsScp: true },
  { id: 5, abstractSyntax: QueryRetrieveSopClass.StudyRootFind, transferSyntax: ELE },
  { id: 7, abstractSyntax: QueryRetrieveSopClass.StudyRootMove, transferSyntax: ILE },
  { id: 9, abstractSyntax: QueryRetrieveSopClass.StudyRootGet, transferSyntax: ELE },
  { id: 11, abstractSyntax: SC, transferSyntax: ILE, requestorIsScp: true },
];

function setup(handlers: DimseHandlers, extra: Partial<Parameters<typeof memoryAssociationPair>[0]> = {}) {
  const pair = memoryAssociationPair({ contexts, ...extra });
  const scp = createDimseScp(pair.acceptor, { handlers });
  const client = new DimseClient(pair.requestor);
  return { ...pair, scp, client };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('DimseChannel, SCP dispatcher and client over an in-memory association', () => {
  it('C-ECHO: handler status, and 0x0211 when no handler', async () => {
    const a = setup({ cEcho: async () => ({ status: 0 }) });
    expect(await a.client.echo()).toBe(0);
    const b = setup({});
    expect(await b.client.echo()).toBe(0x0211);
  });

  it('C-STORE: data set streamed in its transfer syntax, status and error comment back', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    let received: Buffer | undefined;
    let seen: Record<string, unknown> = {};
    const { client } = setup({
      cStore: async (rq) => {
        seen = { ...rq, dataset: undefined };
        received = await readAll(rq.dataset);
        return { status: 0 };
      },
    });
    const r = await client.store(SC, '1.2.3.4', ILE, data);
    expect(r.status).toBe(0);
    expect(received?.equals(data)).toBe(true);
    expect(seen).toMatchObject({
      affectedSopClassUid: SC,
      affectedSopInstanceUid: '1.2.3.4',
      transferSyntaxUid: ILE,
      contextId: 11,
      priority: 0,
    });
    const r2 = await client.store(SC, '1.2.3.5', ELE, data, {
      moveOriginator: { aeTitle: 'MOVER', messageId: 9 },
    });
    expect(r2.status).toBe(0);
    expect(seen).toMatchObject({ contextId: 3, moveOriginator: { aeTitle: 'MOVER', messageId: 9 } });
  });

  it('a handler that throws answers a failure with the error as comment, and the association goes on', async () => {
    const { client, acceptor } = setup({
      cStore: async () => {
        throw new Error('disk on fire');
      },
      cEcho: () => ({ status: 0 }),
    });
    const r = await client.store(SC, '1.2.3.4', ILE, randomBytes(100_000));
    expect(r).toMatchObject({ status: 0xa700, errorComment: 'disk on fire' });
    expect(await client.echo()).toBe(0);
    expect(acceptor.ended).toBe(false);
  });

  it('unhandled C-STORE / C-FIND / C-GET get 0x0211', async () => {
    const { client } = setup({});
    expect((await client.store(SC, '1.2', ILE, Buffer.alloc(10))).status).toBe(0x0211);
    const find = await client.find('study', (ts) => identifier({ [Tag.QueryRetrieveLevel]: 'STUDY' }, ts));
    expect((await find.result).status).toBe(0x0211);
  });

  it('C-FIND: matches as pending responses in the context transfer syntax, then success', async () => {
    const { client } = setup({
      async *cFind(rq) {
        const q = readIdentifier(rq.identifier, rq.transferSyntaxUid);
        for (let i = 0; i < 3; i++) {
          yield {
            identifier: identifier({ [Tag.PatientId]: `${q[Tag.PatientId]}-${i}` }, rq.transferSyntaxUid),
          };
        }
      },
    });
    const op = await client.find('study', (ts) => identifier({ [Tag.PatientId]: 'P' }, ts));
    const ids: string[] = [];
    for await (const m of op) {
      expect(m.status).toBe(0xff00);
      ids.push(readIdentifier(m.identifier as Buffer, op.transferSyntaxUid)[Tag.PatientId] as string);
    }
    expect(ids).toEqual(['P-0', 'P-1', 'P-2']);
    expect((await op.result).status).toBe(0);
  });

  it('C-FIND: a generator may return the final status', async () => {
    const { client } = setup({
      async *cFind() {
        yield { identifier: identifier({ [Tag.PatientId]: 'X' }, ELE), status: 0xff01 };
        return { status: 0xc001, errorComment: 'index down' };
      },
    });
    const op = await client.find('study', Buffer.alloc(0));
    const statuses: number[] = [];
    for await (const m of op) statuses.push(m.status);
    expect(statuses).toEqual([0xff01]);
    expect(await op.result).toMatchObject({ status: 0xc001, errorComment: 'index down' });
  });

  it('C-CANCEL of a C-FIND: the handler signal aborts and the final status is 0xFE00', async () => {
    let aborted = false;
    let yielded = 0;
    const { client } = setup({
      async *cFind(_rq, ctx) {
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
        });
        for (let i = 0; i < 1_000_000 && !ctx.signal.aborted; i++) {
          yielded++;
          yield { identifier: identifier({ [Tag.PatientId]: `M${i}` }, ELE) };
        }
      },
    });
    const op = await client.find('study', Buffer.alloc(0));
    let seen = 0;
    for await (const _ of op) {
      if (++seen === 2) await op.cancel();
    }
    const final = await op.result;
    expect(final.status).toBe(0xfe00);
    expect(aborted).toBe(true);
    expect(yielded).toBeLessThan(1000);
  });

  it('C-MOVE: progress, final counts and the Failed SOP Instance UID List', async () => {
    const { client } = setup({
      async *cMove(rq) {
        expect(rq.moveDestination).toBe('DEST');
        yield { remaining: 2, completed: 1, failed: 0, warning: 0 };
        yield { remaining: 1, completed: 1, failed: 1, warning: 0 };
        return {
          counts: { remaining: 0, completed: 2, failed: 1, warning: 0 },
          failedSopInstanceUids: ['1.2.3.9'],
        };
      },
    });
    const op = await client.move('study', 'DEST', (ts) => identifier({ [Tag.StudyInstanceUid]: '1.2' }, ts));
    const progress = [];
    for await (const p of op) progress.push(p);
    expect(progress).toEqual([
      { remaining: 2, completed: 1, failed: 0, warning: 0 },
      { remaining: 1, completed: 1, failed: 1, warning: 0 },
    ]);
    const r = await op.result;
    expect(r.status).toBe(0xb000);
    expect(r.counts).toEqual({ completed: 2, failed: 1, warning: 0 });
    expect(r.failedSopInstanceUids).toEqual(['1.2.3.9']);
  });

  it('C-CANCEL of a C-MOVE: 0xFE00 with the remaining count', async () => {
    const { client } = setup({
      async *cMove(_rq, ctx) {
        for (let i = 0; i < 100_000 && !ctx.signal.aborted; i++) {
          yield { remaining: 100_000 - i, completed: i, failed: 0, warning: 0 };
        }
      },
    });
    const op = await client.move('study', 'DEST', Buffer.alloc(0));
    let n = 0;
    for await (const _ of op) if (++n === 3) await op.cancel();
    const r = await op.result;
    expect(r.status).toBe(0xfe00);
    expect(r.counts.remaining).toBeGreaterThan(0);
  });

  it('C-GET: sub-operations come back on the same association to onStore', async () => {
    const instances = [randomBytes(50_000), randomBytes(70_001)];
    const { client } = setup({
      async *cGet(_rq, ctx) {
        let completed = 0;
        for (const [i, data] of instances.entries()) {
          const status = await ctx.store(SC, `1.2.3.${i}`, ELE, data);
          if (status === 0) completed++;
          yield { remaining: instances.length - i - 1, completed, failed: 0, warning: 0 };
        }
        return { counts: { completed, failed: 0, warning: 0 } };
      },
    });
    const got = new Map<string, Buffer>();
    const op = await client.get('study', Buffer.alloc(0), async (rq) => {
      got.set(rq.affectedSopInstanceUid, await readAll(rq.dataset));
      return { status: 0 };
    });
    for await (const _ of op) {
    }
    const r = await op.result;
    expect(r.status).toBe(0);
    expect(r.counts.completed).toBe(2);
    expect(got.get('1.2.3.0')?.equals(instances[0] as Buffer)).toBe(true);
    expect(got.get('1.2.3.1')?.equals(instances[1] as Buffer)).toBe(true);
  });

  it('C-GET: a refused sub-operation gives B000 and the Failed SOP Instance UID List', async () => {
    const { client } = setup({
      async *cGet(_rq, ctx) {
        const counts = { remaining: 2, completed: 0, failed: 0, warning: 0 };
        const failed: string[] = [];
        for (const uid of ['1.2.3.1', '1.2.3.2']) {
          const status = await ctx.store(SC, uid, ILE, Buffer.alloc(100, 1));
          counts.remaining--;
          if (status === 0) counts.completed++;
          else {
            counts.failed++;
            failed.push(uid);
          }
          yield { ...counts };
        }
        return { failedSopInstanceUids: failed };
      },
    });
    const op = await client.get('study', Buffer.alloc(0), async (rq) => {
      rq.dataset.resume();
      return { status: rq.affectedSopInstanceUid === '1.2.3.2' ? 0xa700 : 0 };
    });
    const r = await op.result;
    expect(r.status).toBe(0xb000);
    expect(r.counts).toEqual({ completed: 1, failed: 1, warning: 0 });
    expect(r.failedSopInstanceUids).toEqual(['1.2.3.2']);
  });

  it('never interleaves two messages sent concurrently on one association', async () => {
    const { requestor } = memoryAssociationPair({ contexts, acceptorMaxPdu: 4096 });
    const channel = new DimseChannel(requestor);
    async function* slow(tag: number) {
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setImmediate(r));
        yield Buffer.alloc(5000, tag);
      }
    }
    const msg = (id: number) => ({
      commandField: CommandField.CStoreRq,
      affectedSopClassUid: SC,
      affectedSopInstanceUid: `1.2.${id}`,
      messageId: id,
      priority: 0,
    });
    await Promise.all([
      channel.send(11, msg(1), slow(1)),
      channel.send(11, msg(2), slow(2)),
      channel.send(3, msg(3), slow(3)),
    ]);
    const pdvs = requestor.sent.flat();
    // Sequence of (message number) per PDV: each message's PDVs are contiguous.
    let current = 0;
    const order: number[] = [];
    for (const p of pdvs) {
      if (p.isCommand && p.data.length > 0)
        current = p.data.includes(Buffer.from('1.2.1')) ? 1 : p.data.includes(Buffer.from('1.2.2')) ? 2 : 3;
      else expect(p.data[0]).toBe(current);
      if (order.at(-1) !== current) order.push(current);
    }
    expect(order).toEqual([1, 2, 3]);
  });

  it('a protocol error aborts the association and fails what is outstanding', async () => {
    const { acceptor, requestor, client } = setup({ cEcho: () => new Promise(() => {}) });
    const echo = client.echo();
    await waitFor(() => acceptor.listenerCount('pdata') > 0 && requestor.sent.length > 0);
    acceptor.inject([{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(4) }]);
    await expect(echo).rejects.toThrow(/association ended \(aborted-by-peer\)/);
    expect(acceptor.abortedWith).toEqual({ source: 0, reason: 0 });
  });

  it('honours the async window: 1 by default, more when negotiated', async () => {
    for (const window of [1, 3]) {
      let active = 0;
      let maxActive = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const { client } = setup(
        {
          cEcho: async () => {
            active++;
            maxActive = Math.max(maxActive, active);
            await gate;
            active--;
            return { status: 0 };
          },
        },
        { maxOperationsInvoked: window },
      );
      const echoes = [client.echo(), client.echo(), client.echo(), client.echo()];
      await waitFor(() => active === Math.min(window, 4), 5000, `active ${window}`);
      release();
      expect(await Promise.all(echoes)).toEqual([0, 0, 0, 0]);
      expect(maxActive).toBe(window);
    }
  });

  it('streams a 200 MiB data set with bounded memory and backpressure', async () => {
    const { client, acceptor } = setup(
      {
        cStore: async (rq) => {
          let n = 0;
          for await (const chunk of rq.dataset) {
            // A consumer that stops reading makes the association pause its inbound side.
            if (n === 0) await waitFor(() => pausedSeen, 10_000, 'pauseInbound');
            n += (chunk as Buffer).length;
            sample();
          }
          total = n;
          return { status: 0 };
        },
      },
      { acceptorMaxPdu: 65536, recordSent: false },
    );
    let total = 0;
    let pausedSeen = false;
    const pause = acceptor.pauseInbound.bind(acceptor);
    acceptor.pauseInbound = () => {
      pausedSeen = true;
      pause();
    };
    // Live memory, not garbage: collect before each sample (every 16 MiB).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const base = process.memoryUsage();
    let peak = 0;
    let samples = 0;
    let calls = 0;
    const sample = () => {
      if (++calls % 16 !== 0) return;
      samples++;
      gc();
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (base.heapUsed + base.arrayBuffers));
    };
    const size = 200 * 1024 * 1024;
    const chunk = randomBytes(1024 * 1024);
    async function* source() {
      for (let i = 0; i < size / chunk.length; i++) {
        sample();
        yield chunk;
      }
    }
    const r = await client.store(SC, '1.2.3', ILE, source());
    expect(r.status).toBe(0);
    expect(total).toBe(size);
    expect(pausedSeen).toBe(true);
    expect(samples).toBeGreaterThan(20);
    // The data set never sits in memory whole: live memory stays a small fraction of its size.
    expect(peak).toBeLessThan(size / 8);
  });
});
