import {
  ErrorCode,
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { Flags } from './create-flags.js';
import type { FlagType } from './flag-definition.js';

/**
 * Keel's flags as an OpenFeature provider: apps use the OpenFeature API and hooks they know, and
 * could swap this provider for another. Evaluation is in memory; a flag changed in kv (here or in
 * another process) emits `ConfigurationChanged` with the keys.
 *
 * @example
 * import { OpenFeature } from '@openfeature/server-sdk';
 * await OpenFeature.setProviderAndWait(keelFlagsProvider(flags));
 * const on = await OpenFeature.getClient().getBooleanValue('new-editor', false, { targetingKey: userId });
 */
export function keelFlagsProvider(flags: Flags): Provider {
  const events = new OpenFeatureEventEmitter();
  let off: (() => void) | undefined;
  const resolve = <T>(type: FlagType, key: string, fallback: T, context: EvaluationContext): ResolutionDetails<T> => {
    const r = flags.evaluate(key, context as Record<string, unknown>, type);
    if (r.isOk()) return { value: r.value.value as T, variant: r.value.variant, reason: r.value.reason };
    const errorCode = r.error.code === 'TYPE_MISMATCH' ? ErrorCode.TYPE_MISMATCH : ErrorCode.FLAG_NOT_FOUND;
    return { value: fallback, reason: 'ERROR', errorCode, errorMessage: r.error.message };
  };
  return {
    metadata: { name: 'keel' },
    runsOn: 'server',
    events,
    async initialize() {
      (await flags.ready())._unsafeUnwrap();
      off = flags.onChange((flagsChanged) => events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged }));
    },
    async onClose() {
      off?.();
    },
    resolveBooleanEvaluation: async (key, fallback, context) => resolve('boolean', key, fallback, context),
    resolveStringEvaluation: async (key, fallback, context) => resolve('string', key, fallback, context),
    resolveNumberEvaluation: async (key, fallback, context) => resolve('number', key, fallback, context),
    resolveObjectEvaluation: async <T extends JsonValue>(key: string, fallback: T, context: EvaluationContext) =>
      resolve<T>('object', key, fallback, context),
  };
}
