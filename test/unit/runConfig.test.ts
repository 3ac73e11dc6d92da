import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, parseRunConfig, type ConfigContext } from "../../controller/config/runConfig.js";
import { parseDurationMs } from "../../controller/config/duration.js";

const ctx = (env: Record<string, string> = {}, stdoutIsTTY = false): ConfigContext => ({ env, cwd: "/repo", stdoutIsTTY });

describe("parseDurationMs", () => {
  it.each([
    ["250ms", 250],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1.5s", 1500],
    ["45", 45_000],
  ])("%s → %i ms", (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(["", "5 minutes", "m5", "5d", "5m-"])("rejects %j", (text) => {
    expect(() => parseDurationMs(text)).toThrow(/invalid duration/);
  });
});

describe("parseRunConfig", () => {
  it("defaults to the examples directory and the embedded emulator", () => {
    const config = parseRunConfig([], ctx());
    expect(config.source).toEqual({ kind: "directory", dir: "/repo/manifests/examples" });
    expect(config.batch).toEqual({ kind: "embedded" });
    expect(config.resyncIntervalMs).toBe(300_000);
    expect(config.pollIntervalMs).toBe(5_000);
    expect(config.http).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(config.stateDir).toBe("/repo/.batch-gitops");
    expect(config.once).toBe(false);
    expect(config.managerId).toBe("batch-gitops");
    expect(config.log).toEqual({ format: "json", level: "info", color: false });
  });

  it("colours pretty logs on a terminal only, and never with NO_COLOR", () => {
    expect(parseRunConfig([], ctx({}, true)).log.color).toBe(true);
    expect(parseRunConfig([], ctx({ NO_COLOR: "1" }, true)).log.color).toBe(false);
    expect(parseRunConfig([], ctx({}, false)).log.color).toBe(false);
  });

  it("uses pretty logs on a terminal unless told otherwise", () => {
    expect(parseRunConfig([], ctx({}, true)).log.format).toBe("pretty");
    expect(parseRunConfig(["--log-format", "json"], ctx({}, true)).log.format).toBe("json");
  });

  it("parses every flag", () => {
    const config = parseRunConfig(
      [
        "--dir",
        "deploy",
        "--resync-interval",
        "30s",
        "--poll-interval",
        "750ms",
        "--concurrency",
        "3",
        "--log-level",
        "debug",
        "--http-addr",
        ":0",
        "--alert-webhook",
        "http://127.0.0.1:9093/api/v2/alerts",
        "--state-dir",
        "/var/state",
        "--once",
        "--secrets-dir",
        "secrets",
      ],
      ctx(),
    );
    expect(config).toMatchObject({
      source: { kind: "directory", dir: "/repo/deploy" },
      resyncIntervalMs: 30_000,
      pollIntervalMs: 750,
      concurrency: 3,
      log: { level: "debug" },
      http: { host: "127.0.0.1", port: 0 },
      alertWebhookUrl: "http://127.0.0.1:9093/api/v2/alerts",
      stateDir: "/var/state",
      once: true,
      secretsDir: "/repo/secrets",
    });
  });

  it("shows the live view on a terminal, plain lines otherwise or with --once", () => {
    expect(parseRunConfig([], ctx({}, true)).view).toBe("live");
    expect(parseRunConfig([], ctx({}, false)).view).toBe("plain");
    expect(parseRunConfig(["--once"], ctx({}, true)).view).toBe("plain");
    expect(parseRunConfig(["--view", "off"], ctx({}, true)).view).toBe("off");
  });

  it("turns the HTTP server off with --http-addr off", () => {
    expect(parseRunConfig(["--http-addr", "off"], ctx()).http).toBeUndefined();
  });

  it("takes the account URL from the environment and defaults to Entra ID without a key", () => {
    const config = parseRunConfig([], ctx({ BATCH_ACCOUNT_URL: "https://acct.westeurope.batch.azure.com" }));
    expect(config.batch).toEqual({ kind: "remote", url: "https://acct.westeurope.batch.azure.com", auth: { kind: "entra" } });
  });

  it("uses a shared key from the environment and never prints it", () => {
    const key = "c2VjcmV0LWtleS12YWx1ZQ==";
    const config = parseRunConfig(["--batch-url", "http://127.0.0.1:8089"], ctx({ BATCH_ACCOUNT_NAME: "acct", BATCH_ACCOUNT_KEY: key }));
    if (config.batch.kind !== "remote" || config.batch.auth.kind !== "shared-key") {
      throw new Error("expected shared-key auth");
    }
    expect(config.batch.auth.accountKey.reveal()).toBe(key);
    expect(JSON.stringify(config)).not.toContain(key);
    expect(inspect(config, { depth: 10 })).not.toContain(key);
    expect(`${config.batch.auth.accountKey}`).not.toContain(key);
  });

  it("requires the account name and key for shared-key auth", () => {
    expect(() => parseRunConfig(["--batch-url", "https://a.b", "--auth", "shared-key"], ctx())).toThrow(
      /BATCH_ACCOUNT_NAME and BATCH_ACCOUNT_KEY/,
    );
  });

  it("puts the Git checkout in the state dir and reads --dir inside it", () => {
    const config = parseRunConfig(
      ["--git-url", "https://example.com/m.git", "--git-branch", "prod", "--git-poll-interval", "10s", "--dir", "batch"],
      ctx(),
    );
    expect(config.source).toEqual({
      kind: "directory",
      dir: "/repo/.batch-gitops/checkout/batch",
      git: { url: "https://example.com/m.git", branch: "prod", pollIntervalMs: 10_000, checkoutDir: "/repo/.batch-gitops/checkout" },
    });
  });

  it("hands the cluster flags to the cluster config parser", () => {
    const config = parseRunConfig(
      ["--source", "kubernetes", "--namespace", "team-a", "--leader-elect"],
      ctx({ POD_NAMESPACE: "batch-gitops" }),
    );
    expect(config.source).toMatchObject({ kind: "kubernetes", namespace: "team-a", leaderElection: { leaseNamespace: "batch-gitops" } });
    expect(() => parseRunConfig(["--source", "kubernetes", "--label-selector", "a;b"], ctx())).toThrow(ConfigError);
  });

  it.each([
    [["--source", "s3"], /--source must be one of directory, kubernetes/],
    [["--concurrency", "0"], /--concurrency must be a positive integer/],
    [["--resync-interval", "soon"], /--resync-interval: invalid duration/],
    [["--poll-interval", "0s"], /--poll-interval must be longer than 0/],
    [["--http-addr", "8080"], /--http-addr "8080" is not host:port/],
    [["--batch-url", "ftp://x"], /--batch-url must be an http\(s\) URL/],
    [["--auth", "entra"], /--auth needs --batch-url/],
    [["--log-level", "loud"], /--log-level must be one of/],
    [["--bogus"], /Unknown option '--bogus'/],
    [["--manager-id", "a b"], /--manager-id "a b" must be/],
  ])("rejects %j with a message naming the flag", (args, message) => {
    expect(() => parseRunConfig(args, ctx())).toThrow(ConfigError);
    expect(() => parseRunConfig(args, ctx())).toThrow(message);
  });
});
