// Starts Titan Verify's language server, `titan lsp`, over stdio for .tspec files.
// Highlighting comes from syntaxes/tspec.tmLanguage.json and needs none of this.
'use strict';

const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration('titan');
  if (!config.get('lsp.enabled', true)) {
    return;
  }
  const server = { command: config.get('path', 'titan'), args: ['lsp'], transport: TransportKind.stdio };
  client = new LanguageClient(
    'titan',
    'Titan Verify',
    { run: server, debug: server },
    { documentSelector: [{ scheme: 'file', language: 'tspec' }, { scheme: 'untitled', language: 'tspec' }] }
  );
  context.subscriptions.push(client);
  return client.start().catch((error) => {
    vscode.window.showErrorMessage(
      `Titan Verify: could not start '${server.command} lsp' (set titan.path): ${error.message || error}`
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
