import { SpanKind } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { Telemetry } from '@gm/telemetry';
import { aReport, openSse, startInfra, SYNTHETIC_ID_NUMBER, SYNTHETIC_PHONE, type SseConnection, type TestInfra } from '@gm/testing';
import { caseStream, eventually, sql, startMemoryTelemetry, startSlice, type Slice } from './support';

describe('first slice: handheld report → case → JetStream → live feed, in one trace', () => {
  let telemetry: Telemetry;
  let exporter: InMemorySpanExporter;
  let infra: TestInfra;
  let slice: Slice;
  let live: SseConnection;
  let workerToken: string;

  beforeAll(async () => {
    ({ telemetry, exporter } = startMemoryTelemetry());
    infra = await startInfra();
    slice = await startSlice(infra);
    workerToken = await infra.oidc.tokenFor('gw-07');
    live = await openSse(`${slice.cc.url}/api/v1/live`, { token: await infra.oidc.tokenFor('community') });
    expect(live.status).toBe(200);
  });

  afterAll(async () => {
    live?.close();
    await slice?.close();
    await infra?.close();
    await telemetry?.shutdown();
  });

  it('stores one case, publishes one event with Nats-Msg-Id, pushes it to the live client within 1 s, and keeps one trace', async () => {
    const description = `井盖缺失，路人险些踩空。联系人电话 ${SYNTHETIC_PHONE}，身份证 ${SYNTHETIC_ID_NUMBER}`;
    const sent = performance.now();
    const res = await fetch(`${slice.gw.url}/api/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${workerToken}` },
      body: JSON.stringify(aReport({ categoryCode: 'BJ0101', description })),
    });
    expect(res.status).toBe(201);
    const result = (await res.json()) as { caseId: string; caseNo: string; state: string; gridCode: string };
    expect(result).toMatchObject({ state: 'reported', gridCode: '350206001001-07' });

    // The live client receives it within one second of the request being sent.
    const event = await live.next(1000);
    expect(event.event).toBe('gm.case.reported.v1');
    expect(event.receivedAt - sent).toBeLessThan(1000);
    const envelope = JSON.parse(event.data) as { id: string; type: string; data: { caseId: string; summary: string }; traceparent: string };
    expect(envelope.data.caseId).toBe(result.caseId);
    expect(event.id).toBe(envelope.id);

    // Exactly one case row.
    const cases = await sql<{ n: string }>(infra, 'SELECT count(*) AS n FROM public_sentiment.cases WHERE id = $1', [result.caseId]);
    expect(cases[0]?.n).toBe('1');

    // Exactly one event in the stream, de-duplicated by Nats-Msg-Id = the CloudEvent id.
    const stream = await caseStream(infra);
    try {
      const messages = await stream.messages();
      expect(messages).toHaveLength(1);
      expect(messages[0]?.msgId).toBe(envelope.id);
      expect(messages[0]?.data['type']).toBe('gm.case.reported.v1');
    } finally {
      await stream.nc.close();
    }

    // One trace across the three services.
    const spans = await eventually('the consumer span', async () => {
      const all = exporter.getFinishedSpans();
      return all.some((s) => s.attributes['gm.service'] === 'command-centre' && s.kind === SpanKind.CONSUMER) ? all : undefined;
    });
    const http = spans.find((s) => s.attributes['gm.service'] === 'mobile-gateway' && s.kind === SpanKind.SERVER && s.attributes['http.route'] === '/api/v1/reports');
    const rpc = spans.find((s) => s.attributes['gm.service'] === 'public-sentiment' && s.kind === SpanKind.SERVER);
    const consume = spans.find((s) => s.attributes['gm.service'] === 'command-centre' && s.kind === SpanKind.CONSUMER);
    expect(http).toBeDefined();
    expect(rpc).toBeDefined();
    expect(consume).toBeDefined();
    const traceId = http!.spanContext().traceId;
    expect(rpc!.spanContext().traceId).toBe(traceId);
    expect(consume!.spanContext().traceId).toBe(traceId);
    expect(envelope.traceparent).toContain(traceId);

    // No personal data in clear: not in the event, the logs or the spans.
    expect(event.data).not.toContain(SYNTHETIC_PHONE);
    expect(event.data).not.toContain(SYNTHETIC_ID_NUMBER);
    expect(envelope.data.summary).toContain('140****8000');
    expect(envelope.data.summary).toContain('350299********1232');
    for (const svc of [slice.gw, slice.ps, slice.cc]) {
      expect(svc.logs.text()).not.toContain(SYNTHETIC_PHONE);
      expect(svc.logs.text()).not.toContain(SYNTHETIC_ID_NUMBER);
      expect(svc.logs.entries().some((e) => e['trace_id'] === traceId)).toBe(true);
    }
    const spanText = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    expect(spanText).not.toContain(SYNTHETIC_PHONE);
    expect(spanText).not.toContain(SYNTHETIC_ID_NUMBER);
  });

  it('replaying the same report with the same clientId creates nothing new and returns the first answer', async () => {
    const report = aReport();
    const send = () =>
      fetch(`${slice.gw.url}/api/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${workerToken}` },
        body: JSON.stringify(report),
      });
    const first = await send();
    const firstBody = await first.json();
    await live.next(1000);
    const [again1, again2] = await Promise.all([send(), send()]);
    expect(again1.status).toBe(201);
    expect(again1.headers.get('idempotent-replayed')).toBe('true');
    expect(await again1.json()).toEqual(firstBody);
    expect(await again2.json()).toEqual(firstBody);
    const rows = await sql<{ n: string }>(infra, 'SELECT count(*) AS n FROM public_sentiment.cases WHERE idempotency_key = $1', [report.clientId]);
    expect(rows[0]?.n).toBe('1');
    await expect(live.next(500)).rejects.toThrow('no SSE event');
  });

  it('a live client reconnecting with Last-Event-ID receives what it missed, in order, within its scope', async () => {
    const events = await sql<{ event_id: string }>(infra, 'SELECT event_id FROM command_centre.live_events ORDER BY seq');
    expect(events.length).toBeGreaterThanOrEqual(2);
    const token = await infra.oidc.tokenFor('community');
    const replay = await openSse(`${slice.cc.url}/api/v1/live`, { token, lastEventId: events[0]!.event_id });
    try {
      for (const expected of events.slice(1)) expect((await replay.next(1000)).id).toBe(expected.event_id);
    } finally {
      replay.close();
    }
    const neighbour = await openSse(`${slice.cc.url}/api/v1/live`, { token: await infra.oidc.tokenFor('community-other'), lastEventId: events[0]!.event_id });
    try {
      await expect(neighbour.next(500)).rejects.toThrow('no SSE event');
    } finally {
      neighbour.close();
    }
  });

  it('a redelivered event changes nothing at the consumer (inbox)', async () => {
    const before = await sql<{ n: string }>(infra, 'SELECT count(*) AS n FROM command_centre.live_events');
    const [last] = await sql<{ envelope: Record<string, unknown> }>(infra, 'SELECT envelope FROM command_centre.live_events ORDER BY seq DESC LIMIT 1');
    const stream = await caseStream(infra);
    try {
      // Same CloudEvent, new message id: the stream stores it again, the consumer must not apply it again.
      const h = natsHeaders();
      h.set('Ce-Type', String(last!.envelope['type']));
      h.set('Ce-Id', String(last!.envelope['id']));
      const ack = await jetstream(stream.nc).publish(`gm.${infra.nats.namespace}.case.reported.v1`, JSON.stringify(last!.envelope), {
        msgID: `redelivery-${Date.now()}`,
        headers: h,
      });
      const jsm = await jetstreamManager(stream.nc);
      await eventually('the duplicate to be consumed and acknowledged', async () => {
        const info = await jsm.consumers.info(stream.name, 'command-centre-live');
        return info.ack_floor.stream_seq >= ack.seq ? true : undefined;
      });
      await expect(live.next(700)).rejects.toThrow('no SSE event');
      const after = await sql<{ n: string }>(infra, 'SELECT count(*) AS n FROM command_centre.live_events');
      expect(after[0]?.n).toBe(before[0]?.n);
    } finally {
      await stream.nc.close();
    }
  });
});
