import { describe, expect, it } from "vitest";
import { limitHeapGrowth } from "../../../controller/cli/heapGrowth.js";

describe("the controller's heap growing factor (docs/adr/0027)", () => {
  it("is set by run unless the operator gave node one", () => {
    expect(limitHeapGrowth(["--heap-growing-percent=80"])).toBe(false);
    expect(limitHeapGrowth(["--heap_growing_percent=80", "--enable-source-maps"])).toBe(false);
    expect(limitHeapGrowth(["--enable-source-maps"])).toBe(true);
  });
});
