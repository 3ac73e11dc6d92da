import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFileSecretResolver } from "../../controller/directory/fileSecretResolver.js";

describe("file secret resolver", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "secrets-"));
    await mkdir(join(dir, "registry"));
    await writeFile(join(dir, "registry", "password"), "hunter2\n");
    await writeFile(join(dir, "registry", "raw"), "two\nlines");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads <dir>/<name>/<key> like a mounted Secret, dropping one trailing newline", async () => {
    const secrets = createFileSecretResolver(dir);
    expect(await secrets.resolveSecret("default", { name: "registry", key: "password" })).toBe("hunter2");
    expect(await secrets.resolveSecret("default", { name: "registry", key: "raw" })).toBe("two\nlines");
  });

  it("names the missing reference without leaking anything", async () => {
    const secrets = createFileSecretResolver(dir);
    await expect(secrets.resolveSecret("default", { name: "registry", key: "token" })).rejects.toThrow(
      'secret "registry" key "token" could not be read from --secrets-dir (ENOENT)',
    );
    await expect(createFileSecretResolver(undefined).resolveSecret("default", { name: "registry", key: "password" })).rejects.toThrow(
      /no --secrets-dir was given/,
    );
  });

  it("refuses names that would escape the secrets dir", async () => {
    const secrets = createFileSecretResolver(join(dir, "registry"));
    await expect(secrets.resolveSecret("default", { name: "..", key: "registry" })).rejects.toThrow(/not a valid secret name/);
    await expect(secrets.resolveSecret("default", { name: "x", key: "../../etc/passwd" })).rejects.toThrow(/not a valid secret name/);
  });
});
