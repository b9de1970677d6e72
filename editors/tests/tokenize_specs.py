#!/usr/bin/env python3
"""Tokenizes spec files with the TextMate grammar editors/tspec.tmLanguage.json, using a real
TextMate tokenizer (textmate-grammar-python, pinned in editors/tests/requirements.txt).

    tokenize_specs.py [--grammar FILE] [PATH ...]

PATH is a .tspec file or a directory searched for **/*.tspec; by default the repository's Specs/.
Fails (exit 1), naming file:line:column and the text, when a non-whitespace span of a spec gets no
scope but source.tspec (a token the grammar does not know) or an invalid.illegal scope (a token the
lexer rejects). When run on the repository's own grammar it also checks that every reserved word
of the lexer (enum Keyword in Sources/TitanSpec/Token.swift) is highlighted as one, that the VS
Code extension's copy of the grammar is identical, a list of expected scopes on sample text, and
the Pygments lexer editors/pygments_tspec.py on the same files (when Pygments is installed).
Ends with the line "N passed, M failed".
"""

import argparse
import json
import logging
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR = ROOT / "editors" / "tspec.tmLanguage.json"
VSCODE_GRAMMAR = ROOT / "editors" / "vscode" / "syntaxes" / "tspec.tmLanguage.json"
TOKEN_SWIFT = ROOT / "Sources" / "TitanSpec" / "Token.swift"
ROOT_SCOPE = "source.tspec"

passed = 0
failures = []


def check(ok, message):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(message)
    return ok


def load_parser(grammar_path):
    # The library logs every span it skips as a warning; the check below reports those itself.
    logging.getLogger("textmate_grammar").setLevel(logging.CRITICAL)
    from textmate_grammar.parsers.base import LanguageParser

    return LanguageParser(json.loads(grammar_path.read_text(encoding="utf-8")))


def tokens(parser, text):
    """(line, column, text, scopes) for each span, 1-based, whitespace-only spans dropped. Scopes
    are outermost first and start with source.tspec."""
    element = parser.parse_string(text)
    if element is None:
        return []
    out = []
    for (line, column), content, scopes in element.flatten():
        # A span the library groups may hold several unknown characters and the spaces between.
        for m in re.finditer(r"\S+", content):
            out.append((line + 1, column + m.start() + 1, m.group(), list(scopes)))
    return out


def bad_spans(parser, text):
    """The spans with no scope of their own, or with an invalid.illegal scope."""
    bad = []
    for line, column, content, scopes in tokens(parser, text):
        if scopes == [ROOT_SCOPE]:
            bad.append((line, column, content, "unknown token (no scope but source.tspec)"))
        elif any(s.startswith("invalid.") for s in scopes):
            bad.append((line, column, content, "invalid token (" + " ".join(scopes[1:]) + ")"))
    return bad


def spec_files(paths):
    files = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(p.rglob("*.tspec")))
        elif p.is_file():
            files.append(p)
        else:
            failures.append(f"{p}: no such file or directory")
    return files


def shown(path):
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# Sample text and the scope each listed token must get: (line, text, nth occurrence on the line,
# scope prefix). Covers what the shipped specs do not all use.
SAMPLE = """\
// A comment with keywords in it: model state action
model Sample {
  arithmetic checked
  state owner: address = 0x1f
  state balances: map<address, map<address, uint256>>
  state data: bytes<4>
  view held(a: address): uint256 = balances[a][a]
  function pay(a: address, n: uint64): uint256 {
    var x: uint256 = mulDiv(n, 1e18, 2**96)
    let y = x + 1_000
    if x > y { x = y } else { unchecked { x = x - 1 } }
    return x
  }
  action deposit(amount: uint256): bool {
    require owner == msg.sender && block.timestamp >= 0
    data = hex"00ff"; return true
  }
  invariant backed: sum(balances) <= max_uint256 using bound
  rule grows(from: address) on deposit(amount): !reverted ==> held'(from) == held(from) + amount && result
  rule any_step on any: owner' == owner expect violated
  lemma bound(a: uint8, b: uint8): uint16(a) + uint16(b) <= 510 && sum(k => k) >= count(m) + len(data)
  constructor(first: address) { owner = first }
  scenario run {
    deposit(1) from 0x01 at 10 reverts
    expect owner == 0
  }
}
"""

