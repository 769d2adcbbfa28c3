//! Attribute paths and the codec error type.
//!
//! A `Path` names a position inside a value ("which attribute, which element"). The codecs put one into
//! every error so a malformed message can be traced to the offending attribute, and the protocol layer
//! turns the same paths into diagnostic `AttributePath`s.

use std::fmt;

/// A position inside a value, as a sequence of steps from the root.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Path(pub Vec<PathStep>);

/// One step of a [`Path`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// An object attribute (or nested block) by name.
    Attr(String),
    /// A map element by key.
    Key(String),
    /// A list or tuple element by index. The codecs also use it for set elements in error messages,
    /// although Terraform cannot address set elements in diagnostics.
    Index(i64),
}

impl Path {
    /// The empty path, naming the whole value.
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// This path extended by an attribute step.
    pub fn attr(&self, name: &str) -> Path {
        self.with(PathStep::Attr(name.to_string()))
    }

    /// This path extended by a map-key step.
    pub fn key(&self, k: &str) -> Path {
        self.with(PathStep::Key(k.to_string()))
    }

    /// This path extended by an index step.
    pub fn index(&self, i: i64) -> Path {
        self.with(PathStep::Index(i))
    }

    /// Whether this is the root path (no steps).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    fn with(&self, step: PathStep) -> Path {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend(self.0.iter().cloned());
        steps.push(step);
        Path(steps)
    }
}

impl fmt::Display for Path {
    /// Renders the path the way Terraform users write references: `a.b[0].c`, `tags["env"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(name) if i == 0 => f.write_str(name)?,
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Key(k) => {
                    let quoted = serde_json::to_string(k).map_err(|_| fmt::Error)?;
                    write!(f, "[{quoted}]")?
                }
                PathStep::Index(idx) => write!(f, "[{idx}]")?,
            }
        }
        Ok(())
    }
}

/// An error from decoding, encoding or checking a value, with the path of the offending position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.path, .message))]
pub struct CodecError {
    /// Where in the value the problem is; the root path when it concerns the whole value.
    pub path: Path,
    /// What is wrong, as a sentence fragment without the path.
    pub message: String,
}

impl CodecError {
    /// Builds an error at `path`.
    pub fn new(path: &Path, message: impl Into<String>) -> CodecError {
        CodecError {
            path: path.clone(),
            message: message.into(),
        }
    }
}

fn render(path: &Path, message: &str) -> String {
    if path.is_root() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}
