import {
  ACTION_TABLE,
  ACTIONS,
  type ActionName,
  type AssociateAcPdu,
  type AssociateRjPdu,
  type AssociateRqPdu,
  EVENTS,
  INVALID_TRANSITIONS,
  type Pdu,
  PduDecodeError,
  PduType,
  STATES,
  type State,
  TRANSITIONS,
  type TransitionOutcome,
  type UlEvent,
  type UlEventName,
  type UpperLayerProvider,
  UpperLayerStateMachine,
} from '@dicomesh/dicom-ul';
import { describe, expect, it } from 'vitest';

const RQ: AssociateRqPdu = {
  type: PduType.AssociateRq,
  protocolVersion: 1,
  calledAeTitle: 'CALLED',
  callingAeTitle: 'CALLING',
  applicationContext: '1.2.840.10008.3.1.1.1',
  presentationContexts: [
    { id: 1, abstractSyntax: '1.2.840.10008.1.1', transferSyntaxes: ['1.2.840.10008.1.2'] },
  ],
  userInformation: {
    maxLength: 0,
    roleSelection: [],
    extendedNegotiation: [],
    commonExtendedNegotiation: [],
  },
};
const AC: AssociateAcPdu = {
  ...RQ,
  type: PduType.AssociateAc,
  presentationContexts: [{ id: 1, result: 0, transferSyntax: '1.2.840.10008.1.2' }],
};
const RJ: AssociateRjPdu = { type: PduType.AssociateRj, result: 1, source: 1, reason: 7 };

/** A sample payload for every event. */
function sampleEvent(name: UlEventName): UlEvent {
  switch (name) {
    case 'Evt3':
    case 'Evt7':
      return { name, pdu: AC };
    case 'Evt4':
    case 'Evt8':
      return { name, pdu: RJ };
    case 'Evt6':
      return { name, pdu: RQ };
    case 'Evt9':
    case 'Evt10':
      return {
        name,
        pdu: {
          type: PduType.PDataTf,
          pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: Buffer.from([1]) }],
        },
      };
    case 'Evt15':
      return { name, source: 0, reason: 0 };
    case 'Evt16':
      return { name, pdu: { type: PduType.Abort, source: 2, reason: 1 } };
    case 'Evt19':
      return { name, error: new PduDecodeError('bad', { abortReason: 4 }) };
    default:
      return { name } as UlEvent;
  }
}

function describePdu(pdu: Pdu): string {
  switch (pdu.type) {
    case PduType.Abort:
      return `A-ABORT(${pdu.source},${pdu.reason})`;
    case PduType.AssociateRj:
      return 'A-ASSOCIATE-RJ';
    case PduType.AssociateAc:
      return 'A-ASSOCIATE-AC';
    case PduType.AssociateRq:
      return 'A-ASSOCIATE-RQ';
    case PduType.PDataTf:
      return 'P-DATA-TF';
    case PduType.ReleaseRq:
      return 'A-RELEASE-RQ';
    case PduType.ReleaseRp:
      return 'A-RELEASE-RP';
  }
}

/** Records what the actions do; optionally answers indications like the real connection does. */
class FakeProvider implements UpperLayerProvider {
  calls: string[] = [];
  machine: UpperLayerStateMachine | undefined;
  answerIndications = false;
  rejectRq = false;
  constructor(readonly isRequestor: boolean) {}
  connectTransport() {
    this.calls.push('connect');
  }
  associateRequest() {
    return RQ;
  }
  sendPdu(pdu: Pdu) {
    this.calls.push(`send ${describePdu(pdu)}`);
  }
  closeTransport() {
    this.calls.push('close');
  }
  startArtim() {
    this.calls.push('artim start');
  }
  stopArtim() {
    this.calls.push('artim stop');
  }
  providerRejection() {
    return this.rejectRq ? RJ : undefined;
  }
  associateIndication() {
    this.calls.push('A-ASSOCIATE indication');
    if (this.answerIndications) this.machine!.dispatch({ name: 'Evt7', pdu: AC });
  }
  associationEstablished() {
    this.calls.push('established');
  }
  associateRejected() {
    this.calls.push('A-ASSOCIATE confirmation (reject)');
  }
  pdataIndication() {
    this.calls.push('P-DATA indication');
  }
  releaseIndication(collision: boolean) {
    this.calls.push(`A-RELEASE indication${collision ? ' (collision)' : ''}`);
    if (this.answerIndications) this.machine!.dispatch({ name: 'Evt14' });
  }
  releaseConfirmation() {
    this.calls.push('A-RELEASE confirmation');
  }
  associationEnded(reason: string, detail: { abortSource?: number; abortReason?: number }) {
    this.calls.push(
      `ended ${reason}${detail.abortSource === undefined ? '' : ` ${detail.abortSource}/${detail.abortReason}`}`,
    );
  }
}

