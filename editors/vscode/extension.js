// The dun extension: starts `dun lsp` and connects VS Code to it. Plain
// JavaScript so that packaging needs no build step.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function serverOptions() {
  const config = vscode.workspace.getConfiguration("dun");
  const command = config.get("server.path") || "dun";
  const env = Object.assign({}, process.env, config.get("server.extraEnv") || {});
  const run = { command, args: ["lsp"], transport: TransportKind.stdio, options: { env } };
  return { run, debug: run };
}

async function start(context) {
  client = new LanguageClient(
    "dun",
    "dun",
    serverOptions(),
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
  } catch (err) {
    const path = vscode.workspace.getConfiguration("dun").get("server.path");
    vscode.window.showErrorMessage(
      `dun: could not start the language server \`${path} lsp\` (${err.message}). ` +
        "Install dun (cargo install --path . in its repository) or set dun.server.path."
    );
  }
}

async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("dun.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("dun.server")) {
        await vscode.commands.executeCommand("dun.restartServer");
      }
    })
  );
  await start(context);
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
