/**
 * Backends for the benchmark's `gateway` diagnostic: the real Verification service, and a Storage
 * service that reads every chunk of every Store call and answers Success without writing anything. With
 * `dicomesh gateway` in front, the bench measures the gateway and its gRPC client streams alone (what
 * the storage service costs is the difference to the services topology). Prints
 * `ports VERIFICATION STORAGE` when both listen, and `stored N` (the data sets read to their end) on SIGUSR2. Run with Node 24 (type stripping) after `make build`.
 *
 * usage: node test/bench/discard-backends.ts
 */
import {
  createServer,
  type ServerReadableStream,
  StorageServiceDefinition,
  type StoreRequest,
  type StoreResponse,
  startServer,
} from '@dicomesh/rpc';
import { startVerificationServer } from '@dicomesh/verification';

const LOOPBACK = '127.0.0.1';
const SUCCESS = 0;

const verification = await startVerificationServer({ host: LOOPBACK, port: 0 });
let stored = 0;
const storage = createServer();
storage.addService(StorageServiceDefinition, {
  store: (
    call: ServerReadableStream<StoreRequest, StoreResponse>,
    answer: (error: Error | null, response?: StoreResponse) => void,
  ) => {
    call.on('data', () => undefined);
    call.on('error', (error) => answer(error));
    call.on('end', () => {
      stored++;
      answer(null, { status: SUCCESS, errorComment: '', duplicate: false });
    });
  },
});
const storagePort = await startServer(storage, `${LOOPBACK}:0`);
process.stdout.write(`ports ${verification.port} ${storagePort}\n`);
process.on('SIGUSR2', () => process.stdout.write(`stored ${stored}\n`));
process.on('SIGTERM', () => {
  storage.forceShutdown();
  verification.close().then(() => process.exit(0));
});
