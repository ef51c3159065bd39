// Where `dun.server.path` points, checked before the client starts so that a
// missing program gets one clear message (and no start that fails twice).
// No `vscode` import: tests/server-path.test.js runs it under plain node.
"use strict";

const fs = require("fs");
const path = require("path");

function isExecutable(file) {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform === "win32") {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// The program `setting` names: an absolute or relative path is taken as it
// is, a bare name is looked up on `envPath` (with Windows' extensions).
// Returns { found: string } or { missing: string } saying what was tried.
function resolveServer(setting, envPath, platform = process.platform) {
  const command = typeof setting === "string" && setting.trim() !== "" ? setting.trim() : "dun";
  if (command.includes("/") || command.includes("\\")) {
    return isExecutable(command)
      ? { found: command }
      : { missing: `\`${command}\` is not an executable file` };
  }
  const extensions = platform === "win32" ? ["", ".exe", ".cmd"] : [""];
  const dirs = (envPath || "").split(path.delimiter).filter((d) => d !== "");
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = path.join(dir, command + ext);
      if (isExecutable(candidate)) {
        return { found: candidate };
      }
    }
  }
  return { missing: `\`${command}\` was not found on PATH` };
}

module.exports = { resolveServer };
