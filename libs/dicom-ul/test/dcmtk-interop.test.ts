import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Association,
  type AssociationAcceptor,
  type AssociationEnd,
  AssociationRejectedError,
  AssociationTransportError,
  createAcceptor,
  requestAssociation,
} from '@dicomesh/dicom-ul';
import { afterEach, describe, expect, it } from 'vitest';
import {
  answerEchoes,
  cEchoRq,
  commandFields,
  commandUids,
  cStoreRsp,
  EXPLICIT_LE,
  freePort,
  IMPLICIT_LE,
  memoryLogger,
  runTool,
  secondaryCapture,
  startStorescp,
  VERIFICATION,
  waitFor,
} from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startAcceptor(extra: Partial<Parameters<typeof createAcceptor>[0]> = {}) {
  const associations: Association[] = [];
  const ends: AssociationEnd[] = [];
  const logger = memoryLogger();
  const acceptor: AssociationAcceptor = createAcceptor({
    aeTitle: 'DICOMESH',
    transferSyntaxesFor: (as) => (as === VERIFICATION ? [EXPLICIT_LE, IMPLICIT_LE] : undefined),
    artimTimeoutMs: 2000,
    logger,
    onAssociation: (a) => {
      associations.push(a);
      a.on('end', (e) => ends.push(e));
      answerEchoes(a);
    },
    ...extra,
  });
  const { port } = await acceptor.listen(0, '127.0.0.1');
  cleanups.push(() => acceptor.close());
  return { acceptor, port, associations, ends, logger };
}

