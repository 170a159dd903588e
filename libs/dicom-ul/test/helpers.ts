/** Test helpers: free ports, DCMTK processes, polling with a deadline (never sleeping), hand-built C-ECHO. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Association, PresentationDataValue, UlLogger } from '@dicomesh/dicom-ul';
import { freePort } from '../../../test/support/free-port.js';

export const VERIFICATION = '1.2.840.10008.1.1';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export { freePort };

/** Poll `condition` on every timer tick until true, or fail after the deadline. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Tool {
  readonly process: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

export function runTool(cmd: string, args: readonly string[]): Tool {
  const child = spawn(cmd, args, {
    env: { ...process.env, TCP_NODELAY: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, output: () => out, exited };
}

/** Start storescp on a free port in a temp dir; resolves once it accepts TCP connections. */
export async function startStorescp(
  args: readonly string[] = [],
): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dicom-ul-storescp-'));
  const tool = runTool('storescp', ['-aet', 'STORESCP', ...args, '-od', dir, String(port)]);
  await waitForPort(port);
  return {
    port,
    stop: async () => {
      tool.process.kill();
      await tool.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' }, () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

/** Poll until something listens on the port (a process we started), with a deadline. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Connect a raw socket and collect everything it receives. */
export async function rawConnect(
  port: number,
): Promise<{ socket: Socket; received: () => Buffer; closed: () => boolean }> {
  const chunks: Buffer[] = [];
  let closed = false;
  const socket = createConnection({ port, host: '127.0.0.1', noDelay: true });
  socket.on('data', (d) => chunks.push(d));
  socket.on('error', () => {});
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed: () => closed };
}

// ---- a hand-built C-ECHO (command sets are Implicit VR Little Endian; DIMSE proper is another package) ----

function element(group: number, elementNo: number, value: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(elementNo, 2);
  h.writeUInt32LE(value.length, 4);
  return Buffer.concat([h, value]);
}
function us(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v, 0);
  return b;
}
function uid(v: string): Buffer {
  return Buffer.from(v.length % 2 ? `${v}\0` : v, 'latin1');
}
function commandSet(elements: Buffer[]): Buffer {
  const body = Buffer.concat(elements);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length, 0);
  return Buffer.concat([element(0, 0, length), body]);
}

export function cEchoRq(messageId: number): Buffer {
  return commandSet([
    element(0, 0x0002, uid(VERIFICATION)),
    element(0, 0x0100, us(0x0030)),
    element(0, 0x0110, us(messageId)),
    element(0, 0x0800, us(0x0101)),
  ]);
}

export function cEchoRsp(messageId: number, status = 0): Buffer {
  return commandSet([
    element(0, 0x0002, uid(VERIFICATION)),
    element(0, 0x0100, us(0x8030)),
    element(0, 0x0120, us(messageId)),
    element(0, 0x0800, us(0x0101)),
    element(0, 0x0900, us(status)),
  ]);
}

/** Read US elements of an Implicit VR LE command set: element number -> value. */
export function commandFields(data: Buffer): Map<number, number> {
  const fields = new Map<number, number>();
  for (let off = 0; off + 8 <= data.length; ) {
    const el = data.readUInt16LE(off + 2);
    const len = data.readUInt32LE(off + 4);
    if (len === 2) fields.set(el, data.readUInt16LE(off + 8));
    off += 8 + len;
  }
  return fields;
}

/** Answer every C-ECHO-RQ on this association with success. */
export function answerEchoes(association: Association): void {
  association.on('pdata', (pdvs: readonly PresentationDataValue[]) => {
    for (const pdv of pdvs) {
      const fields = commandFields(pdv.data);
      if (pdv.isCommand && pdv.isLast && fields.get(0x0100) === 0x0030) {
        void association
          .sendPData([
            {
              contextId: pdv.contextId,
              isCommand: true,
              isLast: true,
              data: cEchoRsp(fields.get(0x0110) ?? 0),
            },
          ])
          .catch(() => {});
      }
    }
  });
}

