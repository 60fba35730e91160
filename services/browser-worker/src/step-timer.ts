/** Step durations of one attempt, in milliseconds, keyed by step label. */
export class StepTimer {
  private readonly startedAt = performance.now();
  private readonly durations: Record<string, number> = {};
  private currentStartedAt = 0;
  /** Label of the step running now, if any. */
  current: string | undefined;

  /** Ends the running step and starts timing `label`. */
  begin(label: string): void {
    this.finish();
    this.current = label;
    this.currentStartedAt = performance.now();
  }

  /** Returns the total time so far and the time of every step begun, the running one included. */
  timings(): { totalMs: number; steps: Record<string, number> } {
    this.finish();
    return {
      totalMs: Math.round(performance.now() - this.startedAt),
      steps: { ...this.durations },
    };
  }

  private finish(): void {
    if (this.current === undefined) return;
    this.durations[this.current] = Math.round(performance.now() - this.currentStartedAt);
  }
}