describe('acceptor against DCMTK echoscu', () => {
  it('associates, answers C-ECHO and releases', async () => {
    const { acceptor, port, associations, ends, logger } = await startAcceptor();
    const echo = runTool('echoscu', ['-v', '-aet', 'ECHOSCU', '-aec', 'DICOMESH', '127.0.0.1', String(port)]);
    expect(await echo.exited, echo.output()).toBe(0);
    expect(echo.output()).toMatch(/Received Echo Response \(Success\)/);
    await waitFor(() => ends.length === 1 && acceptor.connectionCount === 0, 'release and close');
    expect(ends[0]!.reason).toBe('released');
    const negotiated = associations[0]!.negotiated;
    expect(negotiated.callingAeTitle).toBe('ECHOSCU');
    expect(negotiated.calledAeTitle).toBe('DICOMESH');
    expect(negotiated.contexts.get(1)).toMatchObject({
      abstractSyntax: VERIFICATION,
      result: 0,
      transferSyntax: IMPLICIT_LE,
    });
    expect(negotiated.peerImplementationClassUid).toMatch(/^1\.2\.276\.0\.7230010\.3/);
    expect(negotiated.peerMaxPduLength).toBe(16384);
    expect(acceptor.associationCount).toBe(0);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('sees an A-ABORT from echoscu --abort', async () => {
    const { acceptor, port, ends } = await startAcceptor();
    const echo = runTool('echoscu', [
      '-aet',
      'ECHOSCU',
      '-aec',
      'DICOMESH',
      '--abort',
      '127.0.0.1',
      String(port),
    ]);
    expect(await echo.exited, echo.output()).toBe(0);
    await waitFor(() => ends.length === 1 && acceptor.connectionCount === 0, 'abort and close');
    expect(ends[0]).toMatchObject({ reason: 'aborted-by-peer', abortSource: 0, abortReason: 0 });
  });

  it('rejects a wrong called AE title with 1/1/7 and an unknown calling AE with 1/1/3', async () => {
    const { acceptor, port } = await startAcceptor({ allowedCallingAeTitles: ['ECHOSCU'] });
    const wrongCalled = runTool('echoscu', [
      '-v',
      '-aet',
      'ECHOSCU',
      '-aec',
      'SOMEONE',
      '127.0.0.1',
      String(port),
    ]);
    expect(await wrongCalled.exited).not.toBe(0);
    expect(wrongCalled.output()).toMatch(/Called AE Title Not Recognized/i);
    const wrongCalling = runTool('echoscu', [
      '-v',
      '-aet',
      'STRANGER',
      '-aec',
      'DICOMESH',
      '127.0.0.1',
      String(port),
    ]);
    expect(await wrongCalling.exited).not.toBe(0);
    expect(wrongCalling.output()).toMatch(/Calling AE Title Not Recognized/i);
    await waitFor(() => acceptor.connectionCount === 0, 'connections closed');
  });

  it('accepts 128 presentation contexts proposed by echoscu', async () => {
    const { acceptor, port, associations } = await startAcceptor();
    const echo = runTool('echoscu', [
      '-aet',
      'ECHOSCU',
      '-aec',
      'DICOMESH',
      '-ppc',
      '128',
      '-pts',
      '3',
      '127.0.0.1',
      String(port),
    ]);
    expect(await echo.exited, echo.output()).toBe(0);
    const contexts = [...associations[0]!.negotiated.contexts.values()];
    expect(contexts).toHaveLength(128);
    expect(contexts.every((c) => c.result === 0)).toBe(true);
    await waitFor(() => acceptor.connectionCount === 0, 'close');
  });

  it('answers transient 2/3/1 while draining and 2/3/2 beyond maxAssociations', async () => {
    const { acceptor, port } = await startAcceptor({ maxAssociations: 0 });
    const limited = runTool('echoscu', [
      '-v',
      '-aet',
      'ECHOSCU',
      '-aec',
      'DICOMESH',
      '127.0.0.1',
      String(port),
    ]);
    expect(await limited.exited).not.toBe(0);
    expect(limited.output()).toMatch(/Local Limit Exceeded/i);
    acceptor.drain();
    const drained = runTool('echoscu', [
      '-v',
      '-aet',
      'ECHOSCU',
      '-aec',
      'DICOMESH',
      '127.0.0.1',
      String(port),
    ]);
    expect(await drained.exited).not.toBe(0);
    expect(drained.output()).toMatch(/Temporary Congestion/i);
  });
});

describe('acceptor against DCMTK storescu (real data set fragmentation)', () => {
  it('receives a 2 MiB object in 16 KiB P-DATA-TF PDUs, answers C-STORE-RSP, and storescu succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dicom-ul-storescu-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const files = [1, 2, 3].map((i) => {
      const file = join(dir, `sc${i}.dcm`);
      writeFileSync(file, secondaryCapture(`1.2.826.0.1.3680043.10.1585.99.10.${i}`, 1024, 1024));
      return file;
    });
    const commands: Buffer[] = [];
    const datasets = new Map<string, number>();
    let pdus = 0;
    const { acceptor, port, ends } = await startAcceptor({
      maxPduLength: 16384,
      transferSyntaxesFor: () => [EXPLICIT_LE, IMPLICIT_LE],
      onAssociation: (a) => {
        a.on('end', (e) => ends.push(e));
        let command: Buffer[] = [];
        let dataset = 0;
        a.on('pdata', (pdvs) => {
          pdus++;
          for (const pdv of pdvs) {
            if (pdv.isCommand) command.push(pdv.data);
            else dataset += pdv.data.length;
            if (pdv.isLast && !pdv.isCommand) {
              const cmd = Buffer.concat(command);
              commands.push(cmd);
              const uids = commandUids(cmd);
              datasets.set(uids.get(0x1000)!, dataset);
              const rsp = cStoreRsp(commandFields(cmd).get(0x0110)!, uids.get(0x0002)!, uids.get(0x1000)!);
              void a.sendPData([{ contextId: pdv.contextId, isCommand: true, isLast: true, data: rsp }]);
              command = [];
              dataset = 0;
            }
          }
        });
      },
    });
    const store = runTool('storescu', [
      '-v',
      '-aet',
      'STORESCU',
      '-aec',
      'DICOMESH',
      '-R',
      '127.0.0.1',
      String(port),
      ...files,
    ]);
    expect(await store.exited, store.output()).toBe(0);
    expect(store.output().match(/Received Store Response \(Success\)/g)).toHaveLength(3);
    expect(commands).toHaveLength(3);
    for (let i = 1; i <= 3; i++)
      expect(datasets.get(`1.2.826.0.1.3680043.10.1585.99.10.${i}`)).toBeGreaterThan(2 * 1024 * 1024);
    // 3 objects of 2 MiB at 16 KiB per PDU: at least 384 P-DATA-TF PDUs, each within our limit.
    expect(pdus).toBeGreaterThan(384);
    await waitFor(() => ends.length === 1 && acceptor.connectionCount === 0, 'release');
    expect(ends[0]!.reason).toBe('released');
  });
});

