/**
 * The DICOM Upper Layer protocol state machine (PS3.8 9.2): states Sta1-Sta13, events Evt1-Evt19, actions
 * AE-1..8, DT-1..2, AR-1..10, AA-1..8, and the state transition table (PS3.8 Table 9-10) as data.
 * Actions do their work through an UpperLayerProvider (sockets, timers, indications to the local user), so
 * the machine can be tested one state at a time with a fake provider.
 */
import { AbortReason, AbortSource } from './abort-codes.js';
import type { AssociationEndReason } from './association-api.js';
import type { PduDecodeError } from './errors.js';
import type { AbortPdu, AssociateAcPdu, AssociateRjPdu, AssociateRqPdu, PDataTfPdu, Pdu } from './pdu.js';
import { PduType } from './pdu-type.js';

export const STATES = [
  'Sta1',
  'Sta2',
  'Sta3',
  'Sta4',
  'Sta5',
  'Sta6',
  'Sta7',
  'Sta8',
  'Sta9',
  'Sta10',
  'Sta11',
  'Sta12',
  'Sta13',
] as const;
export type State = (typeof STATES)[number];

/** PS3.8 Table 9-10 state names. */
export const STATE_DESCRIPTIONS: Readonly<Record<State, string>> = {
  Sta1: 'Idle',
  Sta2: 'Transport connection open (awaiting A-ASSOCIATE-RQ PDU)',
  Sta3: 'Awaiting local A-ASSOCIATE response primitive',
  Sta4: 'Awaiting transport connection opening to complete',
  Sta5: 'Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU',
  Sta6: 'Association established and ready for data transfer',
  Sta7: 'Awaiting A-RELEASE-RP PDU',
  Sta8: 'Awaiting local A-RELEASE response primitive',
  Sta9: 'Release collision requestor side; awaiting A-RELEASE response primitive',
  Sta10: 'Release collision acceptor side; awaiting A-RELEASE-RP PDU',
  Sta11: 'Release collision requestor side; awaiting A-RELEASE-RP PDU',
  Sta12: 'Release collision acceptor side; awaiting A-RELEASE response primitive',
  Sta13: 'Awaiting transport connection close indication (association no longer exists)',
};

export const EVENTS = [
  'Evt1',
  'Evt2',
  'Evt3',
  'Evt4',
  'Evt5',
  'Evt6',
  'Evt7',
  'Evt8',
  'Evt9',
  'Evt10',
  'Evt11',
  'Evt12',
  'Evt13',
  'Evt14',
  'Evt15',
  'Evt16',
  'Evt17',
  'Evt18',
  'Evt19',
] as const;
export type UlEventName = (typeof EVENTS)[number];

export const EVENT_DESCRIPTIONS: Readonly<Record<UlEventName, string>> = {
  Evt1: 'A-ASSOCIATE request (local user)',
  Evt2: 'Transport connect confirmation (local transport service)',
  Evt3: 'A-ASSOCIATE-AC PDU (received on transport connection)',
  Evt4: 'A-ASSOCIATE-RJ PDU (received on transport connection)',
  Evt5: 'Transport connection indication (local transport service)',
  Evt6: 'A-ASSOCIATE-RQ PDU (received on transport connection)',
  Evt7: 'A-ASSOCIATE response primitive (accept)',
  Evt8: 'A-ASSOCIATE response primitive (reject)',
  Evt9: 'P-DATA request primitive',
  Evt10: 'P-DATA-TF PDU',
  Evt11: 'A-RELEASE request primitive',
  Evt12: 'A-RELEASE-RQ PDU (received on open transport connection)',
  Evt13: 'A-RELEASE-RP PDU (received on transport connection)',
  Evt14: 'A-RELEASE response primitive',
  Evt15: 'A-ABORT request primitive',
  Evt16: 'A-ABORT PDU (received on open transport connection)',
  Evt17: 'Transport connection closed indication (local transport service)',
  Evt18: 'ARTIM timer expired (association reject/release timer)',
  Evt19: 'Unrecognized or invalid PDU received',
};

