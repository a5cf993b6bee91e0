import type { MetricsHistory } from '@skiff/contracts';
import type { HttpClient } from '@skiff/testing';

/** GET /system/metrics/history?<query> as the admin; any answer but 200 fails the test. */
export async function readHistory(gw: HttpClient, query: string): Promise<MetricsHistory> {
  const reply = await gw.get(`/system/metrics/history?${query}`);
  expect(reply.status).toBe(200);
  return reply.json<MetricsHistory>();
}
