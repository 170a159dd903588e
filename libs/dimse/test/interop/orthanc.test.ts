/**
 * Interop: our SCU against Orthanc 1.10 (store, find, find + C-CANCEL, move to our SCP, get), and Orthanc
 * as the SCU of our SCP for the C-MOVE sub-operations.
 */
import { join } from 'node:path';
import { type AssociationAcceptor, createAcceptor } from '@dicomesh/dicom-ul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectScu,
  createDimseScp,
  type DimseClient,
  queryRetrieveContexts,
  storageScpRoles,
  verificationContext,
} from '../../src/index.js';
import { freePort, prepareRealFiles, REAL_FILES, type RunningTool, run, tempDir } from '../support/dcmtk.js';
import { identifier, readIdentifier, Tag } from '../support/flat-identifier.js';
import { MemoryArchive } from '../support/memory-archive.js';
import { startOrthanc } from '../support/orthanc.js';
import { readPart10 } from '../support/part10.js';
import { ALL_TRANSFER_SYNTAXES } from './transfer-syntaxes.js';

type RealFile = { name: string; path: string } & ReturnType<typeof readPart10>;

describe('our SCU against Orthanc', () => {
  const dir = tempDir('dimse-orthanc-');
  let orthanc: RunningTool;
  let files: RealFile[] = [];
  let client: DimseClient;
  let acceptor: AssociationAcceptor;
  const received = new MemoryArchive('OURSCP');

  const contextsOf = (fs: RealFile[]) =>
    [...new Set(fs.map((f) => `${f.sopClassUid}|${f.transferSyntaxUid}`))].map((p) => {
      const [abstractSyntax, ts] = p.split('|') as [string, string];
      return { abstractSyntax, transferSyntaxes: [ts] };
    });

  beforeAll(async () => {
    await run('mkdir', ['-p', join(dir.path, 'real')]);
    const paths = await prepareRealFiles(join(dir.path, 'real'), 'ORTHANC-INTEROP');
    files = REAL_FILES.map((name) => {
      const path = paths.get(name) as string;
      return { name, path, ...readPart10(path) };
    });
    const ourPort = await freePort();
    acceptor = createAcceptor({
      aeTitle: 'OURSCP',
      transferSyntaxesFor: () => ALL_TRANSFER_SYNTAXES,
      onAssociation: (association) => {
        createDimseScp(association, { handlers: received.handlers() });
      },
    });
    await acceptor.listen(ourPort, '127.0.0.1');
    orthanc = await startOrthanc(dir.path, 'ORTHANC', { ourscp: ['OURSCP', '127.0.0.1', ourPort] });
    client = await connectScu({
      host: '127.0.0.1',
      port: orthanc.port,
      callingAeTitle: 'OURSCU',
      calledAeTitle: 'ORTHANC',
      contexts: [verificationContext(), ...queryRetrieveContexts(), ...contextsOf(files)],
      roles: storageScpRoles([...new Set(files.map((f) => f.sopClassUid))]),
    });
  }, 60_000);

  afterAll(async () => {
    await client?.association.release().catch(() => {});
    await acceptor?.close();
    await orthanc?.stop();
    dir.remove();
  });

  it('C-ECHO and C-STORE of every real-world file', async () => {
    expect(await client.echo()).toBe(0);
    for (const f of files) {
      const r = await client.store(f.sopClassUid, f.sopInstanceUid, f.transferSyntaxUid, f.dataset);
      expect(r.status, `${f.name}: ${r.errorComment ?? ''}`).toBe(0);
    }
  });

  it('C-FIND at image level finds them all', async () => {
    const op = await client.find('study', (ts) =>
      identifier(
        {
          [Tag.QueryRetrieveLevel]: 'IMAGE',
          [Tag.PatientId]: 'ORTHANC-INTEROP',
          [Tag.StudyInstanceUid]: '',
          [Tag.SeriesInstanceUid]: '',
          [Tag.SopInstanceUid]: '',
        },
        ts,
      ),
    );
    const uids: string[] = [];
    for await (const m of op)
      uids.push(readIdentifier(m.identifier as Buffer, op.transferSyntaxUid)[Tag.SopInstanceUid] as string);
    expect((await op.result).status).toBe(0);
    expect(uids.sort()).toEqual(files.map((f) => f.sopInstanceUid).sort());
  });

  it('C-FIND then C-CANCEL: the operation ends and the association goes on', async () => {
    const op = await client.find('study', (ts) =>
      identifier({ [Tag.QueryRetrieveLevel]: 'IMAGE', [Tag.SopInstanceUid]: '' }, ts),
    );
    await op.cancel();
    for await (const _ of op) {
    }
    expect([0x0000, 0xfe00]).toContain((await op.result).status);
    expect(await client.echo()).toBe(0);
  });

  it('C-MOVE to our SCP: every file arrives in its transfer syntax', async () => {
    const op = await client.move('patient', 'OURSCP', (ts) =>
      identifier({ [Tag.QueryRetrieveLevel]: 'PATIENT', [Tag.PatientId]: 'ORTHANC-INTEROP' }, ts),
    );
    const progress = [];
    for await (const p of op) progress.push(p);
    const r = await op.result;
    expect(r.status, r.errorComment).toBe(0);
    expect(r.counts.completed).toBe(files.length);
    for (const f of files) {
      const got = received.instances.get(f.sopInstanceUid);
      expect(got?.transferSyntaxUid, f.name).toBe(f.transferSyntaxUid);
      // (Orthanc re-serializes what it sends, so bytes are compared in the DCMTK tests, not here.)
    }
  });

  it('C-GET: every file comes back on the same association', async () => {
    const got = new Map<string, string>();
    const op = await client.get(
      'study',
      (ts) =>
        identifier(
          {
            [Tag.QueryRetrieveLevel]: 'STUDY',
            [Tag.StudyInstanceUid]:
              received.instances.get(files[0]?.sopInstanceUid ?? '')?.attributes[Tag.StudyInstanceUid] ?? '',
          },
          ts,
        ),
      async (rq) => {
        for await (const _ of rq.dataset) {
        }
        got.set(rq.affectedSopInstanceUid, rq.transferSyntaxUid);
        return { status: 0 };
      },
    );
    for await (const _ of op) {
    }
    const r = await op.result;
    expect(r.status, r.errorComment).toBe(0);
    expect(r.counts.completed).toBe(files.length);
    for (const f of files) expect(got.get(f.sopInstanceUid), f.name).toBe(f.transferSyntaxUid);
  });
});
