/**
 * The operators' SCU tools end to end (issue #2): `dicomesh echo|store|find|move|get`, each run as the built
 * launcher (`services/dicomesh/dist/main.js`, so `tsc -b` first) in its own process, against `dicomesh
 * all-in-one` started as a child process on free ports in a temp dir (PGlite, in-process bus), and against
 * DCMTK storescp as a real peer. What each tool prints (one JSON line per event on stdout) and its exit code
 * (0 success, 1 failure status, 2 usage error) are asserted, and the data sets that arrive anywhere (storescp's
 * files, the files `get` writes) are compared byte for byte with the originals (pydicom's real-world files,
 * copied with fresh UIDs).
 */
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parsePart10, UNCOMPRESSED_TRANSFER_SYNTAXES } from '@dicomesh/dicom';
import { createAcceptor } from '@dicomesh/dicom-ul';
import { createDimseScp } from '@dicomesh/dimse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PYDICOM_TEST_FILES,
  REAL_FILES,
  type RunningTool,
  run,
  startStorescp,
  tempDir,
} from '../../../libs/dimse/test/support/dcmtk.js';
import { type AllInOne, startAllInOne } from './support/all-in-one.js';
import { dicomesh, type ToolRun } from './support/run-tool.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PREPARE_REAL_FILES = join(ROOT, 'libs/dimse/test/support/prepare_real_files.py');
const MANY_STUDIES_SCRIPT = join(import.meta.dirname, 'support/many_studies.py');
const SYSTEM_PYTHON = '/usr/bin/python3';

const AE_TITLE = 'DICOMESH';
/** The move destination registered in the AE file. */
const MOVE_AE = 'STORESCP';
/** A storescp the tools store into directly (not registered). */
const DIRECT_AE = 'DIRECTSCP';
const PATIENT_ID = 'SCU-TOOLS';
const MANY_PATIENT_ID = 'SCU-TOOLS-MANY';
/**
 * Studies of MANY_PATIENT_ID: enough that the C-CANCEL sent after the first match reaches the gateway before
 * the last match is sent (measured: 32 to 112 matches are printed before FE00 out of 300).
 */
const MANY_STUDIES = 400;
/**
 * The study `get` retrieves, three SOP classes stored in Explicit VR Little Endian. `dicomesh get` proposes one
 * presentation context per storage SOP class, for only the first 120 of STORAGE_SOP_CLASSES, so today it
 * cannot receive an object stored compressed (the context accepts Explicit VR LE), receives one stored in
 * another uncompressed syntax converted, and cannot receive Comprehensive SR, RT Plan, RT Dose... at all.
 */
const GET_FILES = ['CT_small.dcm', 'waveform_ecg.dcm', 'liver_1frame.dcm'] as const;

