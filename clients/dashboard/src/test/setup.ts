import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  if (typeof window === 'undefined') return; // tests of plain logic run without a DOM
  cleanup();
  window.localStorage.clear();
});
