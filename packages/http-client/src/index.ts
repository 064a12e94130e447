export {
  createHttpClient,
  type HttpClient,
  type HttpClientKeel,
  type HttpRequestInit,
} from './create-http-client.js';
export { HttpResponse } from './http-response.js';
export { HttpClientError, type HttpClientErrorCode } from './http-client-errors.js';
export {
  httpClientOptions,
  type HttpClientOptions,
  type HttpClientOptionsSchema,
  type ResolvedHttpClientOptions,
} from './http-client-options.js';
export { allowList, allowEntryProblem } from './allow-list.js';