/** An event with its payload. */
export type UlEvent =
  | { readonly name: 'Evt1' }
  | { readonly name: 'Evt2' }
  | { readonly name: 'Evt3'; readonly pdu: AssociateAcPdu }
  | { readonly name: 'Evt4'; readonly pdu: AssociateRjPdu }
  | { readonly name: 'Evt5' }
  | { readonly name: 'Evt6'; readonly pdu: AssociateRqPdu }
  | { readonly name: 'Evt7'; readonly pdu: AssociateAcPdu }
  | { readonly name: 'Evt8'; readonly pdu: AssociateRjPdu }
  | {
      readonly name: 'Evt9';
      readonly pdu: PDataTfPdu;
      readonly onSent?: (error?: Error) => void;
      /** Call onSent only once the bytes are written to the transport, not when the socket has taken them. */
      readonly untilWritten?: boolean;
    }
  | { readonly name: 'Evt10'; readonly pdu: PDataTfPdu }
  | { readonly name: 'Evt11' }
  | { readonly name: 'Evt12' }
  | { readonly name: 'Evt13' }
  | { readonly name: 'Evt14' }
  | { readonly name: 'Evt15'; readonly source: number; readonly reason: number }
  | { readonly name: 'Evt16'; readonly pdu: AbortPdu }
  | { readonly name: 'Evt17'; readonly error?: Error }
  | { readonly name: 'Evt18' }
  | { readonly name: 'Evt19'; readonly error: PduDecodeError };

/** The event a received PDU raises (PS3.8 Table 9-10 rows Evt3/4/6/10/12/13/16). */
export function eventForPdu(pdu: Pdu): UlEvent {
  switch (pdu.type) {
    case PduType.AssociateRq:
      return { name: 'Evt6', pdu };
    case PduType.AssociateAc:
      return { name: 'Evt3', pdu };
    case PduType.AssociateRj:
      return { name: 'Evt4', pdu };
    case PduType.PDataTf:
      return { name: 'Evt10', pdu };
    case PduType.ReleaseRq:
      return { name: 'Evt12' };
    case PduType.ReleaseRp:
      return { name: 'Evt13' };
    case PduType.Abort:
      return { name: 'Evt16', pdu };
  }
}

/**
 * What the actions need from the connection: transport, ARTIM, and the primitives it issues to the local user
 * (indications and confirmations). Implemented by UpperLayerConnection; faked in tests.
 */
export interface UpperLayerProvider {
  readonly isRequestor: boolean;
  /** AE-1: open the TCP connection; its outcome arrives as Evt2 or Evt17. */
  connectTransport(): void;
  /** The A-ASSOCIATE-RQ this requestor sends in AE-2. */
  associateRequest(): AssociateRqPdu;
  /** onSent: when the socket has taken the bytes (or, untilWritten, once they are written to it). */
  sendPdu(pdu: Pdu, onSent?: (error?: Error) => void, untilWritten?: boolean): void;
  closeTransport(): void;
  startArtim(): void;
  stopArtim(): void;
  /** AE-6: an A-ASSOCIATE-RJ if the provider itself cannot accept the RQ (protocol version), else undefined. */
  providerRejection(rq: AssociateRqPdu): AssociateRjPdu | undefined;
  /** AE-6: A-ASSOCIATE indication; the user answers later with Evt7 or Evt8. */
  associateIndication(rq: AssociateRqPdu): void;
  /** AE-3 (requestor) and AE-7 (acceptor): the association is established. */
  associationEstablished(ac: AssociateAcPdu): void;
  /** AE-4: A-ASSOCIATE confirmation (reject). */
  associateRejected(rj: AssociateRjPdu): void;
  /** DT-2, AR-6: P-DATA indication. */
  pdataIndication(pdu: PDataTfPdu): void;
  /** AR-2, AR-8: A-RELEASE indication; the user answers with Evt14. */
  releaseIndication(collision: boolean): void;
  /** AR-3, AR-10: A-RELEASE confirmation. */
  releaseConfirmation(): void;
  /**
   * The association is over for the local user (A-ABORT or A-P-ABORT indication, release, transport loss).
   * Called at most once per meaningful end; later calls are ignored by the provider.
   */
  associationEnded(
    reason: AssociationEndReason,
    detail: { abortSource?: number; abortReason?: number; error?: Error },
  ): void;
}

