/** A server the tests may use, or the written reason they skip. */
export type ServerFor<T> =
  | { readonly server: T; readonly skip?: undefined }
  | { readonly server?: undefined; readonly skip: string };

/** A skip with its reason — except under `CI`, where a missing server is a failure, not a skip. */
export function unavailable(reason: string): { skip: string } {
  if (process.env.CI) throw new Error(`CI needs this server: ${reason}`);
  return { skip: reason };
}
