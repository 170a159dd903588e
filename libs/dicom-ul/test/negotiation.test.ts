import { type AddressInfo, createServer } from 'node:net';
import {
  type AcceptorOptions,
  type Association,
  AssociationAbortedError,
  type AssociationEnd,
  AssociationRejectedError,
  createAcceptor,
  DICOMESH_IMPLEMENTATION_CLASS_UID,
  type PresentationDataValue,
  RejectReason,
  type RequestOptions,
  requestAssociation,
  TransferSyntaxPreference,
} from '@dicomesh/dicom-ul';
import { afterEach, describe, expect, it } from 'vitest';
import { EXPLICIT_LE, IMPLICIT_LE, memoryLogger, VERIFICATION, waitFor } from './helpers.js';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const MR = '1.2.840.10008.5.1.4.1.1.4';
const FIND = '1.2.840.10008.5.1.4.1.2.2.1';
const JPEG_LOSSLESS = '1.2.840.10008.1.2.4.70';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pair(acceptorOptions: Partial<AcceptorOptions>, requestOptions: Partial<RequestOptions>) {
  const accepted: Association[] = [];
  const acceptor = createAcceptor({
    aeTitle: 'DICOMESH',
    transferSyntaxesFor: (as) =>
      as === CT || as === MR || as === VERIFICATION || as === FIND ? [EXPLICIT_LE, IMPLICIT_LE] : undefined,
    artimTimeoutMs: 1000,
    onAssociation: (a) => accepted.push(a),
    ...acceptorOptions,
  });
  const { port } = await acceptor.listen(0, '127.0.0.1');
  cleanups.push(() => acceptor.close());
  const requestor = await requestAssociation({
    host: '127.0.0.1',
    port,
    callingAeTitle: 'MODALITY',
    calledAeTitle: 'DICOMESH',
    presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
    ...requestOptions,
  });
  await waitFor(() => accepted.length === 1, 'acceptor side');
  return { requestor, acceptorSide: accepted[0]!, acceptor };
}

