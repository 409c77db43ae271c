// The undo rule of ADD: a failed ADD undoes exactly what this call created, and nothing else.
// Each step is pushed only once its own step has succeeded, so a retried ADD that fails (its IPAM
// refuses a second lease, its link name is taken) never removes what an earlier ADD of the same
// container made. Steps run in reverse order; a failing step does not stop the others.

/** Take back one step that succeeded. */
export type Undo = () => Promise<void>;

export class UndoStack {
  private readonly steps: Undo[] = [];

  push(step: Undo): void {
    this.steps.push(step);
  }

  /** Run every step, newest first; their own failures are swallowed (the ADD's error is what matters). */
  async unwind(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step().catch(() => undefined);
  }
}

/** Run an ADD body; when it throws, unwind what it pushed, then rethrow. */
export async function withUndo<T>(body: (undo: UndoStack) => Promise<T>): Promise<T> {
  const undo = new UndoStack();
  try {
    return await body(undo);
  } catch (e) {
    await undo.unwind();
    throw e;
  }
}
