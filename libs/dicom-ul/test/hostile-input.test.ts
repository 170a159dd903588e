import {
  type Association,
  type AssociationAcceptor,
  type AssociationEnd,
  buildAssociateRq,
  createAcceptor,
  encodePdu,
  PduType,
  requestAssociation,
} from '@dicomesh/dicom-ul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  answerEchoes,
  cEchoRq,
  commandFields,
  IMPLICIT_LE,
  memoryLogger,
  rawConnect,
  VERIFICATION,
  waitFor,
} from './helpers.js';

const ARTIM_MS = 300;
const MAX_PDU = 16384;
let acceptor: AssociationAcceptor;
let port: number;
const ends: AssociationEnd[] = [];
const logger = memoryLogger();

beforeAll(async () => {
  acceptor = createAcceptor({
    aeTitle: 'DICOMESH',
    transferSyntaxesFor: (as) => (as === VERIFICATION ? [IMPLICIT_LE] : undefined),
    artimTimeoutMs: ARTIM_MS,
    maxPduLength: MAX_PDU,
    logger,
    onAssociation: (a: Association) => {
      a.on('end', (e) => ends.push(e));
      answerEchoes(a);
    },
  });
  ({ port } = await acceptor.listen(0, '127.0.0.1'));
});

afterAll(async () => {
  await acceptor.close();
  expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
});

const RQ = encodePdu(
  buildAssociateRq({
    host: '',
    port: 0,
    callingAeTitle: 'HOSTILE',
    calledAeTitle: 'DICOMESH',
    presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
  }),
);

function abortPdu(source: number, reason: number): Buffer {
  return Buffer.from([7, 0, 0, 0, 0, 4, 0, 0, source, reason]);
}

/** A good association on the same acceptor still works: associate, C-ECHO, release. */
async function healthyEcho(): Promise<void> {
  const association = await requestAssociation({
    host: '127.0.0.1',
    port,
    callingAeTitle: 'GOOD',
    calledAeTitle: 'DICOMESH',
    presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
  });
  let status: number | undefined;
  association.on('pdata', (pdvs) => {
    status = commandFields(pdvs[0]!.data).get(0x0900);
  });
  await association.sendPData([{ contextId: 1, isCommand: true, isLast: true, data: cEchoRq(1) }]);
  await waitFor(() => status !== undefined, 'C-ECHO-RSP');
  expect(status).toBe(0);
  await association.release();
}

/** Send bytes on a fresh connection; expect exactly `expected` back and the connection closed by the acceptor. */
async function expectAnswer(bytes: Buffer[], expected: Buffer): Promise<void> {
  const client = await rawConnect(port);
  for (const b of bytes) client.socket.write(b);
  await waitFor(
    () => client.received().length >= expected.length,
    `answer ${expected.toString('hex')}`,
    3000,
  );
  expect(client.received().subarray(0, expected.length)).toEqual(expected);
  // We keep our side open: the acceptor must close on its own (ARTIM in Sta13).
  await waitFor(() => client.closed(), 'acceptor closes the connection', ARTIM_MS + 3000);
  expect(client.received()).toEqual(expected);
  await healthyEcho();
  await waitFor(() => acceptor.connectionCount === 0, 'connectionCount back to 0', 3000);
}

async function associateRaw() {
  const client = await rawConnect(port);
  client.socket.write(RQ);
  await waitFor(
    () => client.received().length >= 6 && client.received()[0] === PduType.AssociateAc,
    'A-ASSOCIATE-AC',
  );
  const acLength = 6 + client.received().readUInt32BE(2);
  await waitFor(() => client.received().length >= acLength, 'whole A-ASSOCIATE-AC');
  return { ...client, acLength };
}

