import type { UpgradeRejection } from './protocol.js';

/**
 * A protocol's not-found answers from its table of paths and methods: a known path with another
 * method gets `methodNotAllowed`, an unknown path under one of `prefixes` gets `notFound`.
 */
export function notFoundFor(options: {
  readonly routes: Readonly<Record<string, readonly string[]>>;
  readonly patterns?: readonly (readonly [RegExp, readonly string[]])[];
  readonly prefixes: readonly string[];
  readonly notFound: UpgradeRejection;
  readonly methodNotAllowed: UpgradeRejection;
}): (method: string, pathname: string) => UpgradeRejection | null {
  return (method, pathname) => {
    const allowed = options.routes[pathname] ?? options.patterns?.find(([re]) => re.test(pathname))?.[1];
    if (allowed) return allowed.includes(method) || (method === 'HEAD' && allowed.includes('GET')) ? null : options.methodNotAllowed;
    return options.prefixes.some((p) => pathname.startsWith(p)) ? options.notFound : null;
  };
}
