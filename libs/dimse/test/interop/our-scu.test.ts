/**
 * Interop: our SCU (connectScu + DimseClient over @dicomesh/dicom-ul's requestor) against DCMTK storescp,
 * and against our own SCP over real TCP for find/move/get and C-CANCEL.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AssociationAcceptor, AssociationRejectedError, createAcceptor } from '@dicomesh/dicom-ul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectScu,
  createDimseScp,
  type DimseClient,
  queryRetrieveContexts,
  storageScpRoles,
  verificationContext,
} from '../../src/index.js';
import {
  prepareRealFiles,
  REAL_FILES,
  type RunningTool,
  run,
  startStorescp,
  tempDir,
} from '../support/dcmtk.js';
import { identifier, readIdentifier, Tag } from '../support/flat-identifier.js';
import { MemoryArchive } from '../support/memory-archive.js';
import { readPart10 } from '../support/part10.js';
import { ALL_TRANSFER_SYNTAXES } from './transfer-syntaxes.js';

type RealFile = { name: string; path: string } & ReturnType<typeof readPart10>;

describe('our SCU', () => {
  const dir = tempDir();
  let files: RealFile[] = [];
  let storescp: RunningTool;
  const received = join(dir.path, 'storescp');
  let acceptor: AssociationAcceptor;
  let scpPort: number;
  const archive = new MemoryArchive('OURSCP');

  beforeAll(async () => {
    await run('mkdir', ['-p', received, join(dir.path, 'real')]);
    const paths = await prepareRealFiles(join(dir.path, 'real'), 'OUR-SCU');
    files = REAL_FILES.map((name) => {
      const path = paths.get(name) as string;
      return { name, path, ...readPart10(path) };
    });
    storescp = await startStorescp('STORESCP', received);
    acceptor = createAcceptor({
      aeTitle: 'OURSCP',
      transferSyntaxesFor: () => ALL_TRANSFER_SYNTAXES,
      onAssociation: (association) => {
        createDimseScp(association, { handlers: archive.handlers() });
      },
    });
    scpPort = (await acceptor.listen(0, '127.0.0.1')).port;
    archive.destinations.set('STORESCP', { host: '127.0.0.1', port: storescp.port });
  });

  afterAll(async () => {
    await acceptor?.close();
    await storescp?.stop();
    dir.remove();
  });

  const storageContextsOf = (fs: RealFile[]) =>
    [...new Set(fs.map((f) => `${f.sopClassUid}|${f.transferSyntaxUid}`))].map((p) => {
      const [abstractSyntax, ts] = p.split('|') as [string, string];
      return { abstractSyntax, transferSyntaxes: [ts] };
    });

  it('C-ECHO to DCMTK storescp', async () => {
    const client = await connectScu({
      host: '127.0.0.1',
      port: storescp.port,
      callingAeTitle: 'OURSCU',
      calledAeTitle: 'STORESCP',
      contexts: [verificationContext()],
    });
    expect(await client.echo()).toBe(0);
    await client.association.release();
  });

  it('a rejected association surfaces as AssociationRejectedError', async () => {
    await expect(
      connectScu({
        host: '127.0.0.1',
        port: scpPort,
        callingAeTitle: 'OURSCU',
        calledAeTitle: 'NOT-OURSCP',
        contexts: [verificationContext()],
      }),
    ).rejects.toBeInstanceOf(AssociationRejectedError);
  });

  it('C-STORE of every real-world file to storescp +B: byte-identical, in its own transfer syntax, streamed in odd chunks', async () => {
    const client = await connectScu({
      host: '127.0.0.1',
      port: storescp.port,
      callingAeTitle: 'OURSCU',
      calledAeTitle: 'STORESCP',
      contexts: storageContextsOf(files),
    });
    for (const f of files) {
      // stream the data set in odd-sized chunks
      async function* chunks() {
        for (let o = 0; o < f.dataset.length; o += 777) yield f.dataset.subarray(o, o + 777);
      }
      const r = await client.store(f.sopClassUid, f.sopInstanceUid, f.transferSyntaxUid, chunks());
      expect(r.status, f.name).toBe(0);
    }
    await client.association.release();
    const arrived = readdirSync(received).map((n) => readPart10(join(received, n)));
    for (const f of files) {
      const back = arrived.find((a) => a.sopInstanceUid === f.sopInstanceUid);
      expect(back?.transferSyntaxUid, f.name).toBe(f.transferSyntaxUid);
      expect(back?.dataset.equals(f.dataset), f.name).toBe(true);
    }
  });

  describe('against our SCP over TCP', () => {
    let client: DimseClient;
    beforeAll(async () => {
      const fill = await connectScu({
        host: '127.0.0.1',
        port: scpPort,
        callingAeTitle: 'OURSCU',
        calledAeTitle: 'OURSCP',
        contexts: storageContextsOf(files),
        maxPduLength: 4096,
      });
      for (const f of files) {
        expect(
          (await fill.store(f.sopClassUid, f.sopInstanceUid, f.transferSyntaxUid, f.dataset)).status,
        ).toBe(0);
      }
      await fill.association.release();
      client = await connectScu({
        host: '127.0.0.1',
        port: scpPort,
        callingAeTitle: 'OURSCU',
        calledAeTitle: 'OURSCP',
        contexts: [verificationContext(), ...queryRetrieveContexts(), ...storageContextsOf(files)],
        roles: storageScpRoles([...new Set(files.map((f) => f.sopClassUid))]),
      });
    });
    afterAll(async () => {
      await client?.association.release();
    });

    it('stored every file as received', () => {
      for (const f of files)
        expect(archive.instances.get(f.sopInstanceUid)?.bytes.equals(f.dataset), f.name).toBe(true);
    });

    it('C-FIND at image level, then C-CANCEL', async () => {
      const op = await client.find('study', (ts) =>
        identifier(
          { [Tag.QueryRetrieveLevel]: 'IMAGE', [Tag.PatientId]: 'OUR-SCU', [Tag.SopInstanceUid]: '' },
          ts,
        ),
      );
      const uids: string[] = [];
      for await (const m of op)
        uids.push(readIdentifier(m.identifier as Buffer, op.transferSyntaxUid)[Tag.SopInstanceUid] as string);
      expect((await op.result).status).toBe(0);
      expect(uids.sort()).toEqual(files.map((f) => f.sopInstanceUid).sort());

      const cancelled = await client.find('patient', (ts) =>
        identifier({ [Tag.QueryRetrieveLevel]: 'IMAGE', [Tag.SopInstanceUid]: '' }, ts),
      );
      await cancelled.cancel();
      const seen: unknown[] = [];
      for await (const m of cancelled) seen.push(m);
      const final = await cancelled.result;
      // The SCP may have sent every match before the cancel arrived; if not, it answered Cancel.
      expect([0x0000, 0xfe00]).toContain(final.status);
      if (final.status === 0) expect(seen.length).toBe(files.length);
      else expect(seen.length).toBeLessThan(files.length);
    });

    it('C-MOVE to DCMTK storescp, with progress', async () => {
      const op = await client.move('study', 'STORESCP', (ts) =>
        identifier(
          {
            [Tag.QueryRetrieveLevel]: 'STUDY',
            [Tag.StudyInstanceUid]:
              archive.instances.get(files[0]?.sopInstanceUid ?? '')?.attributes[Tag.StudyInstanceUid] ?? '',
          },
          ts,
        ),
      );
      const progress = [];
      for await (const p of op) progress.push(p);
      const r = await op.result;
      expect(r.status).toBe(0);
      expect(r.counts.completed).toBe(files.length);
      expect(progress.length).toBe(files.length);
      expect(progress.at(-1)?.remaining).toBe(0);
    });

    it('C-MOVE to an unknown AE: A801', async () => {
      const op = await client.move('study', 'NOWHERE', (ts) =>
        identifier({ [Tag.QueryRetrieveLevel]: 'STUDY' }, ts),
      );
      expect((await op.result).status).toBe(0xa801);
    });

    it('C-GET: every file back on the same association, byte-identical', async () => {
      const got = new Map<string, { ts: string; bytes: Buffer }>();
      const op = await client.get(
        'study',
        (ts) => identifier({ [Tag.QueryRetrieveLevel]: 'STUDY', [Tag.PatientId]: 'OUR-SCU' }, ts),
        async (rq) => {
          const parts: Buffer[] = [];
          for await (const c of rq.dataset) parts.push(c as Buffer);
          got.set(rq.affectedSopInstanceUid, { ts: rq.transferSyntaxUid, bytes: Buffer.concat(parts) });
          return { status: 0 };
        },
      );
      for await (const _ of op) {
      }
      const r = await op.result;
      expect(r.status).toBe(0);
      expect(r.counts.completed).toBe(files.length);
      for (const f of files) {
        expect(got.get(f.sopInstanceUid)?.ts, f.name).toBe(f.transferSyntaxUid);
        expect(got.get(f.sopInstanceUid)?.bytes.equals(f.dataset), f.name).toBe(true);
      }
    });
  });
});
