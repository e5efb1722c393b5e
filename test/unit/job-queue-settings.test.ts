// The PostgreSQL job queue's settings from the environment (lib/jobs/pg-boss.ts): defaults, and values
// kept where pg-boss accepts them and a heartbeat comes well before its job would expire.
import { describe, expect, it } from 'vitest';
import { queueSettingsFromEnv } from '@/lib/jobs/pg-boss';

describe('job queue settings', () => {
  it('defaults: expire 30 s, heartbeat 10 s, maintenance 10 s, poll 2 s, 3 retries 5 s apart', () => {
    expect(queueSettingsFromEnv({ LABQC_INSTANCE: 'web-1' })).toEqual({
      instance: 'web-1',
      expireInSeconds: 30,
      heartbeatSeconds: 10,
      maintenanceIntervalSeconds: 10,
      pollingIntervalSeconds: 2,
      retryLimit: 3,
      retryDelaySeconds: 5,
      schema: 'pgboss',
    });
  });

  it('keeps values within what pg-boss accepts; the heartbeat at most half the expiry', () => {
    const s = queueSettingsFromEnv({ LABQC_JOB_EXPIRE_SECONDS: '0.2', LABQC_JOB_HEARTBEAT_SECONDS: '5', LABQC_JOB_MAINTENANCE_SECONDS: '0', LABQC_JOB_POLL_SECONDS: '0.1', LABQC_JOB_RETRY_LIMIT: '-1', LABQC_JOB_RETRY_DELAY_SECONDS: 'x' });
    expect(s).toMatchObject({ expireInSeconds: 1, heartbeatSeconds: 0.5, maintenanceIntervalSeconds: 1, pollingIntervalSeconds: 0.5, retryLimit: 0, retryDelaySeconds: 5 });
    expect(queueSettingsFromEnv({}).instance).toMatch(/:\d+$/);
  });
});