/** The window `store --async` proposes in these tests, and the library SCP below agrees to. */
const ASYNC_WINDOW = 4;
/** How long the library SCP holds a response waiting for the next request to arrive. */
const OVERLAP_DEADLINE_MS = 10_000;
/** Uncompressed real-world files (pydicom's), for the library SCP that accepts only those syntaxes. */
const UNCOMPRESSED_FILES = ['CT_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'rtplan.dcm'];

const POLL_MS = 50;

const STATUS_SUCCESS = 0x0000;
const STATUS_PENDING = 0xff00;
const STATUS_CANCEL = 0xfe00;
const STATUS_MOVE_DESTINATION_UNKNOWN = 0xa801;
const STATUS_SUB_OPERATION_FAILURES = 0xb000;
const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';

const eventsNamed = (r: ToolRun, event: string) => r.events.filter((e) => e.event === event);
const finalEvent = (r: ToolRun) => r.events.at(-1);

/** Copies of some REAL_FILES with fresh UIDs, all in one new study of `patientId`: name -> path. */
async function prepareFiles(
  outDir: string,
  patientId: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  await mkdir(outDir, { recursive: true });
  const r = await run(SYSTEM_PYTHON, [PREPARE_REAL_FILES, outDir, patientId, ...names]);
  if (r.code !== 0) throw new Error(`prepare_real_files.py: ${r.output}`);
  return new Map(
    r.output
      .trim()
      .split('\n')
      .map((line) => line.split('\t') as [string, string]),
  );
}

interface DataSetFile {
  readonly sopInstanceUid: string;
  readonly studyInstanceUid?: string;
  readonly transferSyntaxUid: string;
  readonly dataSet: Buffer;
}

/** A Part 10 file's data set bytes (after the meta header) and its UIDs. */
function readDataSetFile(path: string): DataSetFile {
  const bytes = readFileSync(path);
  const split = parsePart10(bytes);
  const sopInstanceUid = split.meta.mediaStorageSopInstanceUid;
  if (!sopInstanceUid) throw new Error(`${path}: no Media Storage SOP Instance UID`);
  return {
    sopInstanceUid,
    transferSyntaxUid: split.transferSyntaxUid,
    dataSet: bytes.subarray(split.dataSetOffset),
  };
}

/** Every Part 10 file of a directory, by SOP Instance UID. */
function dataSetFilesIn(dir: string): Map<string, DataSetFile> {
  const files = readdirSync(dir).map((name) => readDataSetFile(join(dir, name)));
  return new Map(files.map((f) => [f.sopInstanceUid, f]));
}

/** The study all of `prepareFiles`'s copies share (read back with pydicom: the meta header lacks it). */
async function studyOf(path: string): Promise<string> {
  const r = await run(SYSTEM_PYTHON, [
    '-c',
    'import sys, pydicom; print(pydicom.dcmread(sys.argv[1], stop_before_pixels=True).StudyInstanceUID)',
    path,
  ]);
  if (r.code !== 0) throw new Error(`reading the Study Instance UID of ${path}: ${r.output}`);
  return r.output.trim();
}

/** Asserts that `received` holds exactly `originals`' data sets, byte for byte, in their transfer syntaxes. */
function expectSameDataSets(received: Map<string, DataSetFile>, originals: Iterable<string>): void {
  const expected = [...originals].map(readDataSetFile);
  expect([...received.keys()].sort()).toEqual(expected.map((f) => f.sopInstanceUid).sort());
  for (const original of expected) {
    const copy = received.get(original.sopInstanceUid);
    expect(copy?.transferSyntaxUid, original.sopInstanceUid).toBe(original.transferSyntaxUid);
    expect(copy?.dataSet.equals(original.dataSet), `${original.sopInstanceUid}: data set bytes`).toBe(true);
  }
}

describe('dicomesh echo|store|find|move|get against all-in-one and DCMTK storescp', () => {
  const work = tempDir('dicomesh-scu-tools-');
  let moveScp: RunningTool;
  let directScp: RunningTool;
  let archive: AllInOne;
  /** REAL_FILES copied into one study of PATIENT_ID: name -> path. */
  let realFiles: Map<string, string>;
  /** GET_FILES copied into a second study of PATIENT_ID. */
  let getFiles: Map<string, string>;
  let realStudy: string;
  let getStudy: string;
  let storeReal: ToolRun;
  let storeGet: ToolRun;
  let storeMany: ToolRun;
  let storeDirect: ToolRun;

  const address = () => ['127.0.0.1', String(archive.port)];
  /** `dicomesh COMMAND -aec DICOMESH -S OPTIONS... -k QueryRetrieveLevel=STUDY -k KEY...` to the archive. */
  const studyLevel = (
    command: 'find' | 'get' | 'move',
    keys: readonly string[],
    options: readonly string[],
  ) =>
    dicomesh([
      command,
      '-aec',
      AE_TITLE,
      '-S',
      ...options,
      '-k',
      'QueryRetrieveLevel=STUDY',
      ...keys.flatMap((key) => ['-k', key]),
      ...address(),
    ]);
  /** C-GET or C-MOVE of one study. */
  const retrieveStudy = (command: 'get' | 'move', study: string, options: readonly string[]) =>
    studyLevel(command, [`StudyInstanceUID=${study}`], options);
  /** C-FIND of a patient's studies. */
  const findStudiesOf = (patientId: string, options: readonly string[] = []) =>
    studyLevel('find', ['StudyInstanceUID=', `PatientID=${patientId}`], options);

  beforeAll(async () => {
    const moveDir = join(work.path, 'move-scp');
    const directDir = join(work.path, 'direct-scp');
    const manyDir = join(work.path, 'many');
    await Promise.all([mkdir(moveDir), mkdir(directDir), mkdir(manyDir)]);
    moveScp = await startStorescp(MOVE_AE, moveDir);
    directScp = await startStorescp(DIRECT_AE, directDir);
    const aeFile = join(work.path, 'ae.yaml');
    writeFileSync(aeFile, `- aeTitle: ${MOVE_AE}\n  host: 127.0.0.1\n  port: ${moveScp.port}\n`);

    realFiles = await prepareFiles(join(work.path, 'real'), PATIENT_ID, REAL_FILES);
    getFiles = await prepareFiles(join(work.path, 'get-study'), PATIENT_ID, GET_FILES);
    realStudy = await studyOf(realFiles.get('CT_small.dcm') as string);
    getStudy = await studyOf(getFiles.get('CT_small.dcm') as string);
    const many = await run(SYSTEM_PYTHON, [
      MANY_STUDIES_SCRIPT,
      manyDir,
      MANY_PATIENT_ID,
      String(MANY_STUDIES),
    ]);
    if (many.code !== 0) throw new Error(`many_studies.py: ${many.output}`);

    archive = await startAllInOne(join(work.path, 'data'), { DICOMESH_AE_FILE: aeFile });
    const into = ['-aec', AE_TITLE, ...address()];
    storeReal = await dicomesh(['store', ...into, ...realFiles.values()]);
    storeGet = await dicomesh(['store', ...into, ...getFiles.values()]);
    storeMany = await dicomesh([
      'store',
      ...into,
      ...readdirSync(manyDir).map((name) => join(manyDir, name)),
    ]);
    // storescp answers no asynchronous operations window: `--async` then sends one C-STORE at a time.
    storeDirect = await dicomesh([
      'store',
      '--async',
      String(ASYNC_WINDOW),
      '-aec',
      DIRECT_AE,
      '127.0.0.1',
      String(directScp.port),
      ...realFiles.values(),
    ]);
  });

  afterAll(async () => {
    await archive?.stop();
    await moveScp?.stop();
    await directScp?.stop();
    work.remove();
  });

  describe('echo', () => {
    it('C-ECHO to DICOMESH: exit 0 and one JSON line with status 0', async () => {
      const r = await dicomesh(['echo', '-aec', AE_TITLE, ...address()]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.events).toEqual([expect.objectContaining({ event: 'echo', status: STATUS_SUCCESS })]);
    });

    it('a wrong called AE: exit 1 and the rejection named on stderr', async () => {
      const r = await dicomesh(['echo', '-aec', 'NOT-DICOMESH', ...address()]);
      expect(r.code).toBe(1);
      expect(r.events).toEqual([]);
      expect(r.stderr).toMatch(/association rejected/);
      expect(r.stderr).toMatch(/called-AE-title-not-recognized/);
    });

    it('bad arguments: exit 2 naming the problem; an unknown command: exit 2 with the usage text', async () => {
      const option = await dicomesh(['echo', '-zz', ...address()]);
      expect(option.code).toBe(2);
      expect(option.stderr).toMatch(/unknown option -zz/);
      expect(option.stderr).toMatch(
        /^usage: dicomesh echo \[-aet AE\] \[-aec AE\] \[\+tls KEY CERT \| \+tla\] \[\+cf CA\]\.\.\. HOST PORT$/m,
      );
      const noPort = await dicomesh(['echo', '127.0.0.1']);
      expect(noPort.code).toBe(2);
      expect(noPort.stderr).toMatch(/HOST and PORT are required/);
      const badPort = await dicomesh(['echo', '127.0.0.1', 'port']);
      expect(badPort.code).toBe(2);
      expect(badPort.stderr).toMatch(/invalid port port/);
      const command = await dicomesh(['frobnicate']);
      expect(command.code).toBe(2);
      expect(command.stderr).toMatch(/^usage: dicomesh <command>/);
      for (const tool of ['echo', 'store', 'find', 'move', 'get']) {
        expect(command.stderr).toMatch(new RegExp(`^ {2}${tool} +C-${tool.toUpperCase()}:`, 'm'));
      }
    });
  });

  describe('store', () => {
    it(`${REAL_FILES.length} files in ${REAL_FILES.length} syntaxes/classes into all-in-one: one JSON line each, status 0`, () => {
      expect(storeReal.code, storeReal.stderr).toBe(0);
      expect(storeReal.events).toHaveLength(REAL_FILES.length);
      for (const e of storeReal.events) {
        expect(e).toMatchObject({ event: 'store', status: STATUS_SUCCESS });
      }
      const sent = [...realFiles.values()].map((path) => readDataSetFile(path).sopInstanceUid);
      expect(storeReal.events.map((e) => e.sopInstanceUid).sort()).toEqual(sent.sort());
      expect(storeReal.events.map((e) => e.file).sort()).toEqual([...realFiles.values()].sort());
      // The other stores of the setup succeeded too (the later tests read what they stored).
      expect(storeGet.code, storeGet.stderr).toBe(0);
      expect(eventsNamed(storeGet, 'store').every((e) => e.status === STATUS_SUCCESS)).toBe(true);
      expect(storeMany.code, storeMany.stderr).toBe(0);
      expect(eventsNamed(storeMany, 'store')).toHaveLength(MANY_STUDIES);
    });

    it('into DCMTK storescp (+B): the files it writes hold the original data sets byte for byte', () => {
      expect(storeDirect.code, storeDirect.stderr).toBe(0);
      expect(storeDirect.events).toHaveLength(REAL_FILES.length);
      expect(storeDirect.events.every((e) => e.status === STATUS_SUCCESS)).toBe(true);
      expectSameDataSets(dataSetFilesIn(join(work.path, 'direct-scp')), realFiles.values());
    });
  });

  describe('find', () => {
    it('-S -k QueryRetrieveLevel=STUDY -k StudyInstanceUID= -k PatientID=ID: the stored studies', async () => {
      const r = await findStudiesOf(PATIENT_ID);
      expect(r.code, r.stderr).toBe(0);
      const matches = eventsNamed(r, 'match');
      expect(matches.every((m) => m.status === STATUS_PENDING)).toBe(true);
      const identifiers = matches.map((m) => m.identifier as Record<string, unknown>);
      expect(identifiers.map((i) => i.StudyInstanceUID).sort()).toEqual([realStudy, getStudy].sort());
      for (const i of identifiers) {
        expect(i).toMatchObject({ QueryRetrieveLevel: 'STUDY', PatientID: PATIENT_ID });
      }
      expect(finalEvent(r)).toMatchObject({ event: 'find', matches: 2, status: STATUS_SUCCESS });
    });

    it(`--cancel-after 1 on ${MANY_STUDIES} matches: the find ends with FE00, exit 0`, async () => {
      const r = await findStudiesOf(MANY_PATIENT_ID, ['--cancel-after', '1']);
      expect(r.code, r.stderr).toBe(0);
      const matches = eventsNamed(r, 'match');
      expect(matches.length).toBeGreaterThanOrEqual(1);
      expect(matches.length).toBeLessThan(MANY_STUDIES);
      expect(finalEvent(r)).toMatchObject({ event: 'find', matches: matches.length, status: STATUS_CANCEL });
    });
  });

  describe('get', () => {
    it('-S -od DIR -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=UID: the stored data sets, byte for byte', async () => {
      const out = join(work.path, 'get-out');
      const r = await retrieveStudy('get', getStudy, ['-od', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(finalEvent(r)).toMatchObject({
        event: 'get',
        status: STATUS_SUCCESS,
        completed: GET_FILES.length,
        failed: 0,
        warning: 0,
        failedSopInstanceUids: [],
      });
      expect(eventsNamed(r, 'received')).toHaveLength(GET_FILES.length);
      expect(eventsNamed(r, 'progress').at(-1)).toMatchObject({ remaining: 0, completed: GET_FILES.length });
      expectSameDataSets(dataSetFilesIn(out), getFiles.values());
    });
  });

  describe('get: which objects come back', () => {
    const realPaths = (names: readonly string[]) => names.map((name) => realFiles.get(name) as string);
    const getStudyInto = (out: string, options: readonly string[]) =>
      retrieveStudy('get', realStudy, ['-od', out, ...options]);

    it('by default the common non-image classes are offered: SR, RT plan and RT dose come back', async () => {
      const out = join(work.path, 'get-default');
      const r = await getStudyInto(out, []);
      const received = dataSetFilesIn(out);
      const nonImage = realPaths(['test-SR.dcm', 'rtplan.dcm', 'rtdose.dcm', 'waveform_ecg.dcm']);
      // They arrive (an implicit VR one may come back explicit: the archive picked one syntax per class).
      for (const path of nonImage)
        expect(received.has(readDataSetFile(path).sopInstanceUid), path).toBe(true);
      // Objects stored compressed cannot travel in the one syntax the archive picked per class: a warning.
      const final = finalEvent(r);
      expect(final).toMatchObject({ event: 'get', status: STATUS_SUB_OPERATION_FAILURES });
      expect(final.text).toMatch(/Warning \(Sub-operations complete: one or more failures/);
      expect(Number(final.completed) + Number(final.failed)).toBe(REAL_FILES.length);
      expect(r.code).toBe(0);
    });

    it('-cls and -x: each pair its own context, so every MR object comes back in the syntax it was stored in', async () => {
      const out = join(work.path, 'get-mr');
      const mr = [
        'MR_small_RLE.dcm',
        'MR_small_jp2klossless.dcm',
        'MR_small_jpeg_ls_lossless.dcm',
        'MR_small_bigendian.dcm',
        'MR_small_implicit.dcm',
      ];
      const syntaxes = [
        '1.2.840.10008.1.2.5',
        '1.2.840.10008.1.2.4.90',
        '1.2.840.10008.1.2.4.80',
        '1.2.840.10008.1.2.2',
        '1.2.840.10008.1.2',
      ];
      const r = await getStudyInto(out, ['-cls', MR_IMAGE_STORAGE, ...syntaxes.flatMap((ts) => ['-x', ts])]);
      expectSameDataSets(dataSetFilesIn(out), realPaths(mr));
      expect(finalEvent(r)).toMatchObject({
        status: STATUS_SUB_OPERATION_FAILURES,
        completed: mr.length,
        failed: REAL_FILES.length - mr.length,
      });
    });

    it('-cls x -x over 122 contexts, or a -cls that is not a UID: exit 2 with the usage', async () => {
      const tooMany = await getStudyInto(join(work.path, 'get-none'), [
        ...Array.from({ length: 10 }, (_, i) => ['-cls', `1.2.3.${i}`]).flat(),
      ]);
      expect(tooMany.code).toBe(2);
      expect(tooMany.stderr).toMatch(/130 presentation contexts; at most 122/);
      const notUid = await getStudyInto(join(work.path, 'get-none'), ['-cls', 'CT']);
      expect(notUid.code).toBe(2);
      expect(notUid.stderr).toMatch(/-cls CT: not a UID/);
      expect(notUid.stderr).toMatch(/^usage: dicomesh get .*-cls SOPCLASS/m);
    });
  });

  describe('move', () => {
    it('-S -aem STORESCP -k QueryRetrieveLevel=STUDY -k StudyInstanceUID=UID: completed, and the files arrive', async () => {
      const r = await retrieveStudy('move', realStudy, ['-aem', MOVE_AE]);
      expect(r.code, r.stderr).toBe(0);
      expect(finalEvent(r)).toMatchObject({
        event: 'move',
        status: STATUS_SUCCESS,
        completed: REAL_FILES.length,
        failed: 0,
        warning: 0,
        failedSopInstanceUids: [],
      });
      expect(eventsNamed(r, 'progress').at(-1)).toMatchObject({ remaining: 0, completed: REAL_FILES.length });
      expectSameDataSets(dataSetFilesIn(join(work.path, 'move-scp')), realFiles.values());
    });

    it('an unknown destination: A801 in the JSON, exit 1', async () => {
      const r = await retrieveStudy('move', realStudy, ['-aem', 'NOWHERE']);
      expect(r.code).toBe(1);
      expect(finalEvent(r)).toMatchObject({
        event: 'move',
        status: STATUS_MOVE_DESTINATION_UNKNOWN,
        completed: 0,
      });
    });
  });
});

describe('dicomesh store --async N against a library SCP that agrees to the window', () => {
  it('has C-STOREs outstanding at once, and reports every file, in order, with its status', async () => {
    // Each response is held until the next request has arrived (or, for the last, a deadline): without the
    // window the next request never comes while one is held, and the most outstanding stays 1.
    let outstanding = 0;
    let mostOutstanding = 0;
    let received = 0;
    const acceptor = createAcceptor({
      aeTitle: 'ASYNCSCP',
      maxOperationsPerformed: ASYNC_WINDOW,
      transferSyntaxesFor: () => UNCOMPRESSED_TRANSFER_SYNTAXES,
      onAssociation: (association) =>
        createDimseScp(association, {
          handlers: {
            cStore: async (rq) => {
              const index = ++received;
              mostOutstanding = Math.max(mostOutstanding, ++outstanding);
              rq.dataset.resume();
              await once(rq.dataset, 'end');
              const deadline = Date.now() + OVERLAP_DEADLINE_MS;
              while (received === index && index < UNCOMPRESSED_FILES.length && Date.now() < deadline)
                await new Promise((next) => setTimeout(next, POLL_MS));
              outstanding--;
              return { status: STATUS_SUCCESS };
            },
          },
        }),
    });
    const { port } = await acceptor.listen(0, '127.0.0.1');
    try {
      const files = UNCOMPRESSED_FILES.map((name) => join(PYDICOM_TEST_FILES, name));
      const r = await dicomesh([
        'store',
        '--async',
        String(ASYNC_WINDOW),
        '-aec',
        'ASYNCSCP',
        '127.0.0.1',
        String(port),
        ...files,
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.events.map((e) => [e.file, e.status])).toEqual(files.map((f) => [f, STATUS_SUCCESS]));
      expect(received).toBe(files.length);
      expect(mostOutstanding).toBeGreaterThan(1);
    } finally {
      await acceptor.close();
    }
  });

  it('--async 0 or a window beyond 16 bits: exit 2 with the usage', async () => {
    for (const window of ['0', '65536', 'many']) {
      const r = await dicomesh(['store', '--async', window, '127.0.0.1', '1', 'x.dcm']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--async needs a window of 1 to 65535 operations');
    }
  });
});
