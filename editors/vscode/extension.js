// The dun extension: starts `dun lsp` and connects VS Code to it. Plain
// JavaScript so that packaging needs no build step.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { resolveServer } = require("./server-path");

let client;

function settings() {
  const config = vscode.workspace.getConfiguration("dun");
  const extraEnv = config.get("server.extraEnv") || {};
  const env = Object.assign({}, process.env, extraEnv);
  return { path: config.get("server.path"), env };
}

// One message, with a button that opens the setting; fixing the setting
// restarts the server (no window reload).
async function reportMissing(reason) {
  const open = "Set dun.server.path";
  const choice = await vscode.window.showErrorMessage(
    `dun: cannot start the language server: ${reason}. Install dun ` +
      "(cargo install --path . in its repository) or set dun.server.path to the program.",
    open
  );
  if (choice === open) {
    await vscode.commands.executeCommand("workbench.action.openSettings", "dun.server.path");
  }
}

async function stop() {
  const old = client;
  client = undefined;
  if (!old) {
    return;
  }
  // A client whose start failed cannot be stopped; disposing it is enough.
  try {
    if (old.isRunning()) {
      await old.stop();
    }
  } catch {
    // Already stopped: nothing to do.
  }
  try {
    await old.dispose();
  } catch {
    // Disposing a failed client may throw too.
  }
}

async function start() {
  await stop();
  const { path, env } = settings();
  const server = resolveServer(path, env.PATH || env.Path);
  if (server.missing) {
    await reportMissing(server.missing);
    return;
  }
  const run = {
    command: server.found,
    args: ["lsp"],
    transport: TransportKind.stdio,
    options: { env },
  };
  client = new LanguageClient(
    "dun",
    "dun",
    { run, debug: run },
    {
      documentSelector: [
        { scheme: "file", language: "dun" },
        { scheme: "untitled", language: "dun" },
      ],
      outputChannelName: "dun",
    }
  );
  try {
    await client.start();
  } catch {
    // The client has already shown why (its own message and the "dun"
    // output channel); a second message would only repeat it.
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("dun.restartServer", start),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("dun.server")) {
        await start();
      }
    })
  );
  await start();
}

async function deactivate() {
  await stop();
}

module.exports = { activate, deactivate };
