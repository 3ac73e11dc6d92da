import type { Router } from "../http/router.js";

/**
 * Every resource module's `registerRoutes`. Add an area by importing its module here and listing it.
 */
const routeModules: readonly ((router: Router) => void)[] = [];

export function registerAllRoutes(router: Router): void {
  for (const register of routeModules) register(router);
}
