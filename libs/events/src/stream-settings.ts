/** Settings of the DICOMESH stream shared by JetStream and the in-process bus. */

/** A second message with the same `Nats-Msg-Id` within this window is dropped. */
export const DUPLICATE_WINDOW_MS = 120_000;
