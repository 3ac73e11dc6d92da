#!/usr/bin/env python3
"""Writes manifests/invalid/corpus/: one broken manifest per file, one problem each.

Each file starts with a header comment naming the problem and the expected located error
(`# expect: <rule> <field path>`), which test/integration/invalid-corpus.test.ts checks.
Re-run after editing the table: python3 scripts/gen-invalid-corpus.py
"""
import os, shutil

ROOT = os.path.join(os.path.dirname(__file__), "..", "manifests", "invalid", "corpus")
API = "apiVersion: azurebatch.gitops.dev/v1alpha1\n"

def pool(name, body=None, meta=""):
    body = body if body is not None else POOL_SPEC
    return f"{API}kind: BatchPool\nmetadata:\n  name: {name}\n{meta}spec:\n{body}"

POOL_SPEC = """  vmSize: standard_d2s_v3
  image:
    marketplace: {publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204"}
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: {targetDedicatedNodes: 1}
"""

def pool_with(replace_from, replace_to):
    assert replace_from in POOL_SPEC, replace_from
    return POOL_SPEC.replace(replace_from, replace_to)

def job(name, body=None, meta=""):
    body = body if body is not None else JOB_SPEC
    return f"{API}kind: BatchJob\nmetadata:\n  name: {name}\n{meta}spec:\n{body}"

JOB_SPEC = """  poolId: shared-pool
  tasks:
    - id: t1
      commandLine: echo hi
"""

def job_with(replace_from, replace_to):
    assert replace_from in JOB_SPEC, replace_from
    return JOB_SPEC.replace(replace_from, replace_to)

SWEEP = """  poolId: shared-pool
  taskFactory:
    parametricSweep:
      parameters:
        - {name: seed, start: 1, end: 3}
      taskTemplate:
        id: "run-{seed}"
        commandLine: "simulate --seed {seed}"
"""

def sweep_with(replace_from, replace_to):
    assert replace_from in SWEEP, replace_from
    return SWEEP.replace(replace_from, replace_to)

BOMB = """  vmSize: standard_d2s_v3
  image:
    marketplace: {publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204"}
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: {targetDedicatedNodes: 1}
  metadata:
    - &a {name: a, value: x}
    - &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
    - &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
    - &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
    - [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
"""