describe('negotiation between our requestor and our acceptor', () => {
  it('agrees on contexts, results 0/3/4, the acceptor preference order, max lengths and implementation', async () => {
    const { requestor, acceptorSide } = await pair(
      { maxPduLength: 65536 },
      {
        presentationContexts: [
          { abstractSyntax: CT, transferSyntaxes: [IMPLICIT_LE, EXPLICIT_LE] },
          { abstractSyntax: '1.2.3.999', transferSyntaxes: [IMPLICIT_LE] },
          { abstractSyntax: MR, transferSyntaxes: [JPEG_LOSSLESS] },
        ],
        maxPduLength: 32768,
      },
    );
    for (const side of [requestor, acceptorSide]) {
      const n = side.negotiated;
      expect([...n.contexts.values()].map((c) => [c.id, c.result, c.transferSyntax])).toEqual([
        [1, 0, EXPLICIT_LE],
        [3, 3, ''],
        [5, 4, ''],
      ]);
      expect(n.callingAeTitle).toBe('MODALITY');
      expect(n.peerImplementationClassUid).toBe(DICOMESH_IMPLEMENTATION_CLASS_UID);
    }
    expect(requestor.negotiated.peerMaxPduLength).toBe(65536);
    expect(requestor.negotiated.localMaxPduLength).toBe(32768);
    expect(acceptorSide.negotiated.peerMaxPduLength).toBe(32768);
    expect(acceptorSide.negotiated.localMaxPduLength).toBe(65536);
    await requestor.release();
  });

  it("accepts the requestor's first supported transfer syntax when the acceptor defers to it", async () => {
    const { requestor, acceptorSide } = await pair(
      { transferSyntaxPreference: TransferSyntaxPreference.Requestor },
      {
        presentationContexts: [
          { abstractSyntax: CT, transferSyntaxes: ['1.2.3.4.5', IMPLICIT_LE, EXPLICIT_LE] },
        ],
      },
    );
    for (const side of [requestor, acceptorSide]) {
      expect(side.negotiated.contexts.get(1)?.transferSyntax).toBe(IMPLICIT_LE);
    }
    await requestor.release();
  });

  it('negotiates SCP/SCU roles, the async window, extended negotiation and user identity', async () => {
    const { requestor, acceptorSide } = await pair(
      {
        selectRole: (as, proposed) => (as === CT ? { scu: false, scp: proposed.scp } : proposed),
        extendedNegotiation: (uid, info) => (uid === FIND ? Buffer.from([info[0] ?? 0, 0]) : undefined),
        maxOperationsPerformed: 3,
      },
      {
        presentationContexts: [
          { abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] },
          { abstractSyntax: MR, transferSyntaxes: [EXPLICIT_LE] },
          { abstractSyntax: FIND, transferSyntaxes: [EXPLICIT_LE] },
          { abstractSyntax: VERIFICATION, transferSyntaxes: [EXPLICIT_LE] },
        ],
        roleSelection: [
          { sopClassUid: CT, scu: true, scp: true },
          { sopClassUid: MR, scu: true, scp: true },
        ],
        extendedNegotiation: [
          { sopClassUid: FIND, info: Buffer.from([1, 1]) },
          { sopClassUid: MR, info: Buffer.from([1]) },
        ],
        maxOperationsInvoked: 10,
        userIdentity: {
          type: 2,
          primaryField: Buffer.from('alice'),
          secondaryField: Buffer.from('pw'),
          positiveResponseRequested: false,
        },
      },
    );
    for (const side of [requestor, acceptorSide]) {
      const n = side.negotiated;
      expect(n.contexts.get(1)).toMatchObject({ requestorIsScu: false, requestorIsScp: true, result: 0 });
      expect(n.contexts.get(3)).toMatchObject({ requestorIsScu: true, requestorIsScp: true });
      expect(n.contexts.get(7)).toMatchObject({ requestorIsScu: true, requestorIsScp: false });
      expect(n.maxOperationsInvoked).toBe(3);
      expect(n.maxOperationsPerformed).toBe(1);
      expect([...n.extendedNegotiation]).toEqual([[FIND, Buffer.from([1, 0])]]);
    }
    expect(acceptorSide.negotiated.userIdentity).toEqual({
      type: 2,
      primaryField: Buffer.from('alice'),
      secondaryField: Buffer.from('pw'),
      positiveResponseRequested: false,
    });
    await requestor.release();
  });

  it('rejects a context whose roles are all refused (user rejection)', async () => {
    const { requestor } = await pair(
      { selectRole: () => ({ scu: false, scp: false }) },
      {
        presentationContexts: [{ abstractSyntax: CT, transferSyntaxes: [EXPLICIT_LE] }],
        roleSelection: [{ sopClassUid: CT, scu: false, scp: true }],
      },
    );
    expect(requestor.negotiated.contexts.get(1)!.result).toBe(1);
    requestor.abort();
  });

  it('rejects a wrong called AE title with 1/1/7 (AssociationRejectedError names it)', async () => {
    const acceptor = createAcceptor({
      aeTitle: 'DICOMESH',
      transferSyntaxesFor: () => [IMPLICIT_LE],
      onAssociation: () => {},
    });
    const { port } = await acceptor.listen(0, '127.0.0.1');
    cleanups.push(() => acceptor.close());
    const attempt = requestAssociation({
      host: '127.0.0.1',
      port,
      callingAeTitle: 'MODALITY',
      calledAeTitle: 'ELSEWHERE',
      presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
    });
    await expect(attempt).rejects.toBeInstanceOf(AssociationRejectedError);
    await expect(attempt).rejects.toMatchObject({
      result: 1,
      source: 1,
      reason: RejectReason.CalledAeTitleNotRecognized,
    });
    await expect(attempt).rejects.toThrow(/called-AE-title-not-recognized/);
    await waitFor(() => acceptor.connectionCount === 0, 'closed');
  });
});

