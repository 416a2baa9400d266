/** Polls `condition` until it holds; fails after `ms`, naming `what` it waited for. */
export async function until(condition: () => boolean, ms = 3_000, what = String(condition)): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); ) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