export const ACTIONS = [
  'AE-1',
  'AE-2',
  'AE-3',
  'AE-4',
  'AE-5',
  'AE-6',
  'AE-7',
  'AE-8',
  'DT-1',
  'DT-2',
  'AR-1',
  'AR-2',
  'AR-3',
  'AR-4',
  'AR-5',
  'AR-6',
  'AR-7',
  'AR-8',
  'AR-9',
  'AR-10',
  'AA-1',
  'AA-2',
  'AA-3',
  'AA-4',
  'AA-5',
  'AA-6',
  'AA-7',
  'AA-8',
] as const;
export type ActionName = (typeof ACTIONS)[number];

export type Action = (p: UpperLayerProvider, event: UlEvent) => State;

/** A-ABORT source and reason for an abort the provider sends because of this event (PS3.8 Table 9-26). */
function providerAbort(event: UlEvent): { source: number; reason: number; error?: Error } {
  if (event.name === 'Evt15') return { source: event.source, reason: event.reason };
  if (event.name === 'Evt19')
    return { source: AbortSource.ServiceProvider, reason: event.error.abortReason, error: event.error };
  return {
    source: AbortSource.ServiceProvider,
    reason: AbortReason.UnexpectedPdu,
    error: new Error(`unexpected PDU: ${EVENT_DESCRIPTIONS[event.name]}`),
  };
}

function abortPdu(source: number, reason: number): AbortPdu {
  return { type: PduType.Abort, source, reason };
}

