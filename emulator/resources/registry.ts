import type { Router } from "../http/router.js";
import { registerRoutes as pools } from "./pools.js";
import { registerRoutes as nodes } from "./nodes.js";
import { registerRoutes as account } from "./account.js";

/**
 * Every resource module's `registerRoutes`. Add an area by importing its module here and listing it.
 */
const routeModules: readonly ((router: Router) => void)[] = [pools, nodes, account];

export function registerAllRoutes(router: Router): void {
  for (const register of routeModules) register(router);
}
