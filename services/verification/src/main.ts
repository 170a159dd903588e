// The verification service process (`dicomesh verification` runs the same function).
import { runVerification } from './run-verification.js';

await runVerification();
