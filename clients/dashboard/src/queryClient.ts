import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/client';

/** 4xx answers are final (not found, forbidden, invalid), except 429 (rate limited);
 * network errors and 5xx are retried. */
export function shouldRetry(count: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status < 500 && error.status !== 429) return false;
  return count < 3;
}

export function retryDelay(attempt: number, error: unknown): number {
  if (error instanceof ApiError && error.retryAfter) return Math.min(60, error.retryAfter) * 1000;
  return Math.min(8000, 500 * 2 ** attempt);
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: shouldRetry,
        retryDelay,
      },
    },
  });
}
