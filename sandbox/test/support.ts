// Helpers the sandbox's tests share.

/** Polls a synchronous read until it satisfies `ok` (the sandbox's webhook deliveries are asynchronous). */
export async function eventually<T>(read: () => T, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${ms} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