describe('hostile input against the acceptor', () => {
  it('garbage bytes: A-ABORT unrecognized-PDU', async () => {
    await expectAnswer([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], abortPdu(2, 1));
  });

  it('a P-DATA-TF announcing 4 GiB: A-ABORT invalid-PDU-parameter-value, nothing buffered', async () => {
    await expectAnswer([Buffer.from([4, 0, 0xff, 0xff, 0xff, 0xff])], abortPdu(2, 6));
  });

  it('an A-ASSOCIATE-RQ announcing 4 GiB: A-ABORT', async () => {
    await expectAnswer([Buffer.from([1, 0, 0xff, 0xff, 0xff, 0xff])], abortPdu(2, 6));
  });

  it('P-DATA before association: A-ABORT unexpected-PDU', async () => {
    const pdata = encodePdu({
      type: PduType.PDataTf,
      pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: cEchoRq(1) }],
    });
    await expectAnswer([pdata], abortPdu(2, 2));
  });

  it('A-RELEASE-RQ before association: A-ABORT unexpected-PDU', async () => {
    await expectAnswer([encodePdu({ type: PduType.ReleaseRq })], abortPdu(2, 2));
  });

  it('an item length overrunning the PDU: A-ABORT invalid-PDU-parameter-value', async () => {
    const bad = Buffer.from(RQ);
    bad.writeUInt16BE(0xfff0, 6 + 68 + 2);
    await expectAnswer([bad], abortPdu(2, 6));
  });

  it('a PDU length shorter than its fixed fields: A-ABORT', async () => {
    const bad = Buffer.from(RQ.subarray(0, 40));
    bad.writeUInt32BE(34, 2);
    await expectAnswer([bad], abortPdu(2, 6));
  });

  it('an even presentation context ID: A-ABORT invalid-PDU-parameter-value', async () => {
    const bad = Buffer.from(RQ);
    const pc = bad.indexOf(Buffer.from([0x20, 0]), 6 + 68);
    bad[pc + 4] = 2;
    await expectAnswer([bad], abortPdu(2, 6));
  });

  it('129 presentation contexts: A-ABORT; 128 are accepted', async () => {
    const contexts = (n: number) =>
      Array.from({ length: n }, () => ({ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }));
    const rq128 = buildAssociateRq({
      host: '',
      port: 0,
      callingAeTitle: 'A',
      calledAeTitle: 'DICOMESH',
      presentationContexts: contexts(128),
    });
    const rq129 = {
      ...rq128,
      presentationContexts: [
        ...rq128.presentationContexts,
        { id: 1, abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] },
      ],
    };
    await expectAnswer([encodePdu(rq129)], abortPdu(2, 6));
    const client = await rawConnect(port);
    client.socket.write(encodePdu(rq128));
    await waitFor(() => client.received().length > 0, 'answer to 128 contexts');
    expect(client.received()[0]).toBe(PduType.AssociateAc);
    client.socket.destroy();
  });

  it('a truncated PDU then silence: closed by ARTIM; truncated then close: cleaned up', async () => {
    const silent = await rawConnect(port);
    silent.socket.write(RQ.subarray(0, 30));
    await waitFor(() => silent.closed(), 'ARTIM closes a half-sent RQ', ARTIM_MS + 3000);
    expect(silent.received()).toEqual(Buffer.alloc(0));
    const quitter = await rawConnect(port);
    quitter.socket.end(RQ.subarray(0, 30));
    await waitFor(() => acceptor.connectionCount === 0, 'connection gone');
    await healthyEcho();
  });

  it('an oversized P-DATA-TF after association: A-ABORT and a protocol-error end', async () => {
    const client = await associateRaw();
    const before = ends.length;
    const big = encodePdu({
      type: PduType.PDataTf,
      pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(MAX_PDU + 7) }],
    });
    client.socket.write(big.subarray(0, 6));
    await waitFor(() => client.received().length >= client.acLength + 10, 'A-ABORT');
    expect(client.received().subarray(client.acLength)).toEqual(abortPdu(2, 6));
    await waitFor(() => ends.length > before, 'association end');
    expect(ends.at(-1)).toMatchObject({ reason: 'protocol-error', abortSource: 2, abortReason: 6 });
    await waitFor(() => client.closed(), 'closed by ARTIM', ARTIM_MS + 3000);
    await healthyEcho();
  });

  it('a second A-ASSOCIATE-RQ on an established association: A-ABORT unexpected-PDU', async () => {
    const client = await associateRaw();
    client.socket.write(RQ);
    await waitFor(() => client.received().length >= client.acLength + 10, 'A-ABORT');
    expect(client.received().subarray(client.acLength)).toEqual(abortPdu(2, 2));
    client.socket.destroy();
  });

  it('abort in the middle of a message: the association ends aborted-by-peer and the acceptor closes', async () => {
    const client = await associateRaw();
    const before = ends.length;
    const pdata = encodePdu({
      type: PduType.PDataTf,
      pdvs: [{ contextId: 1, isCommand: true, isLast: false, data: cEchoRq(1).subarray(0, 20) }],
    });
    client.socket.write(pdata);
    client.socket.write(abortPdu(0, 0));
    await waitFor(() => ends.length > before && client.closed(), 'end and close');
    expect(ends.at(-1)).toMatchObject({ reason: 'aborted-by-peer', abortSource: 0, abortReason: 0 });
  });

  it('a socket destroyed mid-PDU after association: transport-closed', async () => {
    const client = await associateRaw();
    const before = ends.length;
    client.socket.write(Buffer.from([4, 0, 0, 0, 1, 0, 0, 0]));
    client.socket.destroy();
    await waitFor(() => ends.length > before, 'end');
    expect(ends.at(-1)!.reason).toBe('transport-closed');
    await waitFor(() => acceptor.connectionCount === 0, 'connection gone');
  });

  it('release without closing: the acceptor closes after ARTIM (Sta13)', async () => {
    const client = await associateRaw();
    client.socket.write(encodePdu({ type: PduType.ReleaseRq }));
    await waitFor(() => client.received().length >= client.acLength + 10, 'A-RELEASE-RP');
    expect(client.received()[client.acLength]).toBe(PduType.ReleaseRp);
    await waitFor(() => client.closed(), 'closed by ARTIM', ARTIM_MS + 3000);
  });

  it('100 randomly mutated A-ASSOCIATE-RQs: every connection ends, the acceptor keeps serving', async () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const clients = [];
    for (let i = 0; i < 100; i++) {
      const bytes = Buffer.from(RQ);
      for (let f = 0; f < 1 + Math.floor(rnd() * 3); f++)
        bytes[Math.floor(rnd() * bytes.length)] = Math.floor(rnd() * 256);
      const client = await rawConnect(port);
      client.socket.write(bytes);
      clients.push(client);
    }
    await healthyEcho();
    // Whatever each got (AC, RJ, A-ABORT or nothing), the acceptor closes each connection by itself: an
    // association that was accepted is closed by ARTIM only after we release or abort, so abort those.
    for (const c of clients) {
      if (c.received()[0] === PduType.AssociateAc) c.socket.write(abortPdu(0, 0));
    }
    await waitFor(() => clients.every((c) => c.closed()), 'all mutated connections closed', ARTIM_MS + 5000);
    await waitFor(() => acceptor.connectionCount === 0, 'connectionCount back to 0');
  });

  it('200 idle connections are closed by ARTIM while a good association works', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => rawConnect(port)));
    await waitFor(() => acceptor.connectionCount >= 200, '200 connections');
    await healthyEcho();
    await waitFor(() => clients.every((c) => c.closed()), 'all idle connections closed', ARTIM_MS + 5000);
    expect(clients.every((c) => c.received().length === 0)).toBe(true);
    await waitFor(() => acceptor.connectionCount === 0, 'connectionCount back to 0');
  });
});

