import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    pool: "forks",
    // Two cores on CI: keep parallelism modest so timing-sensitive integration tests stay stable.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: { name: "default", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, "test/realkube/**"] },
      },
      {
        // Against a real etcd and kube-apiserver (scripts/kube-build.sh): one control plane per run,
        // started by the global setup and shared by these files.
        extends: true,
        test: {
          name: "realkube",
          include: ["test/realkube/**/*.test.ts"],
          globalSetup: ["test/realkube/globalSetup.ts"],
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
