/** Azurite for tests: the same launcher as the demo's (scripts/demo/azurite.ts). */
export { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type Azurite } from "../../scripts/demo/azurite.js";
