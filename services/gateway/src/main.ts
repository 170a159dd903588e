// The gateway process (`dicomesh gateway` runs the same function).
import { runGateway } from './run-gateway.js';

await runGateway();
