/**
 * The BullMQ example (examples/bullmq-by-reference.ts) on its own
 * redis-server: both modes deliver every payload intact; by reference the
 * job hashes stay small and the store objects are evicted after completion.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { shutdownBridge } from '../../src/bridge/index.js';
import { runJobs } from '../../examples/bullmq-by-reference.js';
import {
  type RedisServerHandle,
  redisSkipReason,
  startRedisServer,
} from '../helpers/redis-server.js';

const skip = redisSkipReason();
const T = { timeout: 120_000 };
const JOBS = 12;
const PAYLOAD = 256 * 1024;

describe('examples/bullmq-by-reference', { skip, timeout: 300_000 }, () => {
  let server: RedisServerHandle;

  before(async () => {
    server = await startRedisServer();
  });

  after(async () => {
    await shutdownBridge();
    await server?.stop();
  });

  it('by value: every worker sees its payload; the bytes ride the job', T, async () => {
    const r = await runJobs({
      redisUrl: server.url,
      jobs: JOBS,
      payloadBytes: PAYLOAD,
      byReference: false,
      timeoutMs: 60_000,
    });
    assert.equal(r.verified, JOBS);
    assert.ok(r.largestJobData > PAYLOAD, `job data of ${r.largestJobData} B`);
  });

  it('by reference: payloads intact, jobs small, objects evicted', T, async () => {
    const r = await runJobs({
      redisUrl: server.url,
      jobs: JOBS,
      payloadBytes: PAYLOAD,
      byReference: true,
      timeoutMs: 60_000,
    });
    assert.equal(r.verified, JOBS);
    assert.ok(r.largestJobData < 4096, `job data of ${r.largestJobData} B`);
    assert.equal(r.storeObjectsLeft, 0);
  });
});
