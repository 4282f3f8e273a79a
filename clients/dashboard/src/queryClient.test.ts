// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client';
import { retryDelay, shouldRetry } from './queryClient';

describe('query retries', () => {
  it('does not retry final answers, retries rate limits, outages and network errors', () => {
    expect(shouldRetry(0, new ApiError(404, 'LOT_NOT_FOUND', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(403, 'FORBIDDEN', 'x'))).toBe(false);
    expect(shouldRetry(0, new ApiError(429, 'RATE_LIMITED', 'x', null, 12))).toBe(true);
    expect(shouldRetry(0, new ApiError(503, 'SERVICE_UNAVAILABLE', 'x'))).toBe(true);
    expect(shouldRetry(0, new TypeError('Failed to fetch'))).toBe(true);
    expect(shouldRetry(3, new TypeError('Failed to fetch'))).toBe(false);
  });

  it('waits as long as Retry-After says, else backs off', () => {
    expect(retryDelay(0, new ApiError(429, 'RATE_LIMITED', 'x', null, 12))).toBe(12_000);
    expect(retryDelay(0, new TypeError('x'))).toBe(500);
    expect(retryDelay(2, new TypeError('x'))).toBe(2000);
    expect(retryDelay(10, new TypeError('x'))).toBe(8000);
  });
});
