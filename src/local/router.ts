// From a request's method and path to the spec operation it is (`GET /v1/sandboxes/{id}`) and its
// path parameters, for one side of the local HopX: the Control Plane or a sandbox's agent.
import type { SpecOperation } from './spec.js';

export interface Route {
  operation: SpecOperation;
  path: Record<string, string>;
}

interface Compiled {
  operation: SpecOperation;
  pattern: RegExp;
  names: string[];
  /** Literal characters: a literal route wins over a templated one (`/v1/sandboxes/stream`). */
  specificity: number;
}

export class Router {
  private readonly routes: Compiled[];

  constructor(operations: SpecOperation[], side: 'control-plane' | 'agent') {
    this.routes = operations
      .filter((op) => op.api === side || op.api === 'both')
      .map((operation) => {
        const names: string[] = [];
        const source = operation.path
          .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
          .replace(/\{([^}]+)\}/g, (_m, name: string) => {
            names.push(name);
            return '([^/]+)';
          });
        return {
          operation,
          pattern: new RegExp(`^${source}$`),
          names,
          specificity: operation.path.replace(/\{[^}]+\}/g, '').length,
        };
      })
      .sort((a, b) => b.specificity - a.specificity);
  }

  /** The operation for `method path`, or why there is none. */
  match(method: string, pathname: string): Route | { allowed: string[] } | undefined {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      if (route.operation.method !== method) {
        allowed.push(route.operation.method);
        continue;
      }
      const path: Record<string, string> = {};
      route.names.forEach((name, i) => {
        path[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { operation: route.operation, path };
    }
    return allowed.length ? { allowed } : undefined;
  }
}