# (slug, description, expected "rule path", text or bytes)
CASES = [
    ("unknown-field", "a field the schema does not know (vmSizes beside vmSize)", "unknown-field spec.vmSizes",
     lambda n: pool(n, POOL_SPEC + "  vmSizes: [standard_d4s_v3]\n")),
    ("unknown-field-nested", "a typo inside scale.fixed (targetDedicatedNode)", "unknown-field spec.scale.fixed.targetDedicatedNode",
     lambda n: pool(n, pool_with("{targetDedicatedNodes: 1}", "{targetDedicatedNodes: 1, targetDedicatedNode: 2}"))),
    ("node-count-string", "a string where a node count is needed", "wrong-type spec.scale.fixed.targetDedicatedNodes",
     lambda n: pool(n, pool_with("targetDedicatedNodes: 1", 'targetDedicatedNodes: "two"'))),
    ("node-count-huge", "10^12 nodes: more than any Batch pool", "invalid-value spec.scale.fixed.targetDedicatedNodes",
     lambda n: pool(n, pool_with("targetDedicatedNodes: 1", "targetDedicatedNodes: 1000000000000"))),
    ("node-count-negative", "a negative node count", "invalid-value spec.scale.fixed.targetDedicatedNodes",
     lambda n: pool(n, pool_with("targetDedicatedNodes: 1", "targetDedicatedNodes: -3"))),
    ("integer-above-2-53", "an integer above 2^53 (JSON cannot carry it exactly)", "integer-too-large spec.scale.fixed.targetLowPriorityNodes",
     lambda n: pool(n, pool_with("targetDedicatedNodes: 1", "targetDedicatedNodes: 1, targetLowPriorityNodes: 9007199254740993"))),
    ("node-count-infinite", "an infinite node count (.inf)", "invalid-number spec.scale.fixed.targetDedicatedNodes",
     lambda n: pool(n, pool_with("targetDedicatedNodes: 1", "targetDedicatedNodes: .inf"))),
    ("node-count-fraction", "half a node", "wrong-type spec.scale.fixed.targetDedicatedNodes",
     lambda n: pool(n, pool_with("targetDedicatedNodes: 1", "targetDedicatedNodes: 1.5"))),
    ("vmsize-100kb", "a 100 kB vmSize", "invalid-value spec.vmSize",
     lambda n: pool(n, pool_with("vmSize: standard_d2s_v3", "vmSize: " + "x" * 100_000))),
    ("vmsize-empty", "an empty vmSize", "invalid-value spec.vmSize",
     lambda n: pool(n, pool_with("vmSize: standard_d2s_v3", 'vmSize: ""'))),
    ("missing-node-agent", "no nodeAgentSkuId", "missing-field spec.nodeAgentSkuId",
     lambda n: pool(n, pool_with("  nodeAgentSkuId: batch.node.ubuntu 22.04\n", ""))),
    ("missing-image", "no image", "missing-field spec.image",
     lambda n: pool(n, pool_with('  image:\n    marketplace: {publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204"}\n', ""))),
    ("image-both", "a marketplace and a gallery image together", "pool-image-exactly-one spec.image",
     lambda n: pool(n, pool_with('sku: "2204"}\n', 'sku: "2204"}\n    virtualMachineImageId: /subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/gal/images/img\n'))),
    ("scale-both", "fixed scale and autoscale together", "pool-scale-exactly-one spec.scale",
     lambda n: pool(n, pool_with("    fixed: {targetDedicatedNodes: 1}\n", "    fixed: {targetDedicatedNodes: 1}\n    autoscale: {formula: \"$TargetDedicatedNodes=1;\"}\n"))),
    ("scale-neither", "a scale with neither fixed nor autoscale", "pool-scale-exactly-one spec.scale",
     lambda n: pool(n, pool_with("  scale:\n    fixed: {targetDedicatedNodes: 1}\n", "  scale: {}\n"))),
    ("fixed-no-nodes", "fixed scale without a node count", "fixed-scale-needs-nodes spec.scale.fixed",
     lambda n: pool(n, pool_with("fixed: {targetDedicatedNodes: 1}", "fixed: {nodeDeallocationOption: requeue}"))),
    ("resize-timeout-short", "a resize timeout below Batch's 5 minutes", "invalid-value spec.scale.fixed.resizeTimeoutSeconds",
     lambda n: pool(n, pool_with("{targetDedicatedNodes: 1}", "{targetDedicatedNodes: 1, resizeTimeoutSeconds: 60}"))),
    ("autoscale-interval-short", "an autoscale interval below 5 minutes", "invalid-value spec.scale.autoscale.evaluationIntervalSeconds",
     lambda n: pool(n, pool_with("    fixed: {targetDedicatedNodes: 1}\n", "    autoscale: {formula: \"$TargetDedicatedNodes=1;\", evaluationIntervalSeconds: 10}\n"))),
    ("task-slots-1000", "1000 task slots per node (Batch allows 256)", "invalid-value spec.taskSlotsPerNode",
     lambda n: pool(n, POOL_SPEC + "  taskSlotsPerNode: 1000\n")),
    ("drift-policy-unknown", "a drift policy that does not exist", "invalid-value spec.driftPolicy",
     lambda n: pool(n, POOL_SPEC + "  driftPolicy: Sometimes\n")),
    ("deletion-policy-unknown", "a deletion policy that does not exist", "invalid-value spec.deletionPolicy",
     lambda n: pool(n, POOL_SPEC + "  deletionPolicy: Keep\n")),
    ("update-strategy-unknown", "an update strategy that does not exist", "invalid-value spec.updateStrategy.type",
     lambda n: pool(n, POOL_SPEC + "  updateStrategy: {type: Rolling}\n")),
    ("wrong-api-version", "our group with an unknown version", "invalid-value apiVersion",
     lambda n: pool(n).replace("v1alpha1", "v1beta1")),
    ("unknown-kind", "a kind our group does not have", "invalid-value kind",
     lambda n: pool(n).replace("kind: BatchPool", "kind: BatchNode")),
    ("node-agent-mismatch", "an Ubuntu 22.04 image with the 20.04 node agent (Batch rule)", "node-agent-sku-mismatch spec.nodeAgentSkuId",
     lambda n: pool(n, pool_with("batch.node.ubuntu 22.04", "batch.node.ubuntu 20.04"))),
    ("subnet-prefix-invalid", "a subnet prefix that is not a CIDR", "invalid-value spec.networkConfiguration.subnetAddressPrefix",
     lambda n: pool(n, POOL_SPEC + "  networkConfiguration:\n    subnetId: /subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/default\n    subnetAddressPrefix: 10.0.0.0\n")),
    ("start-task-empty-command", "a start task with an empty command line", "invalid-value spec.startTask.commandLine",
     lambda n: pool(n, POOL_SPEC + '  startTask:\n    commandLine: ""\n')),
    ("start-task-unknown-field", "a start task field that does not exist", "unknown-field spec.startTask.runElevated",
     lambda n: pool(n, POOL_SPEC + "  startTask:\n    commandLine: setup.sh\n    runElevated: true\n")),
    ("container-type-unknown", "a container runtime Batch does not have", "invalid-value spec.containerConfiguration.type",
     lambda n: pool(n, POOL_SPEC + "  containerConfiguration:\n    type: podman\n")),
    ("registry-both-credentials", "a registry with a username and a managed identity", "registry-credentials-exactly-one spec.containerConfiguration.containerRegistries[0]",
     lambda n: pool(n, POOL_SPEC + "  containerConfiguration:\n    type: dockerCompatible\n    containerRegistries:\n      - registryServer: r.azurecr.io\n        username: u\n        passwordSecretRef: {name: reg, key: password}\n        identityResourceId: /subscriptions/s/id\n")),
    ("registry-no-password", "a registry username without a password", "registry-credentials-exactly-one spec.containerConfiguration.containerRegistries[0]",
     lambda n: pool(n, POOL_SPEC + "  containerConfiguration:\n    type: dockerCompatible\n    containerRegistries:\n      - registryServer: r.azurecr.io\n        username: u\n")),
    ("metadata-missing-value", "a metadata entry without a value", "missing-field spec.metadata[0].value",
     lambda n: pool(n, POOL_SPEC + "  metadata:\n    - name: team\n")),
    ("nul-escape", 'a NUL character written as "\\0" in a string', "nul-character spec.vmSize",
     lambda n: pool(n, pool_with("vmSize: standard_d2s_v3", 'vmSize: "standard\\0d2s_v3"'))),
    ("nul-byte", "a raw NUL byte in the file", "nul-byte spec.nodeAgentSkuId",
     lambda n: pool(n, pool_with("batch.node.ubuntu 22.04", "batch.node.ubuntu\x0022.04")).encode()),
    ("not-utf8", "a Latin-1 byte (not UTF-8) in a value", "encoding spec.startTask.commandLine",
     lambda n: pool(n, POOL_SPEC + "  startTask:\n    commandLine: echo caf\xe9\n").encode("latin-1")),
    ("alias-bomb", "YAML aliases that expand to 10,000 copies (an alias bomb)", "yaml-alias spec.metadata[1][0]",
     lambda n: pool(n, BOMB)),
    ("alias-undefined", "an alias to an anchor that is never defined", "yaml-alias spec.vmSize",
     lambda n: pool(n, pool_with("vmSize: standard_d2s_v3", "vmSize: *size"))),
    ("tag-ref", "a CloudFormation-style tag (!Ref) that YAML cannot resolve", "yaml-tag spec.vmSize",
     lambda n: pool(n, pool_with("vmSize: standard_d2s_v3", "vmSize: !Ref VmSize"))),
    ("tag-binary", "a !!binary value where text is needed", "yaml-tag spec.nodeAgentSkuId",
     lambda n: pool(n, pool_with("nodeAgentSkuId: batch.node.ubuntu 22.04", "nodeAgentSkuId: !!binary aGVsbG8="))),
    ("duplicate-key", "the same key twice in one mapping (the second would win silently)", "duplicate-key spec.vmSize",
     lambda n: pool(n, POOL_SPEC + "  vmSize: standard_d64s_v3\n")),
    ("syntax-later-document", "a YAML syntax error in the second document (the first loads neither)", "yaml-syntax spec.image",
     lambda n: pool(n + "-first") + "---\n" + pool(n, pool_with("vmSize: standard_d2s_v3", "vmSize: [standard_d2s_v3"))),
    ("syntax-unclosed-quote", "a quoted string that is never closed", "yaml-syntax spec.nodeAgentSkuId",
     lambda n: pool(n, pool_with("nodeAgentSkuId: batch.node.ubuntu 22.04", 'nodeAgentSkuId: "batch.node.ubuntu 22.04'))),
    ("duplicate-resource-in-file", "the same BatchPool twice in one file (neither copy applies)", "duplicate-name metadata.name",
     lambda n: pool(n) + "---\n" + pool(n, pool_with("targetDedicatedNodes: 1", "targetDedicatedNodes: 2"))),
    ("adopt-pool-id-invalid", "an adopted pool id with characters Batch refuses", "invalid-value spec.adopt.poolId",
     lambda n: pool(n, POOL_SPEC + "  adopt: {poolId: \"pool/one\"}\n")),
    ("name-uppercase", "a name that is not a DNS label", "invalid-value metadata.name",
     lambda n: pool(n).replace(f"name: {n}", f"name: {n.upper()}")),
    ("name-too-long", "a 60-character name (a Batch id needs room for -<hash8>)", "invalid-value metadata.name",
     lambda n: pool(n).replace(f"name: {n}", f"name: {n}-{'x' * (59 - len(n))}")),
    ("namespace-invalid", "a namespace that is not a DNS label", "invalid-value metadata.namespace",
     lambda n: pool(n, meta="  namespace: Team_A\n")),
    ("annotations-300kb", "annotations larger than Kubernetes' 256 KiB", "too-large metadata.annotations",
     lambda n: pool(n, meta="  annotations:\n    note: " + "y" * 300_000 + "\n")),
    ("resource-file-two-sources", "a resource file with two sources", "resource-file-exactly-one-source spec.startTask.resourceFiles[0]",
     lambda n: pool(n, POOL_SPEC + "  startTask:\n    commandLine: run.sh\n    resourceFiles:\n      - {httpUrl: \"https://example.com/run.sh\", autoStorageContainerName: scripts, filePath: run.sh}\n")),
    ("file-mode-invalid", "a file mode that is not octal", "invalid-value spec.startTask.resourceFiles[0].fileMode",
     lambda n: pool(n, POOL_SPEC + "  startTask:\n    commandLine: run.sh\n    resourceFiles:\n      - {httpUrl: \"https://example.com/run.sh\", filePath: run.sh, fileMode: \"999\"}\n")),
    ("spec-is-a-list", "a spec that is a list", "wrong-type spec",
     lambda n: f"{API}kind: BatchPool\nmetadata:\n  name: {n}\nspec:\n  - vmSize: standard_d2s_v3\n"),
    # Jobs
    ("job-pool-both", "a job with both poolRef and poolId", "job-pool-exactly-one spec",
     lambda n: job(n, job_with("  poolId: shared-pool\n", "  poolId: shared-pool\n  poolRef: {name: somewhere}\n"))),
    ("job-pool-neither", "a job with no pool at all", "job-pool-exactly-one spec",
     lambda n: job(n, job_with("  poolId: shared-pool\n", ""))),
    ("job-pool-missing", "a poolRef to a BatchPool not in the directory", "missing-pool spec.poolRef.name",
     lambda n: job(n, job_with("  poolId: shared-pool\n", "  poolRef: {name: nowhere}\n"))),
    ("task-id-dot", "a task id with a dot", "invalid-value spec.tasks[0].id",
     lambda n: job(n, job_with("id: t1", "id: t.1"))),
    ("task-id-65", "a 65-character task id", "invalid-value spec.tasks[0].id",
     lambda n: job(n, job_with("id: t1", "id: " + "t" * 65))),
    ("task-id-repeat", "two task ids equal but for case", "task-id-unique spec.tasks[1].id",
     lambda n: job(n, JOB_SPEC + "    - id: T1\n      commandLine: echo again\n")),
    ("task-depends-missing", "a dependency on a task the job does not define", "task-depends-on-missing spec.tasks[0].dependsOn.taskIds",
     lambda n: job(n, JOB_SPEC + "      dependsOn: {taskIds: [t0]}\n")),
    ("command-line-2mib", "a 2 MiB command line (over Batch's 1 MiB request limit)", "too-large spec.tasks[0]",
     lambda n: job(n, job_with("commandLine: echo hi", "commandLine: echo " + "z" * (2 * 1024 * 1024)))),
    ("tasks-and-factory", "explicit tasks and a task factory together", "job-tasks-or-factory spec",
     lambda n: job(n, JOB_SPEC + "\n".join(SWEEP.splitlines()[1:]) + "\n")),
    ("priority-5000", "a priority outside -1000..1000", "invalid-value spec.priority",
     lambda n: job(n, JOB_SPEC + "  priority: 5000\n")),
    ("on-task-failure-unknown", "an onTaskFailure value Batch does not have", "invalid-value spec.onTaskFailure",
     lambda n: job(n, JOB_SPEC + "  onTaskFailure: retry\n")),
    ("placeholder-typo", "{seeed}: a template placeholder naming no parameter", "unknown-placeholder spec.taskFactory.parametricSweep.taskTemplate.commandLine",
     lambda n: job(n, sweep_with("--seed {seed}", "--seed {seeed}"))),
    ("sweep-too-large", "a sweep of 10^9 tasks", "task-factory-too-large spec.taskFactory.parametricSweep.parameters",
     lambda n: job(n, sweep_with("end: 3}", "end: 1000000000}"))),
    ("sweep-id-without-param", "an id template that does not use the swept parameter", "task-id-unique spec.taskFactory.parametricSweep.taskTemplate.id",
     lambda n: job(n, sweep_with('id: "run-{seed}"', 'id: "run"').replace("--seed {seed}", "--seed {{seed}}"))),
    ("sweep-end-before-start", "a sweep parameter ending before it starts", "sweep-range-order spec.taskFactory.parametricSweep.parameters[0]",
     lambda n: job(n, sweep_with("start: 1, end: 3", "start: 3, end: 1"))),
    ("release-without-preparation", "a job release task without a preparation task", "job-release-needs-preparation spec",
     lambda n: job(n, JOB_SPEC + "  jobReleaseTask: {commandLine: cleanup.sh}\n")),
    ("upload-condition-unknown", "an output file upload condition that does not exist", "invalid-value spec.tasks[0].outputFiles[0].uploadOptions.uploadCondition",
     lambda n: job(n, JOB_SPEC + "      outputFiles:\n        - filePattern: out.txt\n          destination: {container: {containerUrl: \"https://a.blob.core.windows.net/c\"}}\n          uploadOptions: {uploadCondition: always}\n")),
    ("retry-count-negative", "a retry count below -1", "invalid-value spec.tasks[0].constraints.maxTaskRetryCount",
     lambda n: job(n, JOB_SPEC + "      constraints: {maxTaskRetryCount: -5}\n")),
    ("display-name-long", "a 2,000-character task display name", "invalid-value spec.tasks[0].displayName",
     lambda n: job(n, JOB_SPEC + "      displayName: " + "d" * 2000 + "\n")),
    ("task-id-range-order", "a task id range ending before it starts", "task-id-range-order spec.tasks[1].dependsOn.taskIdRanges[0]",
     lambda n: job(n, JOB_SPEC + "    - id: t2\n      commandLine: echo two\n      dependsOn: {taskIdRanges: [{start: 5, end: 1}]}\n")),
    ("job-wall-clock-zero", "a zero job wall-clock limit", "invalid-value spec.constraints.maxWallClockTimeSeconds",
     lambda n: job(n, JOB_SPEC + "  constraints: {maxWallClockTimeSeconds: 0}\n")),
    ("pool-id-too-long", "a poolId over Batch's 64 characters", "invalid-value spec.poolId",
     lambda n: job(n, job_with("poolId: shared-pool", "poolId: " + "p" * 70))),
    ("task-missing-command", "a task without a command line", "missing-field spec.tasks[0].commandLine",
     lambda n: job(n, job_with("      commandLine: echo hi\n", ""))),
    ("task-container-no-image", "task container settings without an image", "missing-field spec.tasks[0].containerSettings.imageName",
     lambda n: job(n, JOB_SPEC + "      containerSettings: {containerRunOptions: \"--rm\"}\n")),
    ("container-short-option", "a short docker option (-v) Batch refuses (Batch rule)", "container-run-options-short-form spec.tasks[0].containerSettings.containerRunOptions",
     lambda n: job(n, JOB_SPEC + "      containerSettings: {imageName: \"alpine:3\", containerRunOptions: \"-v /data:/data\"}\n")),
    ("env-name-empty", "an environment variable with an empty name", "invalid-value spec.tasks[0].environmentSettings[0].name",
     lambda n: job(n, JOB_SPEC + "      environmentSettings: [{name: \"\", value: x}]\n")),
    ("alias-circular", "an alias inside the value it names (a value that contains itself)", "yaml-alias spec.tasks[0].environmentSettings[0]",
     lambda n: job(n, JOB_SPEC + "      environmentSettings: &env [*env]\n")),
    ("proto-key", "a __proto__ key, which must stay a field and not become a prototype", "unknown-field spec.scale.__proto__",
     lambda n: pool(n, pool_with("    fixed: {targetDedicatedNodes: 1}\n", "    fixed: {targetDedicatedNodes: 1}\n    __proto__: {autoScale: {formula: x}}\n"))),
    ("list-item-unknown-field", "a kind: List whose BatchPool item has a typo (vmSizes)", "unknown-field spec.vmSizes",
     lambda n: "apiVersion: v1\nkind: List\nitems:\n" + "\n".join("  " + l if l else l for l in pool(n, pool_with("vmSize:", "vmSizes:")).split("\n"))
       .replace("  apiVersion: azurebatch", "- apiVersion: azurebatch", 1)),
    ("label-key-invalid", "a label key whose prefix is not a lowercase DNS subdomain (kube-apiserver refuses it)", "invalid-label metadata.labels.Render.Example.com/tier",
     lambda n: pool(n, meta="  labels:\n    app: render\n    Render.Example.com/tier: gpu\n")),
    ("label-value-invalid", "a label value starting with '-' (kube-apiserver refuses it)", "invalid-label metadata.labels.team",
     lambda n: job(n, meta="  labels:\n    team: \"-render-\"\n")),
]

def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(ROOT)
    for index, (slug, description, expect, make) in enumerate(CASES, start=1):
        name = f"bad-{index:03d}"
        header = f"# {index:03d}: {description}.\n# expect: {expect}\n"
        content = make(name)
        data = header.encode() + (content if isinstance(content, bytes) else content.encode())
        with open(os.path.join(ROOT, f"{index:03d}-{slug}.yaml"), "wb") as f:
            f.write(data)
    print(f"wrote {len(CASES)} cases to {os.path.normpath(ROOT)}")

main()