describe('idle timeout', () => {
  it('aborts an association with no PDU for idleTimeoutMs', async () => {
    const idleEnds: AssociationEnd[] = [];
    const idle = createAcceptor({
      aeTitle: 'DICOMESH',
      transferSyntaxesFor: () => [IMPLICIT_LE],
      idleTimeoutMs: 150,
      artimTimeoutMs: ARTIM_MS,
      onAssociation: (a) => a.on('end', (e) => idleEnds.push(e)),
    });
    const { port: idlePort } = await idle.listen(0, '127.0.0.1');
    try {
      const association = await requestAssociation({
        host: '127.0.0.1',
        port: idlePort,
        callingAeTitle: 'SLEEPY',
        calledAeTitle: 'DICOMESH',
        presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
      });
      const requestorEnd = new Promise<AssociationEnd>((resolve) => association.once('end', resolve));
      await waitFor(() => idleEnds.length === 1, 'idle abort', 3000);
      expect(idleEnds[0]).toMatchObject({ reason: 'aborted-by-us', abortSource: 2, abortReason: 0 });
      expect(await requestorEnd).toMatchObject({ reason: 'aborted-by-peer', abortSource: 2 });
      await waitFor(() => idle.connectionCount === 0, 'closed');
    } finally {
      await idle.close();
    }
  });
});
