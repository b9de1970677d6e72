import Foundation
import TitanVerification

extension Report {
    /// Every file of the report directory, by relative path: report.json, summary.txt, the HTML
    /// pages, junit.xml and report.sarif. All derive from this value alone, so a merged report.json
    /// renders exactly as a single run's.
    public func files(html: HTMLRenderer = HTMLRenderer()) throws -> [(path: String, data: Data)] {
        var out: [(String, Data)] = [
            ("report.json", try json()),
            ("summary.txt", Data(TextRenderer(color: false).render(self).utf8)),
            ("junit.xml", Data(JUnitRenderer().render(self).utf8)),
            ("report.sarif", try SARIFRenderer().render(self)),
        ]
        for page in html.pages(self) { out.append((page.path, Data(page.html.utf8))) }
        return out
    }

    /// Writes the report directory so that it is replaced whole or not at all (see `ReportDirectory`).
    public func write(to directory: String, html: HTMLRenderer = HTMLRenderer()) throws {
        try ReportDirectory(path: directory).replace(with: files(html: html))
    }
}
