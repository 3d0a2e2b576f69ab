import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOfLocalDay } from '../../src/core/time.ts';

test('the merchant\'s business day starts at its local midnight', () => {
  const cases: Array<[string, string, string]> = [
    ['2026-11-25T20:00:00Z', 'Asia/Shanghai', '2026-11-25T16:00:00.000Z'], // already the 26th in Shanghai
    ['2026-11-25T15:59:59Z', 'Asia/Shanghai', '2026-11-24T16:00:00.000Z'],
    ['2026-11-25T20:00:00Z', 'Asia/Taipei', '2026-11-25T16:00:00.000Z'],
    ['2026-11-25T20:00:00Z', 'America/New_York', '2026-11-25T05:00:00.000Z'],
    ['2026-03-08T12:00:00Z', 'America/New_York', '2026-03-08T05:00:00.000Z'], // DST began at 02:00 that day
    ['2026-11-01T12:00:00Z', 'America/New_York', '2026-11-01T04:00:00.000Z'], // DST ended at 02:00 that day
    ['2026-11-25T00:00:00Z', 'UTC', '2026-11-25T00:00:00.000Z'],
    ['2026-11-25T10:00:00Z', 'Asia/Kolkata', '2026-11-24T18:30:00.000Z'],
  ];
  for (const [now, tz, start] of cases) assert.equal(startOfLocalDay(new Date(now), tz).toISOString(), start, `${now} in ${tz}`);
});
