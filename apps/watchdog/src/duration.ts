/** `1500` → `1.5s`, for log lines. */
export function formatDuration(ms: number): string {
  return ms === 0 ? '0 (none)' : `${ms / 1000}s`;
}