export const ACTION_TABLE: Readonly<Record<ActionName, Action>> = {
  /** AE-1 (Evt1 in Sta1): issue TRANSPORT CONNECT request. Next: Sta4. */
  'AE-1': (p) => {
    p.connectTransport();
    return 'Sta4';
  },
  /** AE-2 (Evt2 in Sta4): send A-ASSOCIATE-RQ PDU. Next: Sta5. */
  'AE-2': (p) => {
    p.sendPdu(p.associateRequest());
    return 'Sta5';
  },
  /** AE-3 (Evt3 in Sta5): issue A-ASSOCIATE confirmation (accept). Next: Sta6. */
  'AE-3': (p, e) => {
    if (e.name === 'Evt3') p.associationEstablished(e.pdu);
    return 'Sta6';
  },
  /** AE-4 (Evt4 in Sta5): issue A-ASSOCIATE confirmation (reject), close transport. Next: Sta1. */
  'AE-4': (p, e) => {
    if (e.name === 'Evt4') p.associateRejected(e.pdu);
    p.closeTransport();
    return 'Sta1';
  },
  /** AE-5 (Evt5 in Sta1): issue transport connection response, start ARTIM. Next: Sta2. */
  'AE-5': (p) => {
    p.startArtim();
    return 'Sta2';
  },
  /**
   * AE-6 (Evt6 in Sta2): stop ARTIM; if the provider accepts the RQ, issue A-ASSOCIATE indication (next: Sta3),
   * otherwise send A-ASSOCIATE-RJ and start ARTIM (next: Sta13).
   */
  'AE-6': (p, e) => {
    p.stopArtim();
    if (e.name !== 'Evt6') return 'Sta2';
    const rejection = p.providerRejection(e.pdu);
    if (rejection) {
      p.sendPdu(rejection);
      p.startArtim();
      return 'Sta13';
    }
    p.associateIndication(e.pdu);
    return 'Sta3';
  },
  /** AE-7 (Evt7 in Sta3): send A-ASSOCIATE-AC PDU. Next: Sta6. */
  'AE-7': (p, e) => {
    if (e.name === 'Evt7') {
      p.sendPdu(e.pdu);
      p.associationEstablished(e.pdu);
    }
    return 'Sta6';
  },
  /** AE-8 (Evt8 in Sta3): send A-ASSOCIATE-RJ PDU, start ARTIM. Next: Sta13. */
  'AE-8': (p, e) => {
    if (e.name === 'Evt8') p.sendPdu(e.pdu);
    p.startArtim();
    return 'Sta13';
  },
  /** DT-1 (Evt9 in Sta6): send P-DATA-TF PDU. Next: Sta6. */
  'DT-1': (p, e) => {
    if (e.name === 'Evt9') p.sendPdu(e.pdu, e.onSent, e.untilWritten);
    return 'Sta6';
  },
  /** DT-2 (Evt10 in Sta6): issue P-DATA indication. Next: Sta6. */
  'DT-2': (p, e) => {
    if (e.name === 'Evt10') p.pdataIndication(e.pdu);
    return 'Sta6';
  },
  /** AR-1 (Evt11 in Sta6): send A-RELEASE-RQ PDU. Next: Sta7. */
  'AR-1': (p) => {
    p.sendPdu({ type: PduType.ReleaseRq });
    return 'Sta7';
  },
  /** AR-2 (Evt12 in Sta6): issue A-RELEASE indication. Next: Sta8. */
  'AR-2': (p) => {
    p.releaseIndication(false);
    return 'Sta8';
  },
  /** AR-3 (Evt13 in Sta7 or Sta11): issue A-RELEASE confirmation, close transport. Next: Sta1. */
  'AR-3': (p) => {
    p.releaseConfirmation();
    p.associationEnded('released', {});
    p.closeTransport();
    return 'Sta1';
  },
  /** AR-4 (Evt14 in Sta8 or Sta12): send A-RELEASE-RP PDU, start ARTIM. Next: Sta13. */
  'AR-4': (p) => {
    p.sendPdu({ type: PduType.ReleaseRp });
    p.associationEnded('released', {});
    p.startArtim();
    return 'Sta13';
  },
  /** AR-5 (Evt17 in Sta13): stop ARTIM. Next: Sta1. */
  'AR-5': (p) => {
    p.stopArtim();
    p.associationEnded('transport-closed', {});
    return 'Sta1';
  },
  /** AR-6 (Evt10 in Sta7): issue P-DATA indication. Next: Sta7. */
  'AR-6': (p, e) => {
    if (e.name === 'Evt10') p.pdataIndication(e.pdu);
    return 'Sta7';
  },
  /** AR-7 (Evt9 in Sta8): send P-DATA-TF PDU. Next: Sta8. */
  'AR-7': (p, e) => {
    if (e.name === 'Evt9') p.sendPdu(e.pdu, e.onSent, e.untilWritten);
    return 'Sta8';
  },
  /** AR-8 (Evt12 in Sta7): release collision; issue A-RELEASE indication. Next: Sta9 (requestor) or Sta10 (acceptor). */
  'AR-8': (p) => {
    p.releaseIndication(true);
    return p.isRequestor ? 'Sta9' : 'Sta10';
  },
  /** AR-9 (Evt14 in Sta9): send A-RELEASE-RP PDU. Next: Sta11. */
  'AR-9': (p) => {
    p.sendPdu({ type: PduType.ReleaseRp });
    return 'Sta11';
  },
  /** AR-10 (Evt13 in Sta10): issue A-RELEASE confirmation. Next: Sta12. */
  'AR-10': (p) => {
    p.releaseConfirmation();
    return 'Sta12';
  },
  /**
   * AA-1 (Evt15 in Sta3, Sta5-Sta12; an unexpected or invalid PDU in Sta2): send A-ABORT PDU, (re)start ARTIM.
   * Next: Sta13. Source is the user's for Evt15; for a bad PDU in Sta2 it is the provider (2) with the
   * Table 9-26 reason, which is what the peer needs to diagnose it.
   */
  'AA-1': (p, e) => {
    const { source, reason, error } = providerAbort(e);
    p.sendPdu(abortPdu(source, reason));
    p.associationEnded(e.name === 'Evt15' ? 'aborted-by-us' : 'protocol-error', {
      abortSource: source,
      abortReason: reason,
      ...(error ? { error } : {}),
    });
    p.startArtim();
    return 'Sta13';
  },
  /** AA-2 (Evt16 in Sta2/Sta13, Evt18 in Sta2/Sta13, Evt15 in Sta4): stop ARTIM, close transport. Next: Sta1. */
  'AA-2': (p, e) => {
    p.stopArtim();
    if (e.name === 'Evt18') p.associationEnded('artim-expired', {});
    else if (e.name === 'Evt16') {
      p.associationEnded('aborted-by-peer', { abortSource: e.pdu.source, abortReason: e.pdu.reason });
    } else if (e.name === 'Evt15')
      p.associationEnded('aborted-by-us', { abortSource: e.source, abortReason: e.reason });
    p.closeTransport();
    return 'Sta1';
  },
  /** AA-3 (Evt16 in Sta3, Sta5-Sta12): issue A-ABORT (user source) or A-P-ABORT indication, close transport. Next: Sta1. */
  'AA-3': (p, e) => {
    if (e.name === 'Evt16') {
      p.associationEnded('aborted-by-peer', { abortSource: e.pdu.source, abortReason: e.pdu.reason });
    }
    p.closeTransport();
    return 'Sta1';
  },
  /** AA-4 (Evt17 in Sta3-Sta12): issue A-P-ABORT indication. Next: Sta1. */
  'AA-4': (p, e) => {
    p.associationEnded('transport-closed', e.name === 'Evt17' && e.error ? { error: e.error } : {});
    p.closeTransport();
    return 'Sta1';
  },
  /** AA-5 (Evt17 in Sta2): stop ARTIM. Next: Sta1. */
  'AA-5': (p) => {
    p.stopArtim();
    p.associationEnded('transport-closed', {});
    return 'Sta1';
  },
  /** AA-6 (Evt3/4/10/12/13 in Sta13): ignore the PDU. Next: Sta13. */
  'AA-6': () => 'Sta13',
  /** AA-7 (Evt6 or Evt19 in Sta13): send A-ABORT PDU. Next: Sta13. */
  'AA-7': (p, e) => {
    const { source, reason } = providerAbort(e);
    p.sendPdu(abortPdu(source, reason));
    return 'Sta13';
  },
  /**
   * AA-8 (unexpected or invalid PDU in Sta3, Sta5-Sta12): send A-ABORT PDU (provider source), issue A-P-ABORT
   * indication, start ARTIM. Next: Sta13.
   */
  'AA-8': (p, e) => {
    const { source, reason, error } = providerAbort(e);
    p.sendPdu(abortPdu(source, reason));
    p.associationEnded('protocol-error', {
      abortSource: source,
      abortReason: reason,
      ...(error ? { error } : {}),
    });
    p.startArtim();
    return 'Sta13';
  },
};

