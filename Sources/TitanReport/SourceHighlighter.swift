import TitanSpec

/// Spec source as HTML with its tokens marked, by the language's own lexer (so what is a keyword
/// here is a keyword to `titan verify`): keywords, numbers, primed names, operators, and the
/// `//` comments between tokens. Lines are returned separately, for numbering.
enum SourceHighlighter {
    static func lines(_ text: String) -> [String] {
        let characters = Array(text)
        var html = ""
        var at = 0
        func plain(_ upTo: Int) {
            guard upTo > at else { return }
            let gap = String(characters[at..<upTo])
            // Between tokens there is only whitespace and comments; a comment runs to its line's end.
            var rest = Substring(gap)
            while let slash = rest.range(of: "//") {
                html += HTMLRenderer.escape(String(rest[..<slash.lowerBound]))
                let end = rest[slash.lowerBound...].firstIndex(of: "\n") ?? rest.endIndex
                html += "<span class=\"com\">\(HTMLRenderer.escape(String(rest[slash.lowerBound..<end])))</span>"
                rest = rest[end...]
            }
            html += HTMLRenderer.escape(String(rest))
            at = upTo
        }
        for token in SpecLoader.tokens(of: text) where token.start >= at && token.end <= characters.count {
            plain(token.start)
            let spelling = HTMLRenderer.escape(String(characters[token.start..<token.end]))
            switch token.kind {
            case .keyword: html += "<span class=\"kw\">\(spelling)</span>"
            case .number: html += "<span class=\"num\">\(spelling)</span>"
            case .primed: html += "<span class=\"post\">\(spelling)</span>"
            case .punct where token.name.count > 1 || "+-*/%<>!".contains(token.name): html += "<span class=\"op\">\(spelling)</span>"
            default: html += spelling
            }
            at = token.end
        }
        plain(characters.count)
        // Spans never cross a line: a comment ends at its newline, and tokens hold none.
        return html.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
