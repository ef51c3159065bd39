// Checks, under plain node, what the extension relies on: how
// `dun.server.path` is resolved, and that a workspace cannot choose the
// program (machine scope, restricted in untrusted workspaces).
"use strict";

const assert = require("assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { resolveServer } = require("../server-path");

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dun-vscode-"));
const program = path.join(dir, "dun");
fs.writeFileSync(program, "#!/bin/sh\n");
fs.chmodSync(program, 0o755);
const notExecutable = path.join(dir, "plain");
fs.writeFileSync(notExecutable, "");
fs.chmodSync(notExecutable, 0o644);

// A bare name is found on PATH; the default is `dun`.
assert.deepStrictEqual(resolveServer("dun", dir, "linux"), { found: program });
assert.deepStrictEqual(resolveServer(undefined, dir, "linux"), { found: program });
assert.deepStrictEqual(resolveServer("", `/nonexistent${path.delimiter}${dir}`, "linux"), {
  found: program,
});
// Missing: a sentence naming what was tried, never "undefined".
const missing = resolveServer("dun", "/nonexistent", "linux");
assert.strictEqual(missing.missing, "`dun` was not found on PATH");
assert.strictEqual(resolveServer(undefined, undefined, "linux").missing, "`dun` was not found on PATH");
// A path is taken as it is, and must be an executable file.
assert.deepStrictEqual(resolveServer(program, "", "linux"), { found: program });
if (process.platform !== "win32") {
  assert.match(resolveServer(notExecutable, "", "linux").missing, /is not an executable file/);
}
assert.match(resolveServer(dir, "", "linux").missing, /is not an executable file/);

// Settings that choose what runs are machine-wide and restricted.
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8"));
const props = manifest.contributes.configuration.properties;
for (const key of ["dun.server.path", "dun.server.extraEnv"]) {
  assert.strictEqual(props[key].scope, "machine", `${key} is machine-scoped`);
  assert.ok(
    manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key),
    `${key} is restricted in untrusted workspaces`
  );
}

fs.rmSync(dir, { recursive: true, force: true });
console.log("server-path: ok");
