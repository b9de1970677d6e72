"""End-to-end tests of `titan lsp` through a real LSP client (pytest-lsp, on pygls).

    TITAN_BINARY=.build/debug/titan .venv/bin/python3 -m pytest editors/tests/test_lsp.py -q

The binary defaults to .build/debug/titan under the package root. Positions below are 0-based,
as LSP sends them.
"""

import json
import os
import pathlib
import random
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
TITAN = os.environ.get("TITAN_BINARY", str(ROOT / ".build" / "debug" / "titan"))
URI = (ROOT / "Specs" / "lsp-test" / "vault.tspec").as_uri()

# A spec written for these tests: a doc comment, state, a view, a function, an action with a
# parameter and a local, a lemma used by an invariant, and names inside comments.
SPEC = """\
model Vault {
  // Total deposited, in wei.
  // Never negative.
  state total: uint256
  state balances: map<address, uint256>

  view held(a: address): uint256 = balances[a]

  function credit(who: address, amount: uint256) {
    balances[who] = balances[who] + amount
  }

  // deposit adds to total (this comment mentions total and must not count)
  action deposit(amount: uint256) {
    let before = total
    credit(msg.sender, amount)
    total = before + amount
  }

  lemma total_grows(a: uint256, b: uint256): a + b >= a
  invariant covered(a: address): held(a) <= total + 0 using total_grows
}
"""


def line_of(text: str, needle: str) -> int:
    """0-based line of the first line containing needle."""
    for number, line in enumerate(text.splitlines()):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the spec")


def pos(needle: str, within: str, offset: int = 0) -> types.Position:
    """The position of `needle` on the first line that contains `within`."""
    line = line_of(SPEC, within)
    return types.Position(line=line, character=SPEC.splitlines()[line].index(needle) + offset)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[TITAN, "lsp"]))
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=ROOT.as_uri())
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def open_spec(client: LanguageClient, text: str = SPEC, version: int = 1):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=URI, language_id="tspec", version=version, text=text)
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


async def change(client: LanguageClient, text: str, version: int):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)


@pytest.mark.asyncio
async def test_diagnostics_after_breaking_edit_and_fix(client: LanguageClient):
    await open_spec(client)
    assert list(client.diagnostics[URI]) == []
    # An undeclared name: the type checker's message, at the name's line and column.
    broken = SPEC.replace("total = before + amount", "total = befor + amount")
    await change(client, broken, 2)
    [diagnostic] = client.diagnostics[URI]
    assert "befor" in diagnostic.message
    start = pos("befor", "total = before + amount")
    assert diagnostic.range.start == start
    assert diagnostic.range.end.character == start.character + len("befor")
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    # A syntax error: the parser's message.
    await change(client, SPEC.replace("state total: uint256", "state total uint256"), 3)
    [diagnostic] = client.diagnostics[URI]
    assert "expected" in diagnostic.message and diagnostic.range.start.line == line_of(SPEC, "state total")
    # The fix clears them.
    await change(client, SPEC, 4)
    assert list(client.diagnostics[URI]) == []


@pytest.mark.asyncio
async def test_diagnostic_messages_match_the_cli(client: LanguageClient, tmp_path):
    broken = SPEC.replace("total = before + amount", "total = before + amount + true")
    await open_spec(client, broken)
    spec = tmp_path / "broken.tspec"
    spec.write_text(broken)
    cli = subprocess.run([TITAN, "verify", str(spec), "--no-report"], capture_output=True, text=True)
    assert cli.returncode == 2
    messages = [d.message for d in client.diagnostics[URI]]
    assert messages and all(f"error: {m}" in cli.stderr for m in messages)


@pytest.mark.asyncio
async def test_hover(client: LanguageClient):
    await open_spec(client)
    state = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("total", "total = before"))
    )
    assert "state total: uint256" in state.contents.value
    assert "Total deposited, in wei." in state.contents.value and "Never negative." in state.contents.value
    view = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("held", "invariant covered"))
    )
    assert "view held(a: address): uint256" in view.contents.value
    param = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("amount", "credit(msg.sender"))
    )
    assert "(parameter) amount: uint256" in param.contents.value
    local = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("before", "total = before"))
    )
    assert "(local) before: uint256" in local.contents.value
    function = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("credit", "credit(msg.sender"))
    )
    assert "function credit(who: address, amount: uint256)" in function.contents.value
    comment = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("total", "this comment"))
    )
    assert comment is None


@pytest.mark.asyncio
async def test_definition(client: LanguageClient):
    await open_spec(client)
    result = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("total_grows", "using total_grows"))
    )
    location = result[0] if isinstance(result, list) else result
    assert location.uri == URI
    assert location.range.start == pos("total_grows", "lemma total_grows")
    action = await client.text_document_definition_async(
        types.DefinitionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("credit", "credit(msg.sender", 2))
    )
    action = action[0] if isinstance(action, list) else action
    assert action.range.start == pos("credit", "function credit")


