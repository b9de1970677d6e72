/// The version of Titan Verify, in one place: `titan --version`, `tpm --version`, the reports'
/// tool version, the registry's re-check and the language server's `serverInfo` all read it.
public enum TitanVersion {
    public static let current = "0.1.0"
}