EXPECTED = [
    (1, "//", 1, "comment.line.double-slash"),
    (1, "model", 1, "comment.line.double-slash"),
    (2, "model", 1, "keyword.declaration.model"),
    (2, "Sample", 1, "entity.name.type.model"),
    (3, "arithmetic", 1, "keyword.other.arithmetic"),
    (3, "checked", 1, "keyword.other"),
    (4, "state", 1, "keyword.declaration.state"),
    (4, "owner", 1, "entity.name.variable.state"),
    (4, "address", 1, "storage.type.address"),
    (4, "0x1f", 1, "constant.numeric.integer.hexadecimal"),
    (5, "map", 1, "storage.type.map"),
    (5, "map", 2, "storage.type.map"),
    (5, "uint256", 1, "storage.type.uint256"),
    (6, "bytes", 1, "storage.type.bytes"),
    (6, "4", 1, "constant.numeric"),
    (7, "view", 1, "keyword.declaration.view"),
    (7, "held", 1, "entity.name.function.view"),
    (7, "a", 1, "variable.parameter"),
    (8, "function", 1, "keyword.declaration.function"),
    (8, "pay", 1, "entity.name.function.function"),
    (8, "uint64", 1, "storage.type.uint64"),
    (9, "var", 1, "keyword.declaration.var"),
    (9, "x", 1, "entity.name.variable.local"),
    (9, "mulDiv", 1, "support.function.builtin.mulDiv"),
    (9, "1e18", 1, "constant.numeric"),
    (9, "2", 1, "constant.numeric"),
    (9, "**", 1, "keyword.operator.arithmetic.power"),
    (9, "96", 1, "constant.numeric"),
    (10, "let", 1, "keyword.declaration.let"),
    (10, "1_000", 1, "constant.numeric.integer.decimal"),
    (11, "if", 1, "keyword.control.if"),
    (11, "else", 1, "keyword.control.else"),
    (11, "unchecked", 1, "keyword.control.unchecked"),
    (12, "return", 1, "keyword.control.return"),
    (14, "action", 1, "keyword.declaration.action"),
    (14, "deposit", 1, "entity.name.function.action"),
    (14, "bool", 1, "storage.type.bool"),
    (15, "require", 1, "keyword.control.require"),
    (15, "msg", 1, "variable.language.environment"),
    (15, "sender", 1, "variable.language.environment"),
    (15, "block", 1, "variable.language.environment"),
    (15, "timestamp", 1, "variable.language.environment"),
    (15, "&&", 1, "keyword.operator.logical"),
    (15, ">=", 1, "keyword.operator.comparison"),
    (16, "hex", 1, "string.quoted.double.hex"),
    (16, "00ff", 1, "string.quoted.double.hex"),
    (16, ";", 1, "punctuation.terminator.statement"),
    (16, "true", 1, "constant.language.boolean"),
    (18, "invariant", 1, "keyword.declaration.invariant"),
    (18, "backed", 1, "entity.name.function.property.invariant"),
    (18, "sum", 1, "support.function.builtin.sum"),
    (18, "max_uint256", 1, "constant.language"),
    (18, "using", 1, "keyword.other.using"),
    (18, "bound", 1, "variable.function.lemma"),
    (19, "rule", 1, "keyword.declaration.rule"),
    (19, "grows", 1, "entity.name.function.property.rule"),
    (19, "from", 1, "variable.parameter"),          # outside a scenario 'from' is a name
    (19, "on", 1, "keyword.other.on"),
    (19, "deposit", 1, "variable.function.action"),
    (19, "reverted", 1, "variable.language.reverted"),
    (19, "==>", 1, "keyword.operator.logical.implies"),
    (19, "held", 1, "entity.name.function.call"),
    (19, "'", 1, "keyword.operator.prime"),
    (19, "from", 2, "variable.other"),
    (19, "result", 1, "variable.language.result"),
    (20, "any", 1, "keyword.other.any"),
    (20, "owner", 1, "variable.other.primed"),
    (20, "expect", 1, "keyword.other.expect"),
    (20, "violated", 1, "keyword.other.violated"),
    (21, "lemma", 1, "keyword.declaration.lemma"),
    (21, "uint16", 2, "storage.type.uint16"),
    (21, "=>", 1, "keyword.operator.arrow"),
    (21, "count", 1, "support.function.builtin.count"),
    (21, "len", 1, "support.function.builtin.len"),
    (22, "constructor", 1, "keyword.declaration.constructor"),
    (23, "scenario", 1, "keyword.declaration.scenario"),
    (23, "run", 1, "entity.name.function.scenario"),
    (24, "from", 1, "keyword.other.from"),
    (24, "0x01", 1, "constant.numeric.integer.hexadecimal"),
    (24, "at", 1, "keyword.other.at"),
    (24, "reverts", 1, "keyword.other.reverts"),
    (25, "expect", 1, "keyword.other.expect"),
]

