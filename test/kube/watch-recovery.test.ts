// The informer under connection trouble: a dropped watch and an expired resourceVersion (410)
// are recovered without missing a change made meanwhile.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "./apiserver/index.js";
import { Informer, type InformerEvent } from "../../controller/kubernetes/informer.js";
import { CustomResourceClient } from "../../controller/kubernetes/customObjects.js";
import { collectionPath, type CustomResource } from "../../controller/kubernetes/resources.js";
import { clients, createResource, deleteResource, mergePatchResource, poolObject, until, type ClusterClients } from "./cluster-harness.js";

describe("informer watch recovery", () => {
  let server: TestApiServer;
  let api: ClusterClients;
  let abort: AbortController;
  let events: string[];
  let informer: Informer<CustomResource>;

  const nodesOf = (name: string): unknown =>
    (informer.get("team-a", name)?.spec as { scale?: { fixed?: { targetDedicatedNodes?: number } } } | undefined)?.scale?.fixed
      ?.targetDedicatedNodes;

  beforeEach(async () => {
    server = await startTestApiServer({ namespaces: ["team-a"] });
    api = clients(server.kubeConfig());
    abort = new AbortController();
    events = [];
    const client = new CustomResourceClient(api.custom);
    informer = new Informer<CustomResource>({
      name: "BatchPool",
      watchPath: collectionPath("BatchPool"),
      list: () => client.list("BatchPool", {}),
      watch: api.watch,
      backoff: { baseMs: 10, maxMs: 50 },
      onEvent: (e: InformerEvent<CustomResource>) => events.push(`${e.type}:${e.object.metadata?.name ?? ""}`),
    });
    await createResource(api.custom, "BatchPool", poolObject("existing", "team-a"));
    void informer.run(abort.signal);
    await informer.synced();
    await server.control.waitForWatches(1);
  });

  afterEach(async () => {
    abort.abort();
    await server.close();
  });

  it("lists, then follows adds, updates and deletes through the watch", async () => {
    await createResource(api.custom, "BatchPool", poolObject("second", "team-a"));
    await mergePatchResource(api.custom, "BatchPool", "team-a", "existing", { spec: { scale: { fixed: { targetDedicatedNodes: 3 } } } });
    await deleteResource(api.custom, "BatchPool", "team-a", "second");
    await until(() => events.includes("deleted:second") && nodesOf("existing") === 3, "the watch events");
    expect(events).toEqual(["added:existing", "added:second", "updated:existing", "deleted:second"]);
    expect(informer.relists).toBe(1);
  });

  it.each(["close", "reset"] as const)(
    "resumes after a dropped watch (%s) from the last resourceVersion, missing nothing",
    async (mode) => {
      expect(server.control.dropWatches(mode)).toBe(1);
      // Changes made while the informer may be disconnected.
      await mergePatchResource(api.custom, "BatchPool", "team-a", "existing", { spec: { scale: { fixed: { targetDedicatedNodes: 5 } } } });
      await createResource(api.custom, "BatchPool", poolObject("during-outage", "team-a"));
      await until(() => nodesOf("existing") === 5 && informer.get("team-a", "during-outage") !== undefined, "the missed changes");
      expect(informer.relists).toBe(1);
      const resumed = server.control.requests({ verb: "watch", resource: "batchpools" });
      expect(resumed.length).toBeGreaterThanOrEqual(2);
      expect(resumed.every((r) => r.query.resourceVersion !== "" && r.query.resourceVersion !== undefined)).toBe(true);
    },
  );

  it("re-lists on 410 Gone and emits what changed in the gap, including deletions", async () => {
    // Stop the informer from seeing the next changes, then expire its resourceVersion.
    server.control.injectError({ verb: "watch", resource: "batchpools", code: 503, times: 1 });
    server.control.dropWatches("reset");
    await deleteResource(api.custom, "BatchPool", "team-a", "existing");
    await createResource(api.custom, "BatchPool", poolObject("after-gap", "team-a"));
    server.control.compactHistory();
    await until(() => informer.get("team-a", "after-gap") !== undefined && informer.get("team-a", "existing") === undefined, "the re-list");
    expect(informer.relists).toBeGreaterThanOrEqual(2);
    expect(events).toContain("deleted:existing");
    expect(events).toContain("added:after-gap");
  });
});
