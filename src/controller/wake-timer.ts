// A sleep that can be cut short: the loops of the watcher and the leader elector wait between attempts, and stop()
// must not wait out the delay.
export class WakeTimer {
  private wakeUp: (() => void) | undefined;

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  /** Ends the sleep in progress, if any, at once. */
  wake(): void {
    this.wakeUp?.();
  }
}
