/**
 * Builders for valid BatchPool / BatchJob objects, to be tweaked per test:
 *   aPool({ name: "render" }).withScale({ fixed: { targetDedicatedNodes: 4 } }).build()
 */
import { API_VERSION, JOB_KIND, POOL_KIND } from "../../controller/model/index.js";
import type { BatchJob, BatchJobSpec, BatchPool, BatchPoolSpec, TaskFactory, TaskSpec } from "../../controller/model/index.js";

export interface MetaOptions {
  name?: string;
  namespace?: string;
  generation?: number;
}

/** A valid container pool on microsoft-dsvm ubuntu-hpc 2204 with two dedicated nodes. */
export function poolSpec(overrides: Partial<BatchPoolSpec> = {}): BatchPoolSpec {
  return {
    vmSize: "standard_d2s_v3",
    image: { marketplace: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" } },
    nodeAgentSkuId: "batch.node.ubuntu 22.04",
    scale: { fixed: { targetDedicatedNodes: 2 } },
    ...overrides,
  };
}

export class PoolBuilder {
  constructor(private readonly pool: BatchPool) {}
  withSpec(overrides: Partial<BatchPoolSpec>): PoolBuilder {
    return new PoolBuilder({ ...this.pool, spec: { ...this.pool.spec, ...overrides } });
  }
  withScale(scale: BatchPoolSpec["scale"]): PoolBuilder {
    return this.withSpec({ scale });
  }
  withImage(image: BatchPoolSpec["image"]): PoolBuilder {
    return this.withSpec({ image });
  }
  withGeneration(generation: number): PoolBuilder {
    return new PoolBuilder({ ...this.pool, metadata: { ...this.pool.metadata, generation } });
  }
  build(): BatchPool {
    return structuredClone(this.pool);
  }
}

export function aPool(meta: MetaOptions = {}, spec: Partial<BatchPoolSpec> = {}): PoolBuilder {
  return new PoolBuilder({
    apiVersion: API_VERSION,
    kind: POOL_KIND,
    metadata: {
      name: meta.name ?? "pool-a",
      namespace: meta.namespace ?? "default",
      ...(meta.generation === undefined ? {} : { generation: meta.generation }),
    },
    spec: poolSpec(spec),
  });
}

export function aTask(id: string, overrides: Partial<TaskSpec> = {}): TaskSpec {
  return { id, commandLine: `/bin/sh -c 'echo ${id}'`, ...overrides };
}

/** A sweep over `i` in [0, count) with ids `task-00000`… */
export function aSweep(count: number, overrides: Partial<TaskFactory["parametricSweep"]["taskTemplate"]> = {}): TaskFactory {
  return {
    parametricSweep: {
      parameters: [{ name: "i", start: 0, end: count - 1 }],
      taskTemplate: { id: "task-{i:05}", commandLine: "python sim.py --seed {i}", ...overrides },
    },
  };
}

export class JobBuilder {
  constructor(private readonly job: BatchJob) {}
  withSpec(overrides: Partial<BatchJobSpec>): JobBuilder {
    return new JobBuilder({ ...this.job, spec: { ...this.job.spec, ...overrides } });
  }
  withTasks(tasks: TaskSpec[]): JobBuilder {
    return this.withSpec({ tasks });
  }
  withTaskFactory(taskFactory: TaskFactory): JobBuilder {
    const { tasks: _dropped, ...spec } = this.job.spec;
    return new JobBuilder({ ...this.job, spec: { ...spec, taskFactory } });
  }
  withGeneration(generation: number): JobBuilder {
    return new JobBuilder({ ...this.job, metadata: { ...this.job.metadata, generation } });
  }
  build(): BatchJob {
    return structuredClone(this.job);
  }
}

/** A valid job on BatchPool `pool-a` with two tasks. */
export function aJob(meta: MetaOptions = {}, spec: Partial<BatchJobSpec> = {}): JobBuilder {
  return new JobBuilder({
    apiVersion: API_VERSION,
    kind: JOB_KIND,
    metadata: {
      name: meta.name ?? "job-a",
      namespace: meta.namespace ?? "default",
      ...(meta.generation === undefined ? {} : { generation: meta.generation }),
    },
    spec: { poolRef: { name: "pool-a" }, tasks: [aTask("t1"), aTask("t2")], ...spec },
  });
}
