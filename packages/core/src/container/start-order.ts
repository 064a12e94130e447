/**
 * Orders nodes so that each comes after the ones it needs (Kahn's algorithm, stable: among
 * nodes that are ready, config order wins). Returns the nodes left in a cycle, if any.
 */
export function startOrder<T>(nodes: readonly T[], needs: (node: T) => readonly T[]): { order: T[]; cycle: T[] } {
  const waiting = new Map(nodes.map((n) => [n, new Set(needs(n))]));
  const order: T[] = [];
  let progressed = true;
  while (waiting.size > 0 && progressed) {
    progressed = false;
    for (const [node, pending] of waiting) {
      if ([...pending].some((p) => waiting.has(p))) continue;
      order.push(node);
      waiting.delete(node);
      progressed = true;
      break;
    }
  }
  return { order, cycle: [...waiting.keys()] };
}
