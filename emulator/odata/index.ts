/** OData query support shared by every list and get operation of the emulator. */
export { ODataQueryError, isODataQueryError, type ODataErrorCode } from "./errors.js";
export { compileFilter, equalityConstraint, type CompiledFilter, type CompileFilterOptions, type FilterNode } from "./filter.js";
export { parseSelect, applySelect, type Selection } from "./select.js";
export {
  encodeSkipToken,
  decodeSkipToken,
  readSkipToken,
  parseMaxResults,
  takePage,
  buildNextLink,
  type Page,
  type PageKey,
} from "./paging.js";
