#!/usr/bin/env node
// One-off capture of golden PDUs from DCMTK. Run from the repo root:
//   node_modules/.bin/node libs/dicom-ul/test/golden/capture.mjs
// Starts storescp (DCMTK) on a free port in a temp dir, puts a recording TCP proxy in front of it, runs DCMTK
// SCUs through the proxy, splits each direction's byte stream into PDUs and writes them as .bin files here, with
// golden.json describing each one (scenario, direction, PDU type, length, and what the command line proposed).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const env = { ...process.env, TCP_NODELAY: '1' };
const PDU_NAMES = {
  1: 'associate-rq',
  2: 'associate-ac',
  3: 'associate-rj',
  4: 'p-data-tf',
  5: 'release-rq',
  6: 'release-rp',
  7: 'abort',
};

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const c = createConnection({ port, host: '127.0.0.1' }, () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`port ${port} never opened`);
}

/** A proxy recording [direction, chunk] pairs of each connection. */
async function startProxy(targetPort) {
  const connections = [];
  const server = createServer((client) => {
    const rec = { 'scu-to-scp': [], 'scp-to-scu': [], done: false };
    connections.push(rec);
    const upstream = createConnection({ port: targetPort, host: '127.0.0.1' });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (d) => {
      rec['scu-to-scp'].push(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      rec['scp-to-scu'].push(d);
      client.write(d);
    });
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) rec.done = true;
    };
    client.on('close', () => {
      upstream.end();
      onClose();
    });
    upstream.on('close', () => {
      client.end();
      onClose();
    });
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  const port = await new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(server.address().port)),
  );
  return { port, connections, close: () => server.close() };
}

function splitPdus(chunks) {
  const all = Buffer.concat(chunks);
  const pdus = [];
  let off = 0;
  while (off + 6 <= all.length) {
    const len = all.readUInt32BE(off + 2);
    pdus.push(all.subarray(off, off + 6 + len));
    off += 6 + len;
  }
  return pdus;
}

async function scenario(name, storescpArgs, scu, scuArgs, notes, annotations) {
  const dir = mkdtempSync(join(tmpdir(), 'golden-'));
  const scpPort = await freePort();
  const scp = spawn('storescp', [...storescpArgs, '-od', dir, String(scpPort)], { env, stdio: 'ignore' });
  try {
    await waitForPort(scpPort);
    const proxy = await startProxy(scpPort);
    // Async (never execFileSync here: the proxy lives on this event loop). Rejected scenarios exit non-zero.
    await new Promise((resolve) => {
      spawn(scu, [...scuArgs, '127.0.0.1', String(proxy.port), ...(notes.files ?? [])], {
        env,
        stdio: 'ignore',
      }).on('exit', resolve);
    });
    const deadline = Date.now() + 10000;
    while (!proxy.connections.every((c) => c.done) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    proxy.close();
    const rec = proxy.connections[0];
    let seq = 0;
    for (const direction of ['scu-to-scp', 'scp-to-scu']) {
      for (const pdu of splitPdus(rec[direction])) {
        const file = `${name}.${String(++seq).padStart(2, '0')}.${direction}.${PDU_NAMES[pdu[0]]}.bin`;
        writeFileSync(join(here, file), pdu);
        annotations.push({
          file,
          scenario: name,
          direction,
          pduType: pdu[0],
          length: pdu.length,
          command: `${scu} ${scuArgs.join(' ')}`,
          storescp: `storescp ${storescpArgs.join(' ')}`,
          ...notes.expect,
        });
      }
    }
  } finally {
    scp.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const annotations = [];
for (const f of readdirSync(here)) if (f.endsWith('.bin')) rmSync(join(here, f));
const work = mkdtempSync(join(tmpdir(), 'golden-src-'));
const dump = join(work, 'sc.dump');
writeFileSync(
  dump,
  [
    '(0008,0016) UI =SecondaryCaptureImageStorage',
    '(0008,0018) UI [1.2.826.0.1.3680043.10.1585.99.1]',
    '(0008,0060) CS [OT]',
    '(0010,0010) PN [GOLDEN^PATIENT]',
    '(0010,0020) LO [GOLDEN1]',
    '(0020,000d) UI [1.2.826.0.1.3680043.10.1585.99.2]',
    '(0020,000e) UI [1.2.826.0.1.3680043.10.1585.99.3]',
  ].join('\n'),
);
const dcm = join(work, 'sc.dcm');
execFileSync('dump2dcm', ['+te', '-g', dump, dcm]);

await scenario(
  'echo',
  ['-aet', 'STORESCP'],
  'echoscu',
  ['-aet', 'ECHOSCU', '-aec', 'STORESCP'],
  {
    expect: {
      callingAeTitle: 'ECHOSCU',
      calledAeTitle: 'STORESCP',
      contexts: [
        { id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2'], result: 0 },
      ],
      peerImplementationClassUid: '1.2.276.0.7230010.3.0.3.6.7',
    },
  },
  annotations,
);
await scenario(
  'echo-abort',
  ['-aet', 'STORESCP'],
  'echoscu',
  ['-aet', 'ECHOSCU', '-aec', 'STORESCP', '--abort'],
  { expect: { callingAeTitle: 'ECHOSCU', calledAeTitle: 'STORESCP', abort: { source: 0, reason: 0 } } },
  annotations,
);
await scenario(
  'refused',
  ['-aet', 'STORESCP', '--refuse'],
  'echoscu',
  ['-aet', 'ECHOSCU', '-aec', 'STORESCP'],
  {
    expect: {
      callingAeTitle: 'ECHOSCU',
      calledAeTitle: 'STORESCP',
      reject: { result: 1, source: 1, reason: 1 },
    },
  },
  annotations,
);
await scenario(
  'store-user-identity',
  ['-aet', 'STORESCP'],
  'storescu',
  ['-aet', 'STORESCU', '-aec', 'STORESCP', '-R', '--user', 'alice', '--password', 's3cret'],
  {
    files: [dcm],
    expect: {
      callingAeTitle: 'STORESCU',
      calledAeTitle: 'STORESCP',
      userIdentity: {
        type: 2,
        primaryField: 'alice',
        secondaryField: 's3cret',
        positiveResponseRequested: false,
      },
      contextCount: 2,
    },
  },
  annotations,
);
await scenario(
  'get-role-selection',
  ['-aet', 'STORESCP'],
  'getscu',
  [
    '-aet',
    'GETSCU',
    '-aec',
    'STORESCP',
    '-S',
    '-k',
    'QueryRetrieveLevel=STUDY',
    '-k',
    'StudyInstanceUID=1.2.3',
  ],
  { expect: { callingAeTitle: 'GETSCU', calledAeTitle: 'STORESCP', roleSelectionAllScp: true } },
  annotations,
);
await scenario(
  'echo-many-contexts',
  ['-aet', 'STORESCP'],
  'echoscu',
  ['-aet', 'ECHOSCU', '-aec', 'STORESCP', '-ppc', '128', '-pts', '3'],
  {
    expect: {
      callingAeTitle: 'ECHOSCU',
      calledAeTitle: 'STORESCP',
      contextCount: 128,
      transferSyntaxesPerContext: 3,
    },
  },
  annotations,
);
rmSync(work, { recursive: true, force: true });
writeFileSync(
  join(here, 'golden.json'),
  `${JSON.stringify({ dcmtk: execFileSync('storescp', ['--version'], { env }).toString().split('\n')[0], pdus: annotations }, null, 2)}\n`,
);
console.log(`${annotations.length} PDUs captured`);
