//! Diagnostics: what the provider tells the user, with the attribute it is about.
//!
//! Errors and warnings are collected as data and only turned into protobuf in `wire.rs`. Every
//! expected failure travels as a diagnostic in a normal response, never as a gRPC status.

use super::cty::Path;

/// How many characters of a value a diagnostic quotes before it shortens the value.
pub const QUOTE_LIMIT: usize = 60;

/// A value as a diagnostic quotes it: in double quotes with Rust-style escapes (as `{:?}` writes
/// it), and, when longer than [`QUOTE_LIMIT`] characters, only its first characters followed by
/// `… (N characters)`, so a huge bad value does not flood the message.
pub fn quote(s: &str) -> String {
    let count = s.chars().count();
    if count <= QUOTE_LIMIT {
        return format!("{s:?}");
    }
    let head: String = s.chars().take(QUOTE_LIMIT).collect();
    format!("{head:?}… ({count} characters)")
}

/// `message` with every whole quotation of `value` (as `{:?}` writes it) replaced by
/// [`quote`]`(value)`: a checker's message then shortens a long value without each checker
/// having to. Short values leave the message unchanged.
pub fn shorten_quoted(message: String, value: &str) -> String {
    if value.chars().count() <= QUOTE_LIMIT {
        return message;
    }
    message.replace(&format!("{value:?}"), &quote(value))
}

/// How bad a diagnostic is. Terraform treats anything but `Error` as non-fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Stops the operation.
    Error,
    /// Shown to the user; the operation goes on.
    Warning,
}

/// One message for the user: a short summary, a detail that says how to fix it, and optionally
/// the attribute it concerns (Terraform then points at that line of the configuration).
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// One line, no trailing period.
    pub summary: String,
    /// Sentences: what happened and how to fix it.
    pub detail: String,
    /// The attribute the message is about, if any.
    pub path: Option<Path>,
}

impl Diagnostic {
    /// An error with a summary and a detail.
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// A warning with a summary and a detail.
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: detail.into(),
            path: None,
        }
    }

    /// The same diagnostic, pointing at `path` (a root path points at the whole block).
    pub fn at(mut self, path: Path) -> Self {
        self.path = if path.is_root() { None } else { Some(path) };
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An ordered collection of diagnostics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Adds an error at `path`.
    pub fn error_at(&mut self, path: Path, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Diagnostic::error(summary, detail).at(path));
    }

    /// Adds a warning at `path`.
    pub fn warning_at(
        &mut self,
        path: Path,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.push(Diagnostic::warning(summary, detail).at(path));
    }

    /// Appends all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Whether there are no diagnostics at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the diagnostics.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_shortens_only_long_values() {
        let sixty = "a".repeat(60);
        let long = "b".repeat(10_000);
        let accents = "é".repeat(61);
        let cases: Vec<(&str, String)> = vec![
            ("", "\"\"".to_string()),
            ("eastus", "\"eastus\"".to_string()),
            ("say \"hi\"\n", "\"say \\\"hi\\\"\\n\"".to_string()),
            (&sixty, format!("\"{sixty}\"")),
            (&long, format!("\"{}\"… (10000 characters)", "b".repeat(60))),
            // Characters, not bytes: a multi-byte value is cut on a character boundary.
            (&accents, format!("\"{}\"… (61 characters)", "é".repeat(60))),
        ];
        for (input, want) in &cases {
            assert_eq!(&quote(input), want, "input of {} chars", input.len());
        }
    }

    #[test]
    fn shorten_quoted_replaces_whole_quotations_only() {
        let long = format!("x{}", "-".repeat(9_999));
        let short_q = quote(&long);
        let cases: Vec<(String, &str, String)> = vec![
            // Short values: the message is unchanged.
            ("\"abc\" is bad.".into(), "abc", "\"abc\" is bad.".into()),
            // A long value quoted twice is shortened twice; other text is kept.
            (
                format!("{long:?} is bad; {long:?} again, and \"other\"."),
                &long,
                format!("{short_q} is bad; {short_q} again, and \"other\"."),
            ),
            // A message that does not quote the value is unchanged.
            ("No value here.".into(), &long, "No value here.".into()),
        ];
        for (message, value, want) in cases {
            assert_eq!(shorten_quoted(message, value), want);
        }
    }
}
