export { runVerification } from './run-verification.js';
export {
  startVerificationServer,
  VERIFICATION_SERVICE,
  type VerificationServerHandle,
  type VerificationServerOptions,
} from './server.js';
export {
  createVerificationService,
  ECHO_SUCCESS,
  type VerificationServiceOptions,
} from './verification-service.js';
