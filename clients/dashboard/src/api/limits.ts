// Generated from libs/contracts/src/mes_contracts/limits.py: do not edit.
// Regenerate with `uv run python -m mes_contracts.limits`.
export const DEFAULT_TARGET_QUANTITY = 100;
export const MAX_TARGET_QUANTITY = 9999;