function machineIn(state: State, isRequestor = false) {
  const provider = new FakeProvider(isRequestor);
  const outcomes: TransitionOutcome[] = [];
  const machine = new UpperLayerStateMachine(provider, (_e, o) => outcomes.push(o), state);
  provider.machine = machine;
  return { provider, machine, outcomes };
}

/** Next state of each action, written from PS3.8 9.2.2 independently of the implementation. */
const NEXT_STATE: Record<ActionName, readonly State[]> = {
  'AE-1': ['Sta4'],
  'AE-2': ['Sta5'],
  'AE-3': ['Sta6'],
  'AE-4': ['Sta1'],
  'AE-5': ['Sta2'],
  'AE-6': ['Sta3', 'Sta13'],
  'AE-7': ['Sta6'],
  'AE-8': ['Sta13'],
  'DT-1': ['Sta6'],
  'DT-2': ['Sta6'],
  'AR-1': ['Sta7'],
  'AR-2': ['Sta8'],
  'AR-3': ['Sta1'],
  'AR-4': ['Sta13'],
  'AR-5': ['Sta1'],
  'AR-6': ['Sta7'],
  'AR-7': ['Sta8'],
  'AR-8': ['Sta9', 'Sta10'],
  'AR-9': ['Sta11'],
  'AR-10': ['Sta12'],
  'AA-1': ['Sta13'],
  'AA-2': ['Sta1'],
  'AA-3': ['Sta1'],
  'AA-4': ['Sta1'],
  'AA-5': ['Sta1'],
  'AA-6': ['Sta13'],
  'AA-7': ['Sta13'],
  'AA-8': ['Sta13'],
};

describe('PS3.8 Table 9-10 as data', () => {
  it('covers every (state, event) pair exactly once: a table entry or a named invalid entry', () => {
    let entries = 0;
    for (const state of STATES) {
      for (const event of EVENTS) {
        const action = TRANSITIONS[state][event];
        const invalid = INVALID_TRANSITIONS[state][event];
        expect(action === undefined ? 0 : 1, `${state}/${event}`).not.toBe(invalid === undefined ? 0 : 1);
        if (action) entries++;
      }
    }
    expect(STATES.length * EVENTS.length).toBe(13 * 19);
    // PS3.8 Table 9-10 has 123 non-blank cells.
    expect(entries).toBe(123);
  });

  it('names the blank cells by kind', () => {
    expect(INVALID_TRANSITIONS.Sta7.Evt9).toBe('local-primitive-not-allowed');
    expect(INVALID_TRANSITIONS.Sta2.Evt15).toBe('local-primitive-not-allowed');
    expect(INVALID_TRANSITIONS.Sta1.Evt10).toBe('no-transport-connection');
    expect(INVALID_TRANSITIONS.Sta4.Evt6).toBe('no-transport-connection');
    expect(INVALID_TRANSITIONS.Sta6.Evt18).toBe('artim-not-running');
  });

  it('matches selected cells of the standard', () => {
    expect(TRANSITIONS.Sta2.Evt6).toBe('AE-6');
    expect(TRANSITIONS.Sta13.Evt6).toBe('AA-7');
    expect(TRANSITIONS.Sta13.Evt17).toBe('AR-5');
    expect(TRANSITIONS.Sta10.Evt13).toBe('AR-10');
    expect(TRANSITIONS.Sta11.Evt13).toBe('AR-3');
    expect(TRANSITIONS.Sta4.Evt15).toBe('AA-2');
    expect(TRANSITIONS.Sta2.Evt17).toBe('AA-5');
    expect(TRANSITIONS.Sta8.Evt9).toBe('AR-7');
    expect(TRANSITIONS.Sta12.Evt14).toBe('AR-4');
  });

  it('uses every action and each one leads to the state PS3.8 names', () => {
    const used = new Set<ActionName>();
    for (const state of STATES) {
      for (const event of EVENTS) {
        const action = TRANSITIONS[state][event];
        if (!action) continue;
        used.add(action);
        for (const isRequestor of [false, true]) {
          const { machine } = machineIn(state, isRequestor);
          machine.dispatch(sampleEvent(event));
          expect(NEXT_STATE[action], `${state}/${event} ${action}`).toContain(machine.state);
        }
      }
    }
    expect([...used].sort()).toEqual([...ACTIONS].sort());
    expect(Object.keys(ACTION_TABLE).sort()).toEqual([...ACTIONS].sort());
  });

  it('leaves the state unchanged on every invalid pair and reports it', () => {
    for (const state of STATES) {
      for (const event of EVENTS) {
        const invalid = INVALID_TRANSITIONS[state][event];
        if (!invalid) continue;
        const { machine, provider, outcomes } = machineIn(state);
        machine.dispatch(sampleEvent(event));
        expect(machine.state).toBe(state);
        expect(provider.calls).toEqual([]);
        expect(outcomes).toEqual([{ kind: 'invalid', invalid, state }]);
      }
    }
  });
});