describe('requestor against DCMTK storescp', () => {
  it('associates, exchanges C-ECHO and releases', async () => {
    const scp = await startStorescp();
    cleanups.push(scp.stop);
    const association = await requestAssociation({
      host: '127.0.0.1',
      port: scp.port,
      callingAeTitle: 'DICOMESH',
      calledAeTitle: 'STORESCP',
      presentationContexts: [
        { abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] },
        { abstractSyntax: '1.2.3.4.5.6.7', transferSyntaxes: [IMPLICIT_LE] },
      ],
      maxPduLength: 32768,
    });
    expect(association.side).toBe('requestor');
    expect(association.negotiated.contexts.get(1)).toMatchObject({
      result: 0,
      transferSyntax: IMPLICIT_LE,
      requestorIsScu: true,
    });
    expect(association.negotiated.contexts.get(3)).toMatchObject({ result: 3 });
    expect(association.negotiated.peerMaxPduLength).toBeGreaterThan(0);
    expect(association.negotiated.localMaxPduLength).toBe(32768);
    const responses: Map<number, number>[] = [];
    association.on('pdata', (pdvs) => {
      for (const p of pdvs) responses.push(commandFields(p.data));
    });
    await association.sendPData([{ contextId: 1, isCommand: true, isLast: true, data: cEchoRq(7) }]);
    await waitFor(() => responses.length === 1, 'C-ECHO-RSP');
    expect(responses[0]!.get(0x0100)).toBe(0x8030);
    expect(responses[0]!.get(0x0120)).toBe(7);
    expect(responses[0]!.get(0x0900)).toBe(0);
    const ended = new Promise<AssociationEnd>((resolve) => association.once('end', resolve));
    await association.release();
    expect((await ended).reason).toBe('released');
    expect(association.ended).toBe(true);
    await expect(
      association.sendPData([{ contextId: 1, isCommand: true, isLast: true, data: cEchoRq(8) }]),
    ).rejects.toThrow(/Evt9 not allowed in Sta1/);
  });

  it('is rejected by storescp --refuse with AssociationRejectedError 1/1/1', async () => {
    const scp = await startStorescp(['--refuse']);
    cleanups.push(scp.stop);
    const attempt = requestAssociation({
      host: '127.0.0.1',
      port: scp.port,
      callingAeTitle: 'DICOMESH',
      calledAeTitle: 'STORESCP',
      presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
    });
    await expect(attempt).rejects.toBeInstanceOf(AssociationRejectedError);
    await expect(attempt).rejects.toMatchObject({
      result: 1,
      source: 1,
      reason: 1,
      message:
        'association rejected: result 1 (rejected-permanent), source 1 (service-user), reason 1 (no-reason-given)',
    });
  });

  it('fails with AssociationTransportError when nothing listens', async () => {
    const port = await freePort();
    await expect(
      requestAssociation({
        host: '127.0.0.1',
        port,
        callingAeTitle: 'DICOMESH',
        calledAeTitle: 'NOBODY',
        presentationContexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [IMPLICIT_LE] }],
      }),
    ).rejects.toBeInstanceOf(AssociationTransportError);
  });
});
