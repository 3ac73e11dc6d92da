import type { Router } from "../http/router.js";
import { registerRoutes as pools } from "./pools.js";
import { registerRoutes as nodes } from "./nodes.js";
import { registerRoutes as account } from "./account.js";
import { registerRoutes as jobs } from "./jobs.js";
import { registerRoutes as tasks } from "./tasks.js";
import { registerRoutes as files } from "./files.js";

/**
 * Every resource module's `registerRoutes`. Add an area by importing its module here and listing it.
 */
const routeModules: readonly ((router: Router) => void)[] = [pools, nodes, account, jobs, tasks, files];

export function registerAllRoutes(router: Router): void {
  for (const register of routeModules) register(router);
}