@pytest.mark.asyncio
async def test_references_skip_comments(client: LanguageClient):
    await open_spec(client)
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            position=pos("total", "state total"),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    lines = sorted(r.range.start.line for r in refs)
    expected = sorted([line_of(SPEC, "state total"), line_of(SPEC, "let before = total"),
                       line_of(SPEC, "total = before + amount"), line_of(SPEC, "invariant covered")])
    assert lines == expected
    assert line_of(SPEC, "this comment mentions") not in lines


@pytest.mark.asyncio
async def test_document_symbols(client: LanguageClient):
    await open_spec(client)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    [model] = symbols
    assert model.name == "Vault"
    names = [c.name for c in model.children]
    assert names == ["total", "balances", "held", "credit", "deposit", "total_grows", "covered"]
    deposit = next(c for c in model.children if c.name == "deposit")
    assert deposit.kind == types.SymbolKind.Method
    assert deposit.selection_range.start == pos("deposit", "action deposit")


@pytest.mark.asyncio
async def test_completion(client: LanguageClient):
    await open_spec(client)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=URI), position=pos("total", "total = before"))
    )
    labels = {item.label for item in result.items}
    for expected in ["total", "balances", "held", "credit", "deposit", "amount", "before",
                     "msg.sender", "block.timestamp", "sum", "mulDiv", "max_uint256", "require", "invariant"]:
        assert expected in labels, expected


@pytest.mark.asyncio
async def test_code_lens_reads_the_latest_report(client: LanguageClient):
    await open_spec(client)
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert [lens.command.arguments[2] for lens in lenses] == ["total_grows", "covered"]
    assert all(lens.command.command == "titan.verifyProperty" for lens in lenses)
    assert lenses[0].command.arguments[1] == "Vault"


@pytest.mark.asyncio
async def test_the_lens_command_verifies_one_property(client: LanguageClient):
    spec = str(ROOT / "Specs" / "examples" / "ownable2step_snekmate.tspec")
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="titan.verifyProperty",
                                   arguments=[spec, "SnekmateOwnable2Step", "renouncing_clears_both"])
    )
    log = await client.wait_for_notification(types.WINDOW_LOG_MESSAGE)
    assert "titan verify SnekmateOwnable2Step.renouncing_clears_both: exit 0" in log.message, log.message
    assert "PROVED" in log.message and "renouncing_clears_both" in log.message, log.message


@pytest.mark.asyncio
async def test_malformed_requests_get_errors(client: LanguageClient):
    await open_spec(client)
    with pytest.raises(JsonRpcException) as unknown:
        await client.protocol.send_request_async("titan/noSuchMethod", {})
    assert unknown.value.code == -32601
    client.protocol.notify("titan/noSuchNotification", {})
    # Still serving.
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    assert symbols[0].name == "Vault"


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream) -> dict:
    length = None
    while True:
        line = stream.readline()
        assert line, "the server closed its output"
        if line == b"\r\n":
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length))


def test_invalid_json_is_answered_not_fatal():
    """Bytes no client library would send: not JSON, not an object, no method, malformed params."""
    server = subprocess.Popen([TITAN, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        malformed = [
            (b"{not json", -32700),
            (b"[1, 2]", -32600),
            (b'{"jsonrpc": "2.0", "id": 7}', -32600),
            (b'{"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover", "params": {"position": 3}}', -32602),
            (b'{"jsonrpc": "2.0", "id": 10, "method": "titan/noSuchMethod"}', -32601),
        ]
        for body, code in malformed:
            server.stdin.write(frame(body))
            server.stdin.flush()
            reply = read_message(server.stdout)
            assert reply["error"]["code"] == code, reply
        server.stdin.write(frame(b'{"jsonrpc": "2.0", "id": 8, "method": "shutdown"}'))
        server.stdin.write(frame(b'{"jsonrpc": "2.0", "method": "exit"}'))
        server.stdin.flush()
        assert read_message(server.stdout) == {"id": 8, "jsonrpc": "2.0", "result": None}
        assert server.wait(timeout=10) == 0
    finally:
        server.kill()


def rss_kib(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.asyncio
async def test_random_edits_do_not_crash_or_leak(client: LanguageClient):
    """1000 edits of the largest shipped spec: truncations and inserted junk."""
    text = (ROOT / "Specs" / "systems" / "proof_of_task.tspec").read_text()
    await open_spec(client, text)
    rng = random.Random(27)
    junk = ["@", "{", "}", "(", "'", "model", "state x:", "0x", "hex\"0", "==>", "\u00e9", "\n", "//", "1e9999", "map<"]
    pid = client._server.pid
    baseline = None
    for version in range(2, 1002):
        if rng.random() < 0.3:
            edited = text[: rng.randrange(len(text) + 1)]
        else:
            at = rng.randrange(len(text) + 1)
            edited = text[:at] + rng.choice(junk) + text[at:]
        await change(client, edited, version)
        if version == 102:
            baseline = rss_kib(pid)
    assert client._server.returncode is None
    await change(client, text, 1002)
    assert list(client.diagnostics[URI]) == []
    grown = rss_kib(pid) - baseline
    assert grown < 64 * 1024, f"resident memory grew by {grown} KiB over 900 edits"
