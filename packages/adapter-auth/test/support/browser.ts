// What a browser sends back: the `name=value` of each `Set-Cookie` it was given, in one `Cookie`
// header (attributes dropped, as browsers do).
export function cookieHeader(...setCookies: readonly string[]): string {
  return setCookies.map((c) => c.split(';')[0]).join('; ');
}
