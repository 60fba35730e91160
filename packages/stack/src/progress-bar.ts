/** Renders `[#####-----]  12/50  24 %` for a terminal line; `width` counts the bar's cells. */
export function renderProgressBar(done: number, total: number, width = 30): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const percent = `${Math.floor(fraction * 100)}`.padStart(3);
  return `[${bar}] ${String(done).padStart(String(total).length)}/${total} ${percent} %`;
}
