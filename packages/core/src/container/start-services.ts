import type { DependencyContainer } from 'tsyringe';
import { KeelConfigError } from '../errors/keel-error.js';
import type { Started } from './assemble-keel.js';
import type { ServiceDefinition } from './service-definition.js';
import { startOrder } from './start-order.js';
import type { KeelToken } from './tokens.js';

/**
 * Starts the services in dependency order, each after the tokens it needs (adapters are all
 * started by then), and registers each under its token. A need nothing provides, or services
 * that need each other, is a `KeelConfigError`.
 */
export async function startServices(
  services: readonly ServiceDefinition<unknown>[],
  container: DependencyContainer,
  resolve: <T>(token: KeelToken<T>) => T,
): Promise<Started[]> {
  const byToken = new Map(services.map((s) => [s.token as symbol, s]));
  const problems: string[] = [];
  for (const s of services) {
    for (const need of s.needs ?? []) {
      if (!byToken.has(need) && !container.isRegistered(need, true)) {
        problems.push(`services (${String(s.token)}): needs ${String(need)}, which nothing provides`);
      }
    }
  }
  const { order, cycle } = startOrder(services, (s) =>
    (s.needs ?? []).flatMap((n) => (byToken.has(n) ? [byToken.get(n) as ServiceDefinition<unknown>] : [])),
  );
  if (cycle.length > 0) problems.push(`services need each other: ${cycle.map((s) => String(s.token)).join(' → ')}`);
  if (problems.length > 0) throw new KeelConfigError(problems);

  const started: Started[] = [];
  for (const s of order) {
    const allowed = new Set<symbol>(s.needs ?? []);
    const value = await s.create(<U>(token: KeelToken<U>): U => {
      if (!allowed.has(token))
        throw new TypeError(`service ${String(s.token)} resolved ${String(token)} without declaring it in needs`);
      return resolve(token);
    });
    container.register(s.token, { useValue: value });
    started.push({ name: String(s.token), value, close: s.close && (() => s.close?.(value as never)) });
  }
  return started;
}
