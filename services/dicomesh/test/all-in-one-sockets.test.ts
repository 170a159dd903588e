/**
 * all-in-one's backends listen on Unix sockets in a directory only its user can open: the process listens on TCP
 * for DICOM alone (no health or metrics port asked for here), so no local process can reach storage or retrieve
 * past the gateway; every DIMSE service still answers through them; the directory goes with the process, also
 * when its start fails after the directory was made.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, tempDir } from '../../../libs/dimse/test/support/dcmtk.js';
import { ALL_IN_ONE_AE_TITLE, type AllInOne, startAllInOne } from './support/all-in-one.js';
import { serviceExit } from './support/service-exit.js';

const CT_SMALL = '/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm';
const CT_SMALL_STUDY = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';
/** A TCP socket's state in /proc/net/tcp: LISTEN. */
const TCP_LISTEN = '0A';
const OWNER_ONLY = 0o700;

/** The TCP ports process `pid` listens on: its socket inodes matched in /proc/net/tcp and tcp6. */
function listeningTcpPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`)
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        } catch {
          return undefined; // closed meanwhile
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [localAddress, state, inode] = [fields[1], fields[3], fields[9]];
      if (state === TCP_LISTEN && inode !== undefined && inodes.has(inode) && localAddress !== undefined)
        ports.push(Number.parseInt(localAddress.split(':')[1] as string, 16));
    }
  }
  return ports.sort((a, b) => a - b);
}

let removeDir: () => void;
let archive: AllInOne;

beforeAll(async () => {
  const dir = tempDir('dicomesh-all-in-one-sockets-');
  removeDir = dir.remove;
  archive = await startAllInOne(`${dir.path}/data`);
});

afterAll(async () => {
  await archive?.stop();
  removeDir();
});

/** The backends' socket directory, from the verification server's start line. */
function socketDir(): string {
  const socket = /"verification server listening","socket":"unix:([^"]+)"/.exec(archive.output())?.[1];
  if (socket === undefined) throw new Error(`no socket in the log: ${archive.output().slice(-2000)}`);
  return dirname(socket);
}

describe('all-in-one with its backends on Unix sockets', () => {
  it('listens on TCP for DICOM only', () => {
    expect(listeningTcpPorts(archive.child.pid as number)).toEqual([archive.port]);
  });

  it('keeps the sockets in a directory only its user can open', () => {
    const dir = socketDir();
    expect(statSync(dir).mode & 0o777).toBe(OWNER_ONLY);
    expect(readdirSync(dir).sort()).toEqual([
      'query.sock',
      'retrieve.sock',
      'storage.sock',
      'verification.sock',
    ]);
  });

  it('answers C-ECHO, C-STORE, C-FIND and C-GET through them', async () => {
    const peer = ['-aec', ALL_IN_ONE_AE_TITLE, '127.0.0.1', String(archive.port)];
    expect((await run('echoscu', peer)).code).toBe(0);
    expect((await run('storescu', [...peer, CT_SMALL])).code).toBe(0);
    const study = ['-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${CT_SMALL_STUDY}`];
    const found = await run('findscu', ['-v', '-S', ...study, ...peer]);
    expect(found.output).toMatch(/Find Response: 1 \(Pending\)/);
    const out = tempDir('dicomesh-all-in-one-get-');
    try {
      const got = await run('getscu', ['-S', '-od', out.path, ...study, ...peer]);
      expect(got.code).toBe(0);
      expect(readdirSync(out.path)).toHaveLength(1);
    } finally {
      out.remove();
    }
  });

  it('removes the directory when it stops', async () => {
    const dir = socketDir();
    await archive.stop();
    expect(existsSync(dir)).toBe(false);
  });
});

describe('all-in-one whose start fails once its backends listen', () => {
  it('leaves no socket directory behind (its DICOM port is taken)', async () => {
    const dir = tempDir('dicomesh-all-in-one-failed-start-');
    const taken = createServer();
    await new Promise<void>((listening) => taken.listen(0, '127.0.0.1', listening));
    try {
      const tmp = join(dir.path, 'tmp');
      mkdirSync(tmp);
      const exit = await serviceExit('all-in-one', {
        TMPDIR: tmp,
        DICOMESH_DATA_DIR: join(dir.path, 'data'),
        DICOMESH_DICOM_HOST: '127.0.0.1',
        DICOMESH_DICOM_PORT: String((taken.address() as { port: number }).port),
      });
      expect(exit.code).not.toBe(0);
      expect(exit.output).toMatch(/EADDRINUSE/);
      expect(exit.output).toMatch(/verification server listening/);
      expect(readdirSync(tmp).filter((name) => name.startsWith('dicomesh-backends-'))).toEqual([]);
    } finally {
      taken.close();
      dir.remove();
    }
  });
});