# Text the lexer rejects: each must come out as an unknown or invalid span, so the check can fail.
REJECTED = ["model M { state x: uint8 ` }", "model M { state x§: uint8 }", "model M { invariant i: 12abc > 0 }",
            "model M { invariant i: msg.gas > 0 }", 'model M { invariant i: d == hex"0g" }',
            "model M { rule r on a: sum'(m) > 0 }", "model M { invariant i: x & y }", "model M { invariant i: 'x }"]


def self_checks(parser):
    # Every reserved word of the lexer gets a scope of a word, never a plain name.
    words = []
    if TOKEN_SWIFT.exists():
        body = re.search(r"enum Keyword\b[^{]*\{(.*?)\n\}", TOKEN_SWIFT.read_text(encoding="utf-8"), re.S)
        for line in body.group(1).splitlines() if body else []:
            line = line.strip()
            if line.startswith("case "):
                words += [w.strip().strip("`") for w in line[5:].split(",")]
    check(len(words) >= 30, f"{shown(TOKEN_SWIFT)}: expected the lexer's enum Keyword, found {len(words)} words")
    word_scopes = ("keyword.", "storage.type.", "support.function.", "constant.language.", "variable.language.")
    for word in words:
        scopes = [s for _, _, text, s in tokens(parser, f"model M {{ invariant i: {word} }}") if text == word]
        check(scopes and any(x.startswith(word_scopes) for x in scopes[0]),
              f"reserved word '{word}' (enum Keyword) is scoped {scopes[0][1:] if scopes else 'nowhere'}, not as a word")

    # Expected scopes on the sample.
    lines = SAMPLE.splitlines()
    by_line = {}
    for line, column, text, scopes in tokens(parser, SAMPLE):
        by_line.setdefault(line, []).append((column, text, scopes))
    for line, text, nth, prefix in EXPECTED:
        found = [(c, s) for c, t, s in by_line.get(line, []) if t == text]
        if not check(len(found) >= nth, f"sample line {line}: no occurrence {nth} of '{text}' in: {lines[line - 1].strip()}"):
            continue
        column, scopes = found[nth - 1]
        check(any(s.startswith(prefix) for s in scopes),
              f"sample {line}:{column}: '{text}' has scopes {scopes[1:]}, expected {prefix}.*")
    for line, column, text, why in bad_spans(parser, SAMPLE):
        check(False, f"sample {line}:{column}: {why}: '{text}'")

    for text in REJECTED:
        check(bad_spans(parser, text), f"the grammar accepts text the lexer rejects: {text}")

    if VSCODE_GRAMMAR.exists() or GRAMMAR.exists():
        check(VSCODE_GRAMMAR.exists() and VSCODE_GRAMMAR.read_bytes() == GRAMMAR.read_bytes(),
              f"{shown(VSCODE_GRAMMAR)} differs from {shown(GRAMMAR)}: copy the grammar again")