describe('association behaviour over real sockets', () => {
  it('release collision: both sides release at once and both complete', async () => {
    const logger = memoryLogger();
    const { requestor, acceptorSide, acceptor } = await pair({ logger }, { logger });
    const ends: AssociationEnd[] = [];
    requestor.on('end', (e) => ends.push(e));
    acceptorSide.on('end', (e) => ends.push(e));
    await Promise.all([requestor.release(), acceptorSide.release()]);
    expect(ends.map((e) => e.reason)).toEqual(['released', 'released']);
    const visited = logger.lines
      .filter((l) => l.msg === 'transition')
      .map((l) => `${l.fields?.side}:${l.fields?.to}`);
    for (const s of ['requestor:Sta9', 'requestor:Sta11', 'acceptor:Sta10', 'acceptor:Sta12'])
      expect(visited).toContain(s);
    await waitFor(() => acceptor.connectionCount === 0, 'closed');
  });

  it('abort from the requestor: the acceptor sees aborted-by-peer with the source and reason', async () => {
    const { requestor, acceptorSide, acceptor } = await pair({}, {});
    const acceptorEnd = new Promise<AssociationEnd>((resolve) => acceptorSide.once('end', resolve));
    const requestorEnd = new Promise<AssociationEnd>((resolve) => requestor.once('end', resolve));
    requestor.abort();
    expect(await acceptorEnd).toMatchObject({ reason: 'aborted-by-peer', abortSource: 0, abortReason: 0 });
    expect(await requestorEnd).toMatchObject({ reason: 'aborted-by-us' });
    await waitFor(() => acceptor.connectionCount === 0, 'closed');
    expect(() => requestor.abort()).not.toThrow();
    await expect(requestor.release()).rejects.toThrow(/Evt11 not allowed/);
  });

  it('sendPData waits for drain under backpressure; pauseInbound holds the peer back; data arrive in order', async () => {
    const { requestor, acceptorSide } = await pair({ maxPduLength: 262144 }, {});
    const received: PresentationDataValue[] = [];
    acceptorSide.on('pdata', (pdvs) => received.push(...pdvs));
    acceptorSide.pauseInbound();
    const fragment = (i: number) => {
      const data = Buffer.alloc(200_000, i % 251);
      data.writeUInt32BE(i, 0);
      return data;
    };
    const total = 100;
    let resolved = 0;
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      sends.push(
        requestor
          .sendPData([{ contextId: 1, isCommand: false, isLast: i === total - 1, data: fragment(i) }])
          .then(() => {
            resolved++;
          }),
      );
    }
    // 20 MB cannot all be taken by the socket while the peer is paused: some sends stay pending.
    await waitFor(() => resolved > 0, 'first sends resolve');
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBeLessThan(total);
    expect(received.length).toBeLessThan(total);
    acceptorSide.resumeInbound();
    await Promise.all(sends);
    await waitFor(() => received.length === total, 'all PDVs received', 20_000);
    expect(received.map((p) => p.data.readUInt32BE(0))).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(received.every((p, i) => p.data.equals(fragment(i)))).toBe(true);
    await requestor.release();
  });

  it("rejects P-DATA over the peer's maximum length without sending anything", async () => {
    const { requestor, acceptorSide } = await pair({ maxPduLength: 1000 }, {});
    let received = 0;
    acceptorSide.on('pdata', () => received++);
    await expect(
      requestor.sendPData([{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(995) }]),
    ).rejects.toThrow("P-DATA-TF length 1001 over the peer's maximum 1000");
    await requestor.sendPData([{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(994) }]);
    await waitFor(() => received === 1, 'the PDU within the limit');
    await requestor.release();
  });

  it('sendPDataEach sends each PDV as its own PDU, in order, and waits for drain under backpressure', async () => {
    const { requestor, acceptorSide } = await pair({ maxPduLength: 16384 }, {});
    const pdus: PresentationDataValue[][] = [];
    acceptorSide.on('pdata', (pdvs) => pdus.push([...pdvs]));
    acceptorSide.pauseInbound();
    const total = 400;
    const fragments = Array.from({ length: total }, (_, i) => Buffer.alloc(16378, i % 251));
    let resolved = false;
    const sent = requestor
      .sendPDataEach(
        fragments.map((data, i) => ({ contextId: 1, isCommand: false, isLast: i === total - 1, data })),
      )
      .then(() => {
        resolved = true;
      });
    // 6.5 MB cannot all be taken by the socket while the peer is paused.
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    acceptorSide.resumeInbound();
    await sent;
    await waitFor(() => pdus.length === total, 'every PDU received', 20_000);
    expect(pdus.every((pdvs) => pdvs.length === 1)).toBe(true);
    expect(pdus.every((pdvs, i) => pdvs[0]?.data.equals(fragments[i] as Buffer))).toBe(true);
    expect(pdus.map((pdvs) => pdvs[0]?.isLast)).toEqual(fragments.map((_, i) => i === total - 1));
    await requestor.release();
  });

  it('sendPDataEach refuses the whole batch when one PDV is invalid, sending nothing', async () => {
    const { requestor, acceptorSide } = await pair({ maxPduLength: 1000 }, {});
    let received = 0;
    acceptorSide.on('pdata', () => received++);
    const ok = { contextId: 1, isCommand: false, isLast: false, data: Buffer.alloc(10) };
    await expect(requestor.sendPDataEach([ok, { ...ok, data: Buffer.alloc(995) }])).rejects.toThrow(
      "P-DATA-TF length 1001 over the peer's maximum 1000",
    );
    await expect(requestor.sendPDataEach([ok, { ...ok, contextId: 4 }])).rejects.toThrow(/context ID 4/);
    await expect(requestor.sendPDataEach([])).rejects.toThrow(/no presentation data values/);
    await requestor.sendPDataEach([ok, { ...ok, isLast: true }]);
    await waitFor(() => received === 2, 'the two valid PDUs');
    await requestor.release();
    expect(received).toBe(2);
  });

  it('rejects P-DATA with an even context ID without sending anything', async () => {
    const { requestor } = await pair({}, {});
    await expect(
      requestor.sendPData([{ contextId: 2, isCommand: true, isLast: true, data: Buffer.alloc(1) }]),
    ).rejects.toThrow(/context ID 2/);
    await requestor.release();
  });

  it('drain(): open associations continue, new ones get a transient 2/3/1 reject', async () => {
    const { requestor, acceptorSide, acceptor } = await pair({}, {});
    acceptor.drain();
    let got = 0;
    acceptorSide.on('pdata', () => got++);
    await requestor.sendPData([{ contextId: 1, isCommand: true, isLast: true, data: Buffer.alloc(10) }]);
    await waitFor(() => got === 1, 'P-DATA on the open association');
    const address = acceptorSide.remoteAddress;
    expect(address).toBe('127.0.0.1');
    const late = requestAssociation({
      host: '127.0.0.1',
      port: requestor.remotePort,
      callingAeTitle: 'LATE',
      calledAeTitle: 'DICOMESH',
      presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
    });
    await expect(late).rejects.toMatchObject({ result: 2, source: 3, reason: 1 });
    await expect(late).rejects.toThrow(/temporary-congestion/);
    await requestor.release();
    expect(acceptor.associationCount).toBe(0);
  });

  it('a logger that throws breaks nothing', async () => {
    const throwing = {
      log: () => {
        throw new Error('logger down');
      },
    };
    const { requestor, acceptor } = await pair({ logger: throwing }, { logger: throwing });
    await requestor.release();
    await waitFor(() => acceptor.connectionCount === 0, 'closed');
  });

  it('acceptor close() aborts open associations and resolves once every connection is gone', async () => {
    const { requestor, acceptorSide, acceptor } = await pair({}, {});
    expect(acceptorSide.remoteAddress).toBe('127.0.0.1');
    expect(requestor.remotePort).toBeGreaterThan(0);
    const requestorEnd = new Promise<AssociationEnd>((resolve) => requestor.once('end', resolve));
    await acceptor.close();
    expect(acceptor.connectionCount).toBe(0);
    expect(acceptor.associationCount).toBe(0);
    expect(await requestorEnd).toMatchObject({ reason: 'aborted-by-peer', abortSource: 0 });
  });

  it('requestor: no A-ASSOCIATE-AC within acseTimeoutMs ends in A-ABORT and AssociationAbortedError', async () => {
    const received: Buffer[] = [];
    let peerClosed = false;
    const silent = createServer((s) => {
      s.on('data', (d) => received.push(d));
      s.on('close', () => {
        peerClosed = true;
      });
    });
    const port = await new Promise<number>((resolve) =>
      silent.listen(0, '127.0.0.1', () => resolve((silent.address() as AddressInfo).port)),
    );
    cleanups.push(() => new Promise((resolve) => silent.close(() => resolve())));
    const attempt = requestAssociation({
      host: '127.0.0.1',
      port,
      callingAeTitle: 'MODALITY',
      calledAeTitle: 'SILENT',
      presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
      acseTimeoutMs: 100,
      artimTimeoutMs: 200,
    });
    await expect(attempt).rejects.toBeInstanceOf(AssociationAbortedError);
    await expect(attempt).rejects.toThrow(/no A-ASSOCIATE-AC\/RJ within 100 ms/);
    await waitFor(() => peerClosed, 'requestor closes after ARTIM');
    const bytes = Buffer.concat(received);
    expect(bytes[0]).toBe(1);
    expect(bytes.subarray(bytes.length - 10)).toEqual(Buffer.from([7, 0, 0, 0, 0, 4, 0, 0, 0, 0]));
  });
});