describe('state machine behaviour, one state at a time', () => {
  it('Sta1 -> Sta2 -> Sta3 -> Sta6: acceptor association', () => {
    const { machine, provider } = machineIn('Sta1');
    machine.dispatch({ name: 'Evt5' });
    expect(machine.state).toBe('Sta2');
    expect(provider.calls).toEqual(['artim start']);
    machine.dispatch({ name: 'Evt6', pdu: RQ });
    expect(machine.state).toBe('Sta3');
    machine.dispatch({ name: 'Evt7', pdu: AC });
    expect(machine.state).toBe('Sta6');
    expect(provider.calls).toEqual([
      'artim start',
      'artim stop',
      'A-ASSOCIATE indication',
      'send A-ASSOCIATE-AC',
      'established',
    ]);
  });

  it('Sta2: an indication answered at once is queued until the machine is in Sta3', () => {
    const { machine, provider } = machineIn('Sta2');
    provider.answerIndications = true;
    machine.dispatch({ name: 'Evt6', pdu: RQ });
    expect(machine.state).toBe('Sta6');
    expect(provider.calls).toEqual([
      'artim stop',
      'A-ASSOCIATE indication',
      'send A-ASSOCIATE-AC',
      'established',
    ]);
  });

  it('Sta2: provider rejection sends A-ASSOCIATE-RJ and waits in Sta13 under ARTIM', () => {
    const { machine, provider } = machineIn('Sta2');
    provider.rejectRq = true;
    machine.dispatch({ name: 'Evt6', pdu: RQ });
    expect(machine.state).toBe('Sta13');
    expect(provider.calls).toEqual(['artim stop', 'send A-ASSOCIATE-RJ', 'artim start']);
  });

  it('Sta2: P-DATA before association is AA-1 with unexpected-PDU', () => {
    const { machine, provider } = machineIn('Sta2');
    machine.dispatch(sampleEvent('Evt10'));
    expect(machine.state).toBe('Sta13');
    expect(provider.calls).toEqual(['send A-ABORT(2,2)', 'ended protocol-error 2/2', 'artim start']);
  });

  it('Sta2 and Sta13: ARTIM expiry closes the transport', () => {
    for (const state of ['Sta2', 'Sta13'] as const) {
      const { machine, provider } = machineIn(state);
      machine.dispatch({ name: 'Evt18' });
      expect(machine.state).toBe('Sta1');
      expect(provider.calls).toEqual(['artim stop', 'ended artim-expired', 'close']);
    }
  });

  it('Sta4 -> Sta5 -> Sta6: requestor association, and AE-4 on reject', () => {
    const { machine, provider } = machineIn('Sta1', true);
    machine.dispatch({ name: 'Evt1' });
    machine.dispatch({ name: 'Evt2' });
    expect(machine.state).toBe('Sta5');
    machine.dispatch({ name: 'Evt3', pdu: AC });
    expect(machine.state).toBe('Sta6');
    expect(provider.calls).toEqual(['connect', 'send A-ASSOCIATE-RQ', 'established']);
    const rejected = machineIn('Sta5', true);
    rejected.machine.dispatch({ name: 'Evt4', pdu: RJ });
    expect(rejected.machine.state).toBe('Sta1');
    expect(rejected.provider.calls).toEqual(['A-ASSOCIATE confirmation (reject)', 'close']);
  });

  it('Sta6 -> Sta8 -> Sta13 -> Sta1: release requested by the peer', () => {
    const { machine, provider } = machineIn('Sta6');
    machine.dispatch({ name: 'Evt12' });
    expect(machine.state).toBe('Sta8');
    machine.dispatch({ name: 'Evt14' });
    expect(machine.state).toBe('Sta13');
    machine.dispatch({ name: 'Evt17' });
    expect(machine.state).toBe('Sta1');
    expect(provider.calls).toEqual([
      'A-RELEASE indication',
      'send A-RELEASE-RP',
      'ended released',
      'artim start',
      'artim stop',
      'ended transport-closed',
    ]);
  });

  it('Sta6 -> Sta7 -> Sta1: release requested by us', () => {
    const { machine, provider } = machineIn('Sta6', true);
    machine.dispatch({ name: 'Evt11' });
    expect(machine.state).toBe('Sta7');
    machine.dispatch(sampleEvent('Evt10'));
    expect(machine.state).toBe('Sta7');
    machine.dispatch({ name: 'Evt13' });
    expect(machine.state).toBe('Sta1');
    expect(provider.calls).toEqual([
      'send A-RELEASE-RQ',
      'P-DATA indication',
      'A-RELEASE confirmation',
      'ended released',
      'close',
    ]);
  });

  it('Sta7 -> Sta9 -> Sta11 -> Sta1: release collision, requestor side', () => {
    const { machine, provider } = machineIn('Sta7', true);
    machine.dispatch({ name: 'Evt12' });
    expect(machine.state).toBe('Sta9');
    machine.dispatch({ name: 'Evt14' });
    expect(machine.state).toBe('Sta11');
    machine.dispatch({ name: 'Evt13' });
    expect(machine.state).toBe('Sta1');
    expect(provider.calls).toEqual([
      'A-RELEASE indication (collision)',
      'send A-RELEASE-RP',
      'A-RELEASE confirmation',
      'ended released',
      'close',
    ]);
  });

  it('Sta7 -> Sta10 -> Sta12 -> Sta13: release collision, acceptor side', () => {
    const { machine, provider } = machineIn('Sta7', false);
    machine.dispatch({ name: 'Evt12' });
    expect(machine.state).toBe('Sta10');
    machine.dispatch({ name: 'Evt13' });
    expect(machine.state).toBe('Sta12');
    machine.dispatch({ name: 'Evt14' });
    expect(machine.state).toBe('Sta13');
    expect(provider.calls).toEqual([
      'A-RELEASE indication (collision)',
      'A-RELEASE confirmation',
      'send A-RELEASE-RP',
      'ended released',
      'artim start',
    ]);
  });

  it('Sta6: abort received, abort requested, invalid PDU', () => {
    const received = machineIn('Sta6');
    received.machine.dispatch(sampleEvent('Evt16'));
    expect(received.machine.state).toBe('Sta1');
    expect(received.provider.calls).toEqual(['ended aborted-by-peer 2/1', 'close']);
    const requested = machineIn('Sta6');
    requested.machine.dispatch({ name: 'Evt15', source: 0, reason: 0 });
    expect(requested.machine.state).toBe('Sta13');
    expect(requested.provider.calls).toEqual(['send A-ABORT(0,0)', 'ended aborted-by-us 0/0', 'artim start']);
    const invalid = machineIn('Sta6');
    invalid.machine.dispatch(sampleEvent('Evt19'));
    expect(invalid.machine.state).toBe('Sta13');
    expect(invalid.provider.calls).toEqual(['send A-ABORT(2,4)', 'ended protocol-error 2/4', 'artim start']);
  });

  it('Sta6: an unexpected A-ASSOCIATE-RQ is AA-8 with unexpected-PDU', () => {
    const { machine, provider } = machineIn('Sta6');
    machine.dispatch({ name: 'Evt6', pdu: RQ });
    expect(provider.calls).toEqual(['send A-ABORT(2,2)', 'ended protocol-error 2/2', 'artim start']);
  });

  it('Sta13: PDUs are ignored except A-ASSOCIATE-RQ and invalid ones (AA-7)', () => {
    const { machine, provider } = machineIn('Sta13');
    for (const e of ['Evt3', 'Evt4', 'Evt10', 'Evt12', 'Evt13'] as const) machine.dispatch(sampleEvent(e));
    expect(provider.calls).toEqual([]);
    machine.dispatch(sampleEvent('Evt19'));
    expect(machine.state).toBe('Sta13');
    expect(provider.calls).toEqual(['send A-ABORT(2,4)']);
  });

  it('Sta8: P-DATA may still be sent (AR-7) but not in Sta7', () => {
    const sta8 = machineIn('Sta8');
    sta8.machine.dispatch(sampleEvent('Evt9'));
    expect(sta8.provider.calls).toEqual(['send P-DATA-TF']);
    const sta7 = machineIn('Sta7');
    sta7.machine.dispatch(sampleEvent('Evt9'));
    expect(sta7.provider.calls).toEqual([]);
    expect(sta7.outcomes).toEqual([
      { kind: 'invalid', invalid: 'local-primitive-not-allowed', state: 'Sta7' },
    ]);
  });
});
