import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CommandField, createDimseScp, DimseChannel, DimseClient, StorageSopClass } from '../src/index.js';
import { memoryAssociationPair } from './support/memory-association.js';

const SC = StorageSopClass.SecondaryCaptureImage;
const ELE = '1.2.840.10008.1.2.1';
const STORAGE_COMMITMENT = '1.2.840.10008.1.20.1';

function pair() {
  return memoryAssociationPair({
    contexts: [
      { id: 1, abstractSyntax: STORAGE_COMMITMENT, transferSyntax: ELE },
      { id: 3, abstractSyntax: SC, transferSyntax: ELE },
    ],
  });
}

async function responsesOf(
  channel: DimseChannel,
  contextId: number,
  message: Parameters<DimseChannel['invoke']>[1],
  dataset?: Buffer,
) {
  const { responses } = await channel.invoke(contextId, message, dataset);
  const out = [];
  for await (const r of responses) out.push(r);
  return out;
}

describe('DIMSE-N over the dispatcher', () => {
  it('N-ACTION with a data set: the handler gets it, its answer carries action type and data set', async () => {
    const { requestor, acceptor } = pair();
    const action = randomBytes(64);
    let got: Buffer | undefined;
    createDimseScp(acceptor, {
      handlers: {
        nAction: async (rq) => {
          got = rq.dataset;
          expect(rq.message.actionTypeId).toBe(1);
          expect(rq.message.requestedSopInstanceUid).toBe('1.2.840.10008.1.20.1.1');
          return { status: 0, dataset: Buffer.from('REPLY!') };
        },
      },
    });
    const channel = new DimseChannel(requestor);
    const [rsp, ...rest] = await responsesOf(
      channel,
      1,
      {
        commandField: CommandField.NActionRq,
        requestedSopClassUid: STORAGE_COMMITMENT,
        requestedSopInstanceUid: '1.2.840.10008.1.20.1.1',
        actionTypeId: 1,
      },
      action,
    );
    expect(rest).toHaveLength(0);
    expect(got?.equals(action)).toBe(true);
    expect(rsp?.message).toMatchObject({
      commandField: CommandField.NActionRsp,
      status: 0,
      actionTypeId: 1,
      affectedSopClassUid: STORAGE_COMMITMENT,
      affectedSopInstanceUid: '1.2.840.10008.1.20.1.1',
    });
    expect(rsp?.dataset?.toString()).toBe('REPLY!');
  });

  it('N-EVENT-REPORT without a handler: 0x0211; a throwing N-GET handler: 0x0110 with the message', async () => {
    const { requestor, acceptor } = pair();
    createDimseScp(acceptor, {
      handlers: {
        nGet: async () => {
          throw new Error('no such thing');
        },
      },
    });
    const channel = new DimseChannel(requestor);
    const [ev] = await responsesOf(channel, 1, {
      commandField: CommandField.NEventReportRq,
      affectedSopClassUid: STORAGE_COMMITMENT,
      affectedSopInstanceUid: '1.2.3',
      eventTypeId: 2,
    });
    expect(ev?.message).toMatchObject({ status: 0x0211, eventTypeId: 2 });
    const [get] = await responsesOf(channel, 1, {
      commandField: CommandField.NGetRq,
      requestedSopClassUid: STORAGE_COMMITMENT,
      requestedSopInstanceUid: '1.2.3',
      attributeIdentifierList: [0x00100010],
    });
    expect(get?.message).toMatchObject({ status: 0x0110, errorComment: 'no such thing' });
  });

  it('a response that cannot be encoded still answers the request (0x0110), and the association goes on', async () => {
    const { requestor, acceptor } = pair();
    createDimseScp(acceptor, {
      handlers: {
        nDelete: async () => ({ status: 0x12345 }),
        nCreate: async () => ({ status: 0, affectedSopInstanceUid: '9.8.7' }),
      },
    });
    const channel = new DimseChannel(requestor);
    const [del] = await responsesOf(channel, 1, {
      commandField: CommandField.NDeleteRq,
      requestedSopClassUid: STORAGE_COMMITMENT,
      requestedSopInstanceUid: '1.2.3',
    });
    expect(del?.message).toMatchObject({ status: 0x0110 });
    expect((del?.message as { errorComment?: string } | undefined)?.errorComment).toMatch(/status/i);
    const [create] = await responsesOf(channel, 1, {
      commandField: CommandField.NCreateRq,
      affectedSopClassUid: STORAGE_COMMITMENT,
    });
    expect(create?.message).toMatchObject({ status: 0, affectedSopInstanceUid: '9.8.7' });
  });

  it('an unknown request command is answered 0x0211 and the association goes on', async () => {
    const { requestor, acceptor } = pair();
    createDimseScp(acceptor, { handlers: { cEcho: () => ({ status: 0 }) } });
    const channel = new DimseChannel(requestor);
    const [rsp, ...rest] = await responsesOf(channel, 1, { commandField: 0x0099 }, Buffer.alloc(10));
    expect(rest).toHaveLength(0);
    expect(rsp?.message).toMatchObject({
      commandField: 0x8099,
      messageIdBeingRespondedTo: 1,
      status: 0x0211,
    });
    expect(acceptor.ended).toBe(false);
    expect(requestor.ended).toBe(false);
  });

  it('a C-STORE handler that refuses at once is answered only after the whole data set arrived', async () => {
    const { requestor, acceptor } = memoryAssociationPair({
      contexts: [{ id: 3, abstractSyntax: SC, transferSyntax: ELE }],
      acceptorMaxPdu: 4096,
    });
    let handlerDone = false;
    createDimseScp(acceptor, {
      handlers: {
        cStore: async (rq) => {
          rq.dataset.destroy();
          handlerDone = true;
          return { status: 0xa700, errorComment: 'full' };
        },
      },
    });
    const events: string[] = [];
    acceptor.prependListener('pdata', (pdvs) => {
      if (pdvs.some((p) => !p.isCommand && p.isLast)) events.push('last data set fragment in');
    });
    const send = acceptor.sendPData.bind(acceptor);
    acceptor.sendPData = (pdvs) => {
      events.push('response out');
      return send(pdvs);
    };
    const client = new DimseClient(requestor);
    const data = randomBytes(2 * 1024 * 1024);
    const r = await client.store(SC, '1.2.3', ELE, data);
    expect(handlerDone).toBe(true);
    expect(r).toMatchObject({ status: 0xa700, errorComment: 'full' });
    expect(events).toEqual(['last data set fragment in', 'response out']);
    expect((await client.store(SC, '1.2.4', ELE, Buffer.alloc(10))).status).toBe(0xa700);
    expect(acceptor.ended).toBe(false);
  });
});