def pygments_checks(files):
    """The Pygments lexer editors/pygments_tspec.py (HTML reports): no Error token in any spec, the
    sample's words, numbers, comments and strings typed, and lexer-rejected text an Error. Skipped
    when Pygments is not installed (the project's .venv has it)."""
    try:
        from pygments.token import Comment, Error, Keyword, Name, Number, String
    except ImportError:
        return False
    sys.dont_write_bytecode = True  # no editors/__pycache__ left in the work tree
    sys.path.insert(0, str(ROOT / "editors"))
    from pygments_tspec import TspecLexer

    lexer = TspecLexer()

    def typed(text):
        """(line, column, text, token type) of each non-whitespace token, 1-based."""
        out, line, column = [], 1, 1
        for kind, value in lexer.get_tokens(text):
            for i, part in enumerate(value.split("\n")):
                if i:
                    line, column = line + 1, 1
                if part.strip():
                    out.append((line, column + len(part) - len(part.lstrip()), part.strip(), kind))
                column += len(part)
        return out

    for path in files:
        errors = [t for t in typed(path.read_text(encoding="utf-8")) if t[3] in Error]
        for line, column, text, _ in errors:
            failures.append(f"{shown(path)}:{line}:{column}: Pygments lexer: Error token '{text}'")
        if not errors:
            check(True, "")
    sample = {(line, text): kind for line, _, text, kind in reversed(typed(SAMPLE))}
    for line, text, kind in [(1, "// A comment with keywords in it: model state action", Comment),
                             (2, "model", Keyword), (4, "0x1f", Number), (9, "1e18", Number), (9, "2", Number),
                             (9, "96", Number), (9, "mulDiv", Name.Builtin), (16, 'hex"00ff"', String),
                             (11, "unchecked", Keyword), (19, "from", Name), (24, "from", Keyword), (22, "constructor", Keyword.Declaration),
                             (24, "reverts", Keyword), (20, "violated", Keyword), (5, "uint256", Keyword.Type)]:
        got = sample.get((line, text))
        check(got is not None and got in kind, f"Pygments lexer: sample line {line} '{text}' is {got}, expected {kind}")
    check(not [t for t in typed(SAMPLE) if t[3] in Error], "Pygments lexer: Error tokens in the sample")
    for text in REJECTED:
        check(any(t[3] in Error for t in typed(text)), f"Pygments lexer accepts text the lexer rejects: {text}")
    return True


def main():
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--grammar", type=Path, default=GRAMMAR)
    args.add_argument("paths", nargs="*", default=[str(ROOT / "Specs")])
    opts = args.parse_args()

    grammar = json.loads(opts.grammar.read_text(encoding="utf-8"))
    check(grammar.get("scopeName") == ROOT_SCOPE, f"{opts.grammar}: scopeName is {grammar.get('scopeName')!r}, not {ROOT_SCOPE}")
    parser = load_parser(opts.grammar)
    if opts.grammar.resolve() == GRAMMAR.resolve():
        self_checks(parser)

    started = time.monotonic()
    files = spec_files(opts.paths)
    check(files, "no .tspec file found in " + ", ".join(opts.paths))
    line_count = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        line_count += len(text.splitlines())
        bad = bad_spans(parser, text)
        for line, column, content, why in bad:
            failures.append(f"{shown(path)}:{line}:{column}: {why}: '{content}'")
        if not bad:
            check(True, "")
    print(f"tokenized {len(files)} spec files, {line_count} lines, in {time.monotonic() - started:.1f} s")
    skipped = 0
    if opts.grammar.resolve() == GRAMMAR.resolve() and not pygments_checks(files):
        skipped = 1
        print("Pygments is not installed: the Pygments lexer's checks were skipped")

    for message in failures:
        print("FAIL " + message)
    print(f"{passed} passed, {len(failures)} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
