/**
 * Interop: DCMTK's SCUs (echoscu, storescu, findscu, getscu, movescu) against an SCP built from
 * @dicomesh/dicom-ul's acceptor and this package's dispatcher, with an in-memory archive as handlers.
 * Every real-world file goes in with storescu in its own transfer syntax and comes back (getscu +B and
 * movescu into storescp +B) byte-identical to what the SCP received.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AssociationAcceptor, createAcceptor } from '@dicomesh/dicom-ul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDimseScp } from '../../src/index.js';
import {
  GETSCU_PREFER,
  prepareRealFiles,
  REAL_FILES,
  type RunningTool,
  run,
  STORESCU_PROPOSE,
  startStorescp,
  tempDir,
} from '../support/dcmtk.js';
import { identifier, Tag } from '../support/flat-identifier.js';
import { MemoryArchive } from '../support/memory-archive.js';
import { readPart10 } from '../support/part10.js';
import { ALL_TRANSFER_SYNTAXES } from './transfer-syntaxes.js';

const AET = 'DIMSESCP';
const TIMEOUTS = ['-to', '20', '-ta', '20', '-td', '60'];

describe('DCMTK SCUs against our SCP', () => {
  const dir = tempDir();
  const archive = new MemoryArchive(AET);
  let acceptor: AssociationAcceptor;
  let port: number;
  let dest: RunningTool;
  const destDir = join(dir.path, 'dest');
  let preferred: string | undefined;
  let files: ({ name: string; path: string } & ReturnType<typeof readPart10>)[] = [];

  beforeAll(async () => {
    await run('mkdir', ['-p', join(dir.path, 'real')]);
    const paths = await prepareRealFiles(join(dir.path, 'real'), 'DIMSE-REAL');
    files = REAL_FILES.map((name) => {
      const path = paths.get(name) as string;
      return { name, path, ...readPart10(path) };
    });
    acceptor = createAcceptor({
      aeTitle: AET,
      // An archive prefers to send what it stored: the syntax under test first (getscu proposes several).
      transferSyntaxesFor: () => (preferred ? [preferred, ...ALL_TRANSFER_SYNTAXES] : ALL_TRANSFER_SYNTAXES),
      onAssociation: (association) => {
        createDimseScp(association, { handlers: archive.handlers() });
      },
    });
    port = (await acceptor.listen(0, '127.0.0.1')).port;
    await run('mkdir', ['-p', destDir]);
    dest = await startStorescp('MOVEDEST', destDir);
    archive.destinations.set('MOVEDEST', { host: '127.0.0.1', port: dest.port });
  });

  afterAll(async () => {
    await acceptor?.close();
    await dest?.stop();
    dir.remove();
  });

  it('echoscu', async () => {
    const r = await run('echoscu', ['-v', ...TIMEOUTS, '-aec', AET, '127.0.0.1', String(port)]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Received Echo Response \(Success\)/);
  });

  it('storescu: every real-world file in its own transfer syntax', async () => {
    for (const f of files) {
      const r = await run('storescu', [
        '-v',
        ...TIMEOUTS,
        '-R',
        STORESCU_PROPOSE[f.transferSyntaxUid] as string,
        '-aec',
        AET,
        '127.0.0.1',
        String(port),
        f.path,
      ]);
      expect(r.output, f.name).toMatch(/Received Store Response \(Success\)/);
      const stored = archive.instances.get(f.sopInstanceUid);
      expect(stored?.transferSyntaxUid, f.name).toBe(f.transferSyntaxUid);
      expect(stored?.sopClassUid, f.name).toBe(f.sopClassUid);
      if (f.transferSyntaxUid !== '1.2.840.10008.1.2.1.99') {
        // DCMTK re-encodes the data set but it has nothing to change here; deflate is redone by zlib.
        expect(stored?.bytes.length, f.name).toBeGreaterThan(0);
      }
    }
    expect(archive.instances.size).toBe(files.length);
  });

  it('storescu with a 4 KiB PDU and implicit VR only', async () => {
    const f = files.find((x) => x.name === 'CT_small.dcm');
    if (!f) throw new Error('CT_small.dcm');
    const r = await run('storescu', [
      '-v',
      ...TIMEOUTS,
      '-xi',
      '-pdu',
      '4096',
      '-aec',
      AET,
      '127.0.0.1',
      String(port),
      f.path,
    ]);
    expect(r.output).toMatch(/Received Store Response \(Success\)/);
    expect(archive.instances.get(f.sopInstanceUid)?.transferSyntaxUid).toBe('1.2.840.10008.1.2');
    // put it back in its own syntax for the retrieve tests
    const r2 = await run('storescu', [
      '-v',
      ...TIMEOUTS,
      '-R',
      '-xe',
      '-aec',
      AET,
      '127.0.0.1',
      String(port),
      f.path,
    ]);
    expect(r2.output).toMatch(/Received Store Response \(Success\)/);
  });

  it('findscu at study and image level', async () => {
    const cwd = tempDir();
    try {
      const f = files[0] as (typeof files)[number];
      const patientId = archive.instances.get(f.sopInstanceUid)?.attributes[0x00100020] ?? '';
      const r = await run(
        'findscu',
        [
          '-v',
          '-S',
          '-X',
          ...TIMEOUTS,
          '-aec',
          AET,
          '-k',
          'QueryRetrieveLevel=IMAGE',
          '-k',
          `PatientID=${patientId}`,
          '-k',
          'SOPInstanceUID',
          '-k',
          'PatientName',
          '127.0.0.1',
          String(port),
        ],
        { cwd: cwd.path },
      );
      expect(r.code, r.output).toBe(0);
      const expected = [...archive.instances.values()].filter(
        (i) => i.attributes[0x00100020] === patientId,
      ).length;
      expect(expected).toBeGreaterThan(0);
      expect(readdirSync(cwd.path).filter((n) => n.startsWith('rsp'))).toHaveLength(expected);
      expect(r.output).toMatch(/Received Final Find Response \(Success\)/);
    } finally {
      cwd.remove();
    }
  });

  it('findscu --cancel: C-CANCEL after the first response ends the find with Cancel', async () => {
    // A SCP of its own whose C-FIND sends one match and then waits for the cancel (with a deadline).
    let sawAbort = false;
    const scp = createAcceptor({
      aeTitle: AET,
      transferSyntaxesFor: () => ALL_TRANSFER_SYNTAXES,
      onAssociation: (association) => {
        createDimseScp(association, {
          handlers: {
            async *cFind(rq, ctx) {
              yield {
                identifier: identifier(
                  { [Tag.QueryRetrieveLevel]: 'IMAGE', [Tag.SopInstanceUid]: '1.2.3' },
                  rq.transferSyntaxUid,
                ),
              };
              await new Promise<void>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error('no C-CANCEL within 10 s')), 10_000);
                ctx.signal.addEventListener('abort', () => {
                  clearTimeout(timer);
                  sawAbort = true;
                  resolve();
                });
              });
              yield {
                identifier: identifier(
                  { [Tag.QueryRetrieveLevel]: 'IMAGE', [Tag.SopInstanceUid]: '1.2.4' },
                  rq.transferSyntaxUid,
                ),
              };
            },
          },
        });
      },
    });
    const p = (await scp.listen(0, '127.0.0.1')).port;
    try {
      const r = await run('findscu', [
        '-v',
        '-S',
        '--cancel',
        '1',
        ...TIMEOUTS,
        '-aec',
        AET,
        '-k',
        'QueryRetrieveLevel=IMAGE',
        '-k',
        'SOPInstanceUID',
        '127.0.0.1',
        String(p),
      ]);
      expect(r.code, r.output).toBe(0);
      expect(r.output).toMatch(/Sending Cancel Request/);
      expect(r.output).toMatch(
        /Received Final Find Response \(Matching terminated due to Cancel request\)|Received Final Find Response \(Cancel/,
      );
      expect(r.output.match(/Find Response: \d+ \(Pending\)/g) ?? [], r.output).toHaveLength(1);
      expect(sawAbort).toBe(true);
    } finally {
      await scp.close();
    }
  });

  it('getscu: every file comes back in its transfer syntax, byte-identical', async () => {
    for (const f of files) {
      const stored = archive.instances.get(f.sopInstanceUid);
      if (!stored || stored.transferSyntaxUid !== f.transferSyntaxUid)
        throw new Error(`${f.name} not stored`);
      const out = tempDir();
      preferred = f.transferSyntaxUid;
      try {
        const r = await run('getscu', [
          '-v',
          '-S',
          ...TIMEOUTS,
          GETSCU_PREFER[f.transferSyntaxUid] as string,
          '+B',
          '-od',
          out.path,
          '-aec',
          AET,
          '-k',
          'QueryRetrieveLevel=IMAGE',
          '-k',
          `SOPInstanceUID=${f.sopInstanceUid}`,
          '127.0.0.1',
          String(port),
        ]);
        expect(r.code, `${f.name}: ${r.output}`).toBe(0);
        const got = readdirSync(out.path);
        expect(got, `${f.name}: ${r.output} ${archive.errors.map((e) => e.message)}`).toHaveLength(1);
        const back = readPart10(join(out.path, got[0] as string));
        expect(back.transferSyntaxUid, f.name).toBe(f.transferSyntaxUid);
        expect(back.dataset.equals(stored.bytes), f.name).toBe(true);
      } finally {
        out.remove();
        preferred = undefined;
      }
    }
  });

  it('movescu to a DCMTK storescp: every file arrives byte-identical in its transfer syntax', async () => {
    const uids = files.map((f) => f.sopInstanceUid);
    const r = await run('movescu', [
      '-v',
      '-S',
      ...TIMEOUTS,
      '-aem',
      'MOVEDEST',
      '-aec',
      AET,
      '-k',
      'QueryRetrieveLevel=IMAGE',
      '-k',
      `SOPInstanceUID=${[...new Set(uids)].join('\\')}`,
      '127.0.0.1',
      String(port),
    ]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Received Final Move Response \(Success\)/);
    const arrived = readdirSync(destDir).map((n) => readPart10(join(destDir, n)));
    for (const f of files) {
      const stored = archive.instances.get(f.sopInstanceUid);
      const back = arrived.find((a) => a.sopInstanceUid === f.sopInstanceUid);
      expect(back?.transferSyntaxUid, f.name).toBe(f.transferSyntaxUid);
      expect(back?.dataset.equals(stored?.bytes ?? Buffer.alloc(1)), f.name).toBe(true);
    }
  });

  it('movescu to an unknown destination: A801', async () => {
    const r = await run('movescu', [
      '-v',
      '-S',
      ...TIMEOUTS,
      '-aem',
      'NOWHERE',
      '-aec',
      AET,
      '-k',
      'QueryRetrieveLevel=STUDY',
      '-k',
      'StudyInstanceUID=1.2.3',
      '127.0.0.1',
      String(port),
    ]);
    expect(r.output).toMatch(/Received Final Move Response \(Refused: MoveDestinationUnknown\)/);
  });
});
