/** A build that cannot produce a working executable; the message says what to change. */
export class SeaBuildError extends Error {
  override readonly name = 'SeaBuildError';
}
