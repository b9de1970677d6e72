"""A Pygments lexer for Titan Verify's spec language (.tspec), for highlighting spec source in
HTML reports. It follows the same lexer as editors/tspec.tmLanguage.json
(Sources/TitanSpec/Lexer.swift); editors/tests/tokenize_specs.py checks it on the shipped specs.

    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments_tspec import TspecLexer
    html = highlight(source, TspecLexer(), HtmlFormatter())
"""

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (Comment, Error, Keyword, Name, Number, Operator, Punctuation, String,
                            Text, Whitespace)

__all__ = ["TspecLexer"]

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_END = r"(?![A-Za-z0-9_'])"

# enum Keyword in Sources/TitanSpec/Token.swift, by role.
DECLARATIONS = ("model", "state", "action", "view", "invariant", "rule", "lemma")
OTHER_WORDS = ("arithmetic", "checked", "wrapping", "on", "any")
CONTROL = ("require", "if", "else", "unchecked", "let")
TYPES = ("bool", "address", "uint", "uint8", "uint16", "uint32", "uint64", "uint128", "uint256", "map", "bytes")
CONSTANTS = ("true", "false", "max_uint256", "reverted")
BUILTINS = ("sum", "count", "len")
KEYWORDS = DECLARATIONS + OTHER_WORDS + CONTROL + TYPES + CONSTANTS + BUILTINS


class TspecLexer(RegexLexer):
    name = "Titan spec"
    aliases = ["tspec"]
    filenames = ["*.tspec"]

    tokens = {
        "root": [
            (r"(scenario)(\s+)(" + _ID + r")", bygroups(Keyword.Declaration, Whitespace, Name.Function), "scenario"),
            include("common"),
        ],
        # from/at/reverts/expect are words only in a scenario; elsewhere they are names.
        "scenario": [
            (r"\}", Punctuation, "#pop"),
            (r"(expect)" + _END + r"(?!\s*(?:=(?![=>])|[\[(]))", Keyword),
            (r"(from|at)" + _END + r"(?=[ \t]+[A-Za-z0-9_(!])", Keyword),
            (r"(reverts)" + _END + r"(?!\s*(?:=(?![=>])|[\[(]|[-+*/%<>!&|?]))", Keyword),
            include("common"),
        ],
        "common": [
            (r"\s+", Whitespace),
            (r"//.*?$", Comment.Single),
            (r"(model)(\s+)(" + _ID + r")", bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (r"(action|view|function|invariant|rule|lemma)(\s+)(" + _ID + r")",
             bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (r"(state|immutable|let|var)(\s+)(" + _ID + r")", bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (r"(const)(\s+)(" + _ID + r")", bygroups(Keyword.Declaration, Whitespace, Name.Constant)),
            (r"(for)(\s+)(" + _ID + r")(\s+)(in)" + _END, bygroups(Keyword, Whitespace, Name.Variable, Whitespace, Keyword)),
            (r"(constructor)(?=\s*[({])", Keyword.Declaration),
            (r"(using)(\s+)(" + _ID + r")", bygroups(Keyword, Whitespace, Name.Function)),
            (r"(expect)(\s+)(violated)" + _END, bygroups(Keyword, Whitespace, Keyword)),
            (r"return" + _END + r"(?!\s*(?:=(?![=>])|[\[(]))", Keyword),
            (words(KEYWORDS, suffix=r"'"), Error),  # a keyword cannot be primed
            (words(DECLARATIONS, suffix=_END), Keyword.Declaration),
            (words(OTHER_WORDS + CONTROL, suffix=_END), Keyword),
            (words(TYPES, suffix=_END), Keyword.Type),
            (words(CONSTANTS, suffix=_END), Keyword.Constant),
            (words(BUILTINS, suffix=_END), Name.Builtin),
            (r"(mulDivUp|mulDiv|min|max|abs|sqrt)(?=\s*\()", Name.Builtin),
            (r"u?int(?:[1-9][0-9]*)?" + _END, Keyword.Type),
            (r"(?:max|min)_int(?:[1-9][0-9]*)" + _END, Keyword.Constant),
            (r"bytes32" + _END, Keyword.Type),
            (r"max_uint(?:[1-9][0-9]*)" + _END, Keyword.Constant),
            (r"result" + _END, Name.Builtin.Pseudo),
            (r"(msg\.sender|msg\.value|block\.timestamp|block\.number|block\.previousTimestamp|block\.previousNumber)" + _END, Name.Builtin.Pseudo),
            (r"(?:msg|block)\." + _ID, Error),
            (r'hex"(?:[0-9a-fA-F]{2})*"', String),
            (r'hex"[^"\n]*"?', Error),
            (r"0[xX][0-9a-fA-F](?:[0-9a-fA-F_]*[0-9a-fA-F])?(?![A-Za-z0-9_])", Number.Hex),
            (r"[0-9](?:[0-9_]*[0-9])?[eE][0-9]+(?![A-Za-z0-9_])", Number.Integer),
            (r"[0-9](?:[0-9_]*[0-9])?(?![A-Za-z0-9_])", Number.Integer),
            (r"[0-9][A-Za-z0-9_]*", Error),
            (r"(" + _ID + r")(')", bygroups(Name.Variable, Operator)),
            (r"(" + _ID + r")(?=\s*\()", Name.Function),
            (_ID, Name),
            (r"==>|=>|==|!=|<=|>=|&&|\|\||\*\*|\.\.|[-+*/%<>=!?]", Operator),
            (r"[{}()\[\],:;]", Punctuation),
        ],
    }