/** PS3.8 Table 9-10: the action for each (state, event) pair that has one. */
export const TRANSITIONS: Readonly<Record<State, Readonly<Partial<Record<UlEventName, ActionName>>>>> = {
  Sta1: { Evt1: 'AE-1', Evt5: 'AE-5' },
  Sta2: {
    Evt3: 'AA-1',
    Evt4: 'AA-1',
    Evt6: 'AE-6',
    Evt10: 'AA-1',
    Evt12: 'AA-1',
    Evt13: 'AA-1',
    Evt16: 'AA-2',
    Evt17: 'AA-5',
    Evt18: 'AA-2',
    Evt19: 'AA-1',
  },
  Sta3: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt7: 'AE-7',
    Evt8: 'AE-8',
    Evt10: 'AA-8',
    Evt12: 'AA-8',
    Evt13: 'AA-8',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta4: { Evt2: 'AE-2', Evt15: 'AA-2', Evt17: 'AA-4' },
  Sta5: {
    Evt3: 'AE-3',
    Evt4: 'AE-4',
    Evt6: 'AA-8',
    Evt10: 'AA-8',
    Evt12: 'AA-8',
    Evt13: 'AA-8',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta6: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt9: 'DT-1',
    Evt10: 'DT-2',
    Evt11: 'AR-1',
    Evt12: 'AR-2',
    Evt13: 'AA-8',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta7: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt10: 'AR-6',
    Evt12: 'AR-8',
    Evt13: 'AR-3',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta8: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt9: 'AR-7',
    Evt10: 'AA-8',
    Evt12: 'AA-8',
    Evt13: 'AA-8',
    Evt14: 'AR-4',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta9: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt10: 'AA-8',
    Evt12: 'AA-8',
    Evt13: 'AA-8',
    Evt14: 'AR-9',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta10: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt10: 'AA-8',
    Evt12: 'AA-8',
    Evt13: 'AR-10',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta11: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt10: 'AA-8',
    Evt12: 'AA-8',
    Evt13: 'AR-3',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta12: {
    Evt3: 'AA-8',
    Evt4: 'AA-8',
    Evt6: 'AA-8',
    Evt10: 'AA-8',
    Evt12: 'AA-8',
    Evt13: 'AA-8',
    Evt14: 'AR-4',
    Evt15: 'AA-1',
    Evt16: 'AA-3',
    Evt17: 'AA-4',
    Evt19: 'AA-8',
  },
  Sta13: {
    Evt3: 'AA-6',
    Evt4: 'AA-6',
    Evt6: 'AA-7',
    Evt10: 'AA-6',
    Evt12: 'AA-6',
    Evt13: 'AA-6',
    Evt16: 'AA-2',
    Evt17: 'AR-5',
    Evt18: 'AA-2',
    Evt19: 'AA-7',
  },
};

/**
 * Why a pair is blank in Table 9-10, and what we do:
 * - 'local-primitive-not-allowed': the local user asked for something the state does not allow (P-DATA after
 *   A-RELEASE, a second A-ASSOCIATE...): the request fails with InvalidPrimitiveError; the state is unchanged.
 * - 'no-transport-connection': a network event without a connection (PDU in Sta1/Sta4, connect confirmation
 *   outside Sta4): cannot happen with one socket per machine; ignored and logged.
 * - 'artim-not-running': a stale ARTIM expiry outside Sta2/Sta13; ignored.
 */
export type InvalidPair = 'local-primitive-not-allowed' | 'no-transport-connection' | 'artim-not-running';

const LOCAL_PRIMITIVES: ReadonlySet<UlEventName> = new Set([
  'Evt1',
  'Evt7',
  'Evt8',
  'Evt9',
  'Evt11',
  'Evt14',
  'Evt15',
]);

/** The explicit invalid entries: every pair Table 9-10 leaves blank, named. */
export const INVALID_TRANSITIONS: Readonly<
  Record<State, Readonly<Partial<Record<UlEventName, InvalidPair>>>>
> = Object.fromEntries(
  STATES.map((state) => [
    state,
    Object.fromEntries(
      EVENTS.filter((event) => TRANSITIONS[state][event] === undefined).map(
        (event): [UlEventName, InvalidPair] => [
          event,
          LOCAL_PRIMITIVES.has(event)
            ? 'local-primitive-not-allowed'
            : event === 'Evt18'
              ? 'artim-not-running'
              : 'no-transport-connection',
        ],
      ),
    ),
  ]),
) as Record<State, Partial<Record<UlEventName, InvalidPair>>>;

export type TransitionOutcome =
  | { readonly kind: 'action'; readonly action: ActionName; readonly from: State; readonly to: State }
  | { readonly kind: 'invalid'; readonly invalid: InvalidPair; readonly state: State };

/**
 * The dispatcher. Events raised while an action runs (an indication handler answering at once) are queued and
 * run after it, so every action sees the state it was written for.
 */
export class UpperLayerStateMachine {
  private current: State;
  private readonly queue: UlEvent[] = [];
  private running = false;

  /** @param initialState Sta1 in production; tests start a machine in the state under test. */
  constructor(
    private readonly provider: UpperLayerProvider,
    private readonly onTransition?: (event: UlEvent, outcome: TransitionOutcome) => void,
    initialState: State = 'Sta1',
  ) {
    this.current = initialState;
  }

  get state(): State {
    return this.current;
  }

  /** Is this event valid in the current state (ignoring queued events)? */
  allows(event: UlEventName): boolean {
    return TRANSITIONS[this.current][event] !== undefined;
  }

  dispatch(event: UlEvent): void {
    this.queue.push(event);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) this.step(next);
    } finally {
      this.running = false;
    }
  }

  private step(event: UlEvent): void {
    const from = this.current;
    const action = TRANSITIONS[from][event.name];
    if (action === undefined) {
      const invalid = INVALID_TRANSITIONS[from][event.name] ?? 'no-transport-connection';
      this.onTransition?.(event, { kind: 'invalid', invalid, state: from });
      return;
    }
    this.current = ACTION_TABLE[action](this.provider, event);
    this.onTransition?.(event, { kind: 'action', action, from, to: this.current });
  }
}