/** Collects log lines; lets a test assert nothing went to 'error'. */
export function memoryLogger(): UlLogger & {
  lines: { level: string; msg: string; fields?: Record<string, unknown> }[];
} {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  return {
    lines,
    log(level, msg, fields) {
      lines.push({ level, msg, ...(fields ? { fields: { ...fields } } : {}) });
    },
  };
}

// ---- a minimal Part 10 file (explicit VR little endian) for storescu, and a hand-built C-STORE-RSP ----

function explicit(group: number, elementNo: number, vr: string, value: Buffer): Buffer {
  const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(elementNo, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(value.length, 8);
  else h.writeUInt16LE(value.length, 6);
  return Buffer.concat([h, value]);
}
function text(v: string): Buffer {
  return Buffer.from(v.length % 2 ? `${v} ` : v, 'latin1');
}

/** A Secondary Capture object with rows x columns of 16-bit pixels: a large data set for real fragmentation. */
export function secondaryCapture(sopInstanceUid: string, rows: number, columns: number): Buffer {
  const sc = '1.2.840.10008.5.1.4.1.1.7';
  const pixels = Buffer.alloc(rows * columns * 2);
  for (let i = 0; i < pixels.length; i += 2) pixels.writeUInt16LE((i / 2) % 65536, i);
  const meta = Buffer.concat([
    explicit(2, 0x0001, 'OB', Buffer.from([0, 1])),
    explicit(2, 0x0002, 'UI', uid(sc)),
    explicit(2, 0x0003, 'UI', uid(sopInstanceUid)),
    explicit(2, 0x0010, 'UI', uid(EXPLICIT_LE)),
    explicit(2, 0x0012, 'UI', uid('1.2.3.4')),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length, 0);
  const u16 = (v: number) => us(v);
  const dataset = Buffer.concat([
    explicit(0x0008, 0x0016, 'UI', uid(sc)),
    explicit(0x0008, 0x0018, 'UI', uid(sopInstanceUid)),
    explicit(0x0008, 0x0060, 'CS', text('OT')),
    explicit(0x0010, 0x0010, 'PN', text('TEST^PATIENT')),
    explicit(0x0010, 0x0020, 'LO', text('ID1')),
    explicit(0x0020, 0x000d, 'UI', uid('1.2.826.0.1.3680043.10.1585.99.2')),
    explicit(0x0020, 0x000e, 'UI', uid('1.2.826.0.1.3680043.10.1585.99.3')),
    explicit(0x0028, 0x0002, 'US', u16(1)),
    explicit(0x0028, 0x0004, 'CS', text('MONOCHROME2')),
    explicit(0x0028, 0x0010, 'US', u16(rows)),
    explicit(0x0028, 0x0011, 'US', u16(columns)),
    explicit(0x0028, 0x0100, 'US', u16(16)),
    explicit(0x0028, 0x0101, 'US', u16(16)),
    explicit(0x0028, 0x0102, 'US', u16(15)),
    explicit(0x0028, 0x0103, 'US', u16(0)),
    explicit(0x7fe0, 0x0010, 'OW', pixels),
  ]);
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM'),
    explicit(2, 0, 'UL', groupLength),
    meta,
    dataset,
  ]);
}

/** Read UI elements of an Implicit VR LE command set: element number -> value. */
export function commandUids(data: Buffer): Map<number, string> {
  const uids = new Map<number, string>();
  for (let off = 0; off + 8 <= data.length; ) {
    const el = data.readUInt16LE(off + 2);
    const len = data.readUInt32LE(off + 4);
    if (el === 0x0002 || el === 0x1000)
      uids.set(el, data.toString('latin1', off + 8, off + 8 + len).replace(/\0+$/, ''));
    off += 8 + len;
  }
  return uids;
}

export function cStoreRsp(
  messageId: number,
  sopClassUid: string,
  sopInstanceUid: string,
  status = 0,
): Buffer {
  return commandSet([
    element(0, 0x0002, uid(sopClassUid)),
    element(0, 0x0100, us(0x8001)),
    element(0, 0x0120, us(messageId)),
    element(0, 0x0800, us(0x0101)),
    element(0, 0x0900, us(status)),
    element(0, 0x1000, uid(sopInstanceUid)),
  ]);
}
