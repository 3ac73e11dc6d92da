/** The cluster's status subresource uses the one public status shape (runtime/publicStatus.ts). */
export { shortImageName, toCrdStatus, type CrdStatus } from "../runtime/publicStatus.js";
